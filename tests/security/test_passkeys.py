"""Passkeys at the HTTP level, answered by a software authenticator: an answer made for
another origin or RP id is refused; a challenge serves once, in the browser that asked,
for a few minutes; the counter must grow; removal needs a recent sign-in; a passkey with
user verification signs in with ``amr`` hwk + user + mfa (RFC 8176)."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tenantry.server.settings import Settings
from tests.helpers import Api
from tests.oidc.conftest import authorize, callback_params, exchange, pkce, register
from tests.security.soft_authenticator import SoftAuthenticator

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
PASSKEY = re.compile(r'action="/profile/passkeys/(pky_[0-9a-z]+)/delete"')
PASSWORD = "a long and unusual passphrase"
ORIGIN, RP_ID = "http://localhost", "localhost"  # OpenID Connect allows plain http on localhost only


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_url": ORIGIN})


def token(client: TestClient, path: str) -> str:
    return CSRF.search(client.get(path).text).group(1)  # type: ignore[union-attr]


def password_sign_in(client: TestClient) -> None:
    data = {"email": "ada@example.com", "password": PASSWORD, "csrf_token": token(client, "/login")}
    assert client.post("/login", data=data).status_code == 303


def options(client: TestClient, path: str, page: str) -> dict[str, Any]:
    response = client.post(path, data={"csrf_token": token(client, page)})
    assert response.status_code == 200, response.text
    return dict(response.json())


def add_passkey(client: TestClient, device: SoftAuthenticator, **answer: Any) -> str:
    created = device.create(options(client, "/profile/passkeys/options", "/profile"), **answer)
    data = {"credential": created, "name": "Laptop", "csrf_token": token(client, "/profile")}
    return str(client.post("/profile/passkeys", data=data).headers["location"])


def passkey_sign_in(client: TestClient, answer: str) -> int:
    data = {"credential": answer, "csrf_token": token(client, "/login")}
    return client.post("/login/passkey", data=data).status_code


def login_options(client: TestClient) -> dict[str, Any]:
    return options(client, "/login/passkey/options", "/login")


def signed_out(client: TestClient) -> TestClient:
    client.post("/logout", data={"csrf_token": token(client, "/profile")})
    client.cookies.clear()
    return client


def with_passkey(http: TestClient, api: Api) -> SoftAuthenticator:
    assert api.signup("ada@example.com", PASSWORD, organization={"display_name": "Ada's"}).status_code == 201
    http.follow_redirects = False
    password_sign_in(http)
    device = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID)
    assert add_passkey(http, device) == "/profile?passkey=added#passkeys"
    return device


def claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_answers_made_for_another_origin_or_rp_id_are_refused(http: TestClient, api: Api):
    assert api.signup("ada@example.com", PASSWORD, organization={"display_name": "Ada's"}).status_code == 201
    http.follow_redirects = False
    password_sign_in(http)
    phished = SoftAuthenticator(origin="https://localhost.evil.example", rp_id=RP_ID)
    assert add_passkey(http, phished) == "/profile?passkey_problem=passkey_invalid#passkeys"
    device = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID)
    assert add_passkey(http, device) == "/profile?passkey=added#passkeys"
    assert len(PASSKEY.findall(http.get("/profile").text)) == 1
    signed_out(http)

    assert passkey_sign_in(http, device.get(login_options(http), origin="https://evil.example")) == 400
    assert passkey_sign_in(http, device.get(login_options(http), rp_id="evil.example")) == 400
    assert "tenantry_session" not in http.cookies
    assert passkey_sign_in(http, device.get(login_options(http))) == 303

    app = register(api)  # the session's tokens say how the user signed in
    verifier, challenge = pkce()
    code = callback_params(authorize(http, app, challenge))["code"]
    id_token = exchange(http, app, code, verifier).json()["id_token"]
    assert claims(id_token)["amr"] == ["hwk", "user", "mfa"]


def test_a_challenge_serves_once_in_the_browser_that_asked_for_a_few_minutes(http: TestClient, api: Api, clock):
    device = with_passkey(http, api)
    signed_out(http)
    other = TestClient(http.app, follow_redirects=False)

    answer = device.get(login_options(http))
    assert passkey_sign_in(http, answer) == 303
    signed_out(http)
    assert passkey_sign_in(http, answer) == 400  # replayed in the same browser
    assert passkey_sign_in(other, answer) == 400  # or in another one

    assert passkey_sign_in(other, device.get(login_options(http))) == 400  # asked by one browser, used in another

    stale = login_options(http)
    clock.advance(minutes=6)
    assert passkey_sign_in(http, device.get(stale)) == 400

    device.counter -= 3  # a cloned authenticator: the counter went backwards
    assert passkey_sign_in(http, device.get(login_options(http))) == 400
    device.counter += 10
    assert passkey_sign_in(http, device.get(login_options(http))) == 303


def test_removing_a_passkey_needs_a_recent_sign_in(http: TestClient, api: Api, clock):
    with_passkey(http, api)
    passkey_id = PASSKEY.findall(http.get("/profile").text)[0]
    renamed = http.post(
        f"/profile/passkeys/{passkey_id}/rename", data={"name": "Work laptop", "csrf_token": token(http, "/profile")}
    )
    assert renamed.headers["location"] == "/profile?passkey=renamed#passkeys"
    assert "Work laptop" in http.get("/profile").text

    clock.advance(minutes=16)
    refused = http.post(f"/profile/passkeys/{passkey_id}/delete", data={"csrf_token": token(http, "/profile")})
    assert refused.headers["location"] == "/profile?passkey_problem=recent_sign_in_required#passkeys"
    assert PASSKEY.findall(http.get("/profile").text) == [passkey_id]

    password_sign_in(http)
    removed = http.post(f"/profile/passkeys/{passkey_id}/delete", data={"csrf_token": token(http, "/profile")})
    assert removed.headers["location"] == "/profile?passkey=removed#passkeys"
    assert PASSKEY.findall(http.get("/profile").text) == []
    events = [e["type"] for e in api.get("/api/v1/events", params={"page_size": 100}).json()["events"]]
    assert "user.passkey_registered" in events and "user.passkey_removed" in events


def test_a_refused_passkey_shows_the_whole_log_in_page(http: TestClient, api: Api):
    """The page after a refused passkey is the log-in page with everything it offers,
    the social buttons too."""
    config = {"client_id": "gh", "client_secret": "s" * 20}
    created = api.post("/api/v1/connections", json={"connection": {"provider": "GITHUB", "oauth_config": config}})
    connection_id = created.json()["connection"]["id"]
    assert api.patch(f"/api/v1/connections/{connection_id}:enable").status_code == 200
    page = http.post("/login/passkey", data={"credential": "{}", "csrf_token": token(http, "/login")})
    assert page.status_code == 400 and f'action="/login/social/{connection_id}"' in page.text
