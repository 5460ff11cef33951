"""Our sender is not a spam relay (issue 15 item 6): an account that has not proved its address
cannot invite anyone, and invitations are bounded per inviter and per organization on the
hosted pages, and per organization (higher) for the application's API calls. Through the
hosted pages' forms and the API, on the application's clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tests.helpers import Api, assert_problem
from tests.oidc.conftest import form_token
from tests.pages.conftest import code_in, latest_email
from tests.security.legacy_sessions import session_from_before

PASSWORD = "a long and unusual passphrase"
LIMITS = {
    "invitations_per_inviter_per_hour": 3,
    "invitations_per_organization_per_hour": 4,
    "api_invitations_per_organization_per_hour": 2,
}


@pytest.fixture
def app(settings, clock, engine):
    return create_app(context=build_context(settings.model_copy(update=LIMITS), clock, engine=engine))


@pytest.fixture
def browsers(app) -> Iterator[list[TestClient]]:
    """Up to three people, each with their own cookies, on the same server."""
    with (
        TestClient(app, follow_redirects=False) as a,
        TestClient(app, follow_redirects=False) as b,
        TestClient(app, follow_redirects=False) as c,
    ):
        yield [a, b, c]


@pytest.fixture
def app_api(browsers) -> Api:
    return Api.login(browsers[2])


def sign_up(browser: TestClient, email: str, organization: str) -> None:
    data = {"email": email, "password": PASSWORD, "organization_name": organization}
    response = browser.post("/signup", data={**data, "csrf_token": form_token(browser, "/signup")})
    assert response.status_code == 303, response.text


def verify(browser: TestClient, api: Api, email: str) -> None:
    code = code_in(latest_email(api, email, "verify_email"))
    response = browser.post("/verify-email", data={"code": code, "csrf_token": form_token(browser, "/verify-email")})
    assert response.status_code == 303, response.text


def organization_of(api: Api, email: str, name: str) -> str:
    (user,) = [u for u in api.get("/api/v1/users", params={"page_size": 100}).json()["users"] if u["email"] == email]
    return next(m["organization_id"] for m in user["memberships"] if m["name"] == name)


def invite(browser: TestClient, org_id: str, email: str, role: str = "member"):
    page = f"/organizations/{org_id}/members"
    data = {"email": email, "role": role, "csrf_token": form_token(browser, page)}
    return browser.post(f"{page}/invite", data=data)


def invitations_to(api: Api, email: str) -> list[dict]:
    emails = api.get("/api/v1/emails", params={"to": email}).json()["emails"]
    return [e for e in emails if e["kind"] == "invitation"]


def test_an_account_that_has_not_proved_its_address_cannot_invite(browsers, app_api):
    ada = browsers[0]
    sign_up(ada, "ada@example.com", "Acme\u00a0Payments")
    # neither sign-up nor the password opens a session before the code (SPEC §3) ...
    signed_in = ada.post(
        "/login", data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": form_token(ada, "/login")}
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"].startswith("/verify-email")
    assert "tenantry_session" not in ada.cookies
    # ... but a session opened by the password before that rule still cannot invite
    token = session_from_before(ada.app.state.context, "ada@example.com")  # type: ignore[attr-defined]
    ada.cookies.set("tenantry_session", token, domain="testserver.local")
    org = organization_of(app_api, "ada@example.com", "Acme\u00a0Payments")
    members = ada.get(f"/organizations/{org}/members")
    assert "data-unverified" in members.text and "Verify your e-mail address" in members.text

    refused = invite(ada, org, "victim@example.com")
    assert refused.status_code == 403 and "Verify your e-mail address" in refused.text
    assert invitations_to(app_api, "victim@example.com") == []
    assert [u["email"] for u in app_api.get(f"/api/v1/organizations/{org}/users").json()["users"]] == [
        "ada@example.com"
    ]

    verify(ada, app_api, "ada@example.com")
    assert invite(ada, org, "colleague@example.com").status_code == 303
    assert len(invitations_to(app_api, "colleague@example.com")) == 1


def test_invitations_are_bounded_per_inviter_and_per_organization(browsers, app_api, clock):
    ada, bob, _ = browsers
    sign_up(ada, "ada@example.com", "Acme")
    verify(ada, app_api, "ada@example.com")
    org = organization_of(app_api, "ada@example.com", "Acme")
    for email, role in (("bob@example.com", "admin"), ("c1@example.com", "member"), ("c2@example.com", "member")):
        assert invite(ada, org, email, role).status_code == 303, email
    over = invite(ada, org, "c3@example.com")  # a fourth from Ada within the hour
    assert over.status_code == 429 and "You have sent 3 invitations in the last hour" in over.text
    assert invitations_to(app_api, "c3@example.com") == []

    # Bob joins by his link (which proves his address), signs in and invites: the
    # organization's members may send 4 an hour between them.
    token = app_api.invitation_token("bob@example.com")
    assert app_api.accept(token, password=PASSWORD).status_code == 200
    bob.post("/login", data={"email": "bob@example.com", "password": PASSWORD, "csrf_token": form_token(bob, "/login")})
    assert invite(bob, org, "d1@example.com").status_code == 303
    full = invite(bob, org, "d2@example.com")
    assert full.status_code == 429 and "members of this organization have sent 4" in full.text

    clock.advance(minutes=61)  # a rolling hour: the first ones have left the window
    assert invite(ada, org, "c3@example.com").status_code == 303
    assert invite(bob, org, "d2@example.com").status_code == 303


def test_the_applications_api_has_its_own_bound_per_organization(app_api, clock):
    org, other = app_api.org("Acme")["id"], app_api.org("Globex")["id"]
    first = app_api.user_in(org, "one@example.com")
    app_api.user_in(org, "two@example.com")
    refused = app_api.add_user(org, "three@example.com")
    assert_problem(refused, 429, "rate_limited")
    assert 3000 < int(refused.headers["retry-after"]) <= 3600
    resend = app_api.patch(f"/api/v1/invites/organizations/{org}/users/{first['id']}/resend")
    assert_problem(resend, 429, "rate_limited")  # a resent invitation is one more e-mail
    assert app_api.add_user(other, "three@example.com").status_code == 201  # per organization
    assert app_api.add_user(org, "active@example.com", invite=False).status_code == 201  # no e-mail, no limit

    clock.advance(hours=1, seconds=1)
    assert app_api.add_user(org, "four@example.com").status_code == 201
