"""Social connections (SPEC §13) at the HTTP level, against the fake OpenID provider: the
management API, sign-up and sign-in from the log-in page's buttons, and account-linking
take-over attempts (an unverified provider address, an unverified Tenantry account, a
state that belongs to another browser, a nonce mismatch, a replayed answer)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.helpers import Api, assert_problem
from tests.sso.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeOidc
from tests.sso.flows import path_of

EMAIL = "alice@gmail.example"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def google(api: Api, idp: FakeOidc, **fields: Any) -> dict[str, Any]:
    """A GOOGLE connection pointed at the fake provider (issuer discovery), enabled."""
    config = {"issuer": idp.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    created = api.post("/api/v1/connections", json={"connection": {"provider": "GOOGLE", "oauth_config": config}})
    assert created.status_code == 201, created.text
    enabled = api.patch(f"/api/v1/connections/{created.json()['connection']['id']}:enable")
    assert enabled.status_code == 200, enabled.text
    return dict(enabled.json()["connection"])


def to_provider(http: TestClient, connection_id: str) -> str:
    """Press the connection's button on the log-in page; returns the provider's URL."""
    page = http.get("/login?next=/organizations").text
    assert f'action="/login/social/{connection_id}"' in page
    token = CSRF.search(page).group(1)  # type: ignore[union-attr]
    started = http.post(
        f"/login/social/{connection_id}",
        data={"csrf_token": token, "next": "/organizations"},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    return started.headers["location"]


def callback_of(provider_url: str) -> str:
    """The fake provider signs its next user in at once: the path back to Tenantry."""
    back = httpx.get(provider_url, follow_redirects=False)
    assert back.status_code == 302, back.text
    return path_of(back.headers["location"])


def sign_in(http: TestClient, connection_id: str) -> httpx.Response:
    return http.get(callback_of(to_provider(http, connection_id)), follow_redirects=False)


def users_with(api: Api, email: str) -> list[dict[str, Any]]:
    return [u for u in api.get("/api/v1/users", params={"page_size": 100}).json()["users"] if u["email"] == email]


def events(api: Api, kind: str) -> list[dict[str, Any]]:
    found = api.get("/api/v1/events", params={"page_size": 100}).json()["events"]
    return [e for e in found if e["type"] == kind]


def identities(engine: Engine) -> int:
    with engine.connect() as db:
        return int(db.execute(text("SELECT count(*) FROM social_identities")).scalar_one())


def test_connections_through_the_api_with_their_secret_sealed(api: Api, fake_oidc: FakeOidc, engine: Engine) -> None:
    connection = google(api, fake_oidc, ui_button_title=None)
    oauth = connection["oauth_config"]
    assert connection["provider"] == "GOOGLE" and connection["type"] == "OIDC" and connection["status"] == "COMPLETED"
    assert oauth["jwks_uri"] == f"{fake_oidc.issuer}/jwks" and oauth["client_secret_set"] is True
    assert oauth["redirect_uri"] == f"http://tenantry.test/login/social/{connection['id']}/callback"
    assert connection["ui_button_title"] == "Sign in with Google"
    with engine.connect() as db:
        stored = db.execute(text("SELECT client_secret_encrypted FROM social_connections")).scalar_one()
    assert CLIENT_SECRET not in stored and CLIENT_SECRET not in str(api.get("/api/v1/connections").json())
    # An update may not leave an enabled connection incomplete: refused whole, nothing changes.
    emptied = {"connection": {"oauth_config": {"client_id": None, "jwks_uri": None}}}
    assert_problem(api.patch(f"/api/v1/connections/{connection['id']}", json=emptied), 409, "failed_precondition")
    kept = api.get(f"/api/v1/connections/{connection['id']}").json()["connection"]
    assert kept["status"] == "COMPLETED" and kept["oauth_config"]["jwks_uri"] == oauth["jwks_uri"]
    again = api.post("/api/v1/connections", json={"connection": {"provider": "GOOGLE"}})
    assert_problem(again, 409, "failed_precondition")
    assert_problem(
        api.post("/api/v1/connections", json={"connection": {"provider": "CUSTOM"}}), 400, "invalid_argument"
    )
    metadata_service = {"provider": "CUSTOM", "type": "OIDC", "oauth_config": {"issuer": "http://169.254.169.254"}}
    refused = assert_problem(
        api.post("/api/v1/connections", json={"connection": metadata_service}), 400, "invalid_argument"
    )
    assert refused["details"][0]["code"] == "discovery_failed"  # the SSRF guard of SSO's transport
    github = api.post("/api/v1/connections", json={"connection": {"provider": "GITHUB"}}).json()["connection"]
    assert github["type"] == "OAUTH" and github["status"] == "DRAFT"
    assert github["oauth_config"]["emails_uri"] == "https://api.github.com/user/emails"
    assert_problem(api.patch(f"/api/v1/connections/{github['id']}:enable"), 409, "failed_precondition")
    renamed = api.patch(f"/api/v1/connections/{github['id']}", json={"connection": {"ui_button_title": "GitHub"}})
    assert renamed.json()["connection"]["ui_button_title"] == "GitHub"
    assert_problem(
        api.patch(f"/api/v1/connections/{github['id']}", json={"connection": {"type": "OIDC"}}), 400, "invalid_argument"
    )
    assert api.delete(f"/api/v1/connections/{github['id']}").status_code == 200
    assert [c["id"] for c in api.get("/api/v1/connections").json()["connections"]] == [connection["id"]]
    kinds = {e["type"] for e in api.get("/api/v1/events", params={"page_size": 100}).json()["events"]}
    assert {"environment.connection_created", "environment.connection_enabled"} <= kinds
    assert "environment.connection_deleted" in kinds


def test_a_verified_address_signs_up_then_signs_in_as_the_same_user(
    api: Api, http: TestClient, fake_oidc: FakeOidc, engine: Engine
) -> None:
    connection = google(api, fake_oidc)
    fake_oidc.user = {"sub": "g-1", "email": EMAIL, "email_verified": True, "given_name": "Alice"}
    first = sign_in(http, connection["id"])
    assert first.status_code == 303 and first.headers["location"] == "/organizations", first.text
    (user,) = users_with(api, EMAIL)
    assert user["email_verified"] is True and user["user_profile"]["given_name"] == "Alice"
    assert http.get("/profile").status_code == 200  # signed in
    with engine.connect() as db:
        assert db.execute(text("SELECT amr FROM browser_sessions")).scalar_one() in (["fed"], '["fed"]')
    http.cookies.clear()
    fake_oidc.user = {"sub": "g-1", "email": "renamed@gmail.example", "email_verified": True}
    assert sign_in(http, connection["id"]).status_code == 303
    assert len(users_with(api, EMAIL)) == 1 and not users_with(api, "renamed@gmail.example")  # the subject decides
    assert len(events(api, "user.social_login")) == 2


def test_a_verified_account_is_linked(api: Api, http: TestClient, fake_oidc: FakeOidc, engine: Engine) -> None:
    assert api.signup(EMAIL).status_code == 201
    connection = google(api, fake_oidc)
    fake_oidc.user = {"sub": "g-2", "email": EMAIL.upper(), "email_verified": True}
    assert sign_in(http, connection["id"]).status_code == 303
    assert len(users_with(api, EMAIL)) == 1 and identities(engine) == 1
    (linked,) = events(api, "user.social_identity_linked")
    assert linked["data"]["provider"] == "GOOGLE"


def test_an_unverified_provider_address_creates_and_links_nothing(
    api: Api, http: TestClient, fake_oidc: FakeOidc, engine: Engine
) -> None:
    assert api.signup(EMAIL).status_code == 201
    connection = google(api, fake_oidc)
    for email in (EMAIL, "newcomer@gmail.example"):  # an existing verified account, and nobody
        http.cookies.clear()
        fake_oidc.user = {"sub": f"g-{email}", "email": email, "email_verified": False}
        refused = sign_in(http, connection["id"])
        assert refused.status_code == 403 and "no verified e-mail address" in refused.text
        assert "tenantry_session" not in refused.headers.get("set-cookie", "")
    assert identities(engine) == 0 and not users_with(api, "newcomer@gmail.example")
    assert len(events(api, "user.social_login_refused")) == 2


def test_an_unverified_account_is_not_taken_over(
    api: Api, http: TestClient, fake_oidc: FakeOidc, engine: Engine
) -> None:
    assert api.signup(EMAIL, verified=False).status_code == 201  # somebody registered the address and never proved it
    connection = google(api, fake_oidc)
    fake_oidc.user = {"sub": "g-3", "email": EMAIL, "email_verified": True}
    refused = sign_in(http, connection["id"])
    assert refused.status_code == 403 and "cannot be linked" in refused.text
    assert 'href="/login/code"' in refused.text  # the way to prove the address
    assert identities(engine) == 0 and "tenantry_session" not in refused.headers.get("set-cookie", "")
    (user,) = users_with(api, EMAIL)
    assert user["email_verified"] is False


def test_an_answer_meant_for_another_browser_or_nonce_or_replayed_is_refused(
    api: Api, http: TestClient, fake_oidc: FakeOidc, engine: Engine
) -> None:
    connection = google(api, fake_oidc)
    fake_oidc.user = {"sub": "g-4", "email": EMAIL, "email_verified": True}
    # An attacker starts a sign-in and sends the answer (their code, their state) to a victim.
    attackers = callback_of(to_provider(http, connection["id"]))
    http.cookies.clear()
    victim = http.get(attackers, follow_redirects=False)
    assert victim.status_code == 403 and "started in this browser" in victim.text
    # The ID token's nonce is not the request's.
    fake_oidc.overrides = {"nonce": "another-nonce"}
    wrong_nonce = sign_in(http, connection["id"])
    assert wrong_nonce.status_code == 400 and "ID token is not valid" in wrong_nonce.text
    fake_oidc.overrides = {}
    # A finished answer replayed with its state cookie: the state is used up.
    callback = callback_of(to_provider(http, connection["id"]))
    state = http.cookies.get("tenantry_social_state")
    assert http.get(callback, follow_redirects=False).status_code == 303
    http.cookies.clear()
    http.cookies.set("tenantry_social_state", state or "", path="/login/social")
    replayed = http.get(callback, follow_redirects=False)
    assert replayed.status_code == 400 and "not valid any more" in replayed.text
    assert len(users_with(api, EMAIL)) == 1 and identities(engine) == 1


def test_github_counts_only_an_address_it_says_is_verified(
    api: Api, http: TestClient, fake_oidc: FakeOidc, engine: Engine
) -> None:
    endpoints = {
        key: f"{fake_oidc.issuer}/{path}"
        for key, path in (
            ("authorize_uri", "authorize"),
            ("token_uri", "token"),
            ("user_info_uri", "user"),
            ("emails_uri", "user/emails"),
        )
    }
    config = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **endpoints}  # a GitHub Enterprise server
    created = api.post("/api/v1/connections", json={"connection": {"provider": "GITHUB", "oauth_config": config}})
    connection_id = created.json()["connection"]["id"]
    assert api.patch(f"/api/v1/connections/{connection_id}:enable").status_code == 200
    fake_oidc.user = {"github_id": 77, "email": EMAIL}
    fake_oidc.github_emails = [{"email": EMAIL, "primary": True, "verified": False}]
    assert sign_in(http, connection_id).status_code == 403
    assert identities(engine) == 0 and not users_with(api, EMAIL)
    fake_oidc.github_emails = [{"email": EMAIL, "primary": True, "verified": True}]
    http.cookies.clear()
    assert sign_in(http, connection_id).status_code == 303
    assert identities(engine) == 1 and users_with(api, EMAIL)[0]["email_verified"] is True
