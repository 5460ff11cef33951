"""Security keys as a second factor at the HTTP level, answered by a software authenticator
(SPEC §13, ASVS V6): at the second step only an answer signed by one of the pending
user's own keys, for this origin and RP id, to a live challenge, counts; skipping the step
gives no session; a key never signs in alone; wrong answers end the pending sign-in like
wrong codes. Enrolment during sign-in; removal needs a fresh second factor and says so
before the last one goes while MFA is required."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.helpers import Api
from tests.oidc.conftest import authorize, callback_params, exchange, pkce, register
from tests.security.soft_authenticator import SoftAuthenticator, b64
from tests.security.test_passkeys import (  # noqa: F401 (settings: the public URL at http://localhost)
    ORIGIN,
    PASSWORD,
    RP_ID,
    claims,
    login_options,
    options,
    passkey_sign_in,
    settings,
    signed_out,
    token,
)

RECOVERY = re.compile(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")
KEY = re.compile(r'href="/profile/mfa/keys/(key_[0-9a-z]+)/remove"')


def _setup(api: Api, policy: str, *emails: str) -> None:
    for email in emails:
        assert api.signup(email, PASSWORD, organization={"display_name": email}).status_code == 201
    assert api.patch("/api/v1/environment/settings", json={"mfa": policy}).status_code == 200


def _password(client: TestClient, email: str = "ada@example.com") -> httpx.Response:
    data = {"email": email, "password": PASSWORD, "csrf_token": token(client, "/login"), "next": "/organizations"}
    return client.post("/login", data=data)


def _add_key(client: TestClient, device: SoftAuthenticator, **answer: Any) -> httpx.Response:
    created = device.create(options(client, "/profile/mfa/keys/options", "/profile/mfa"), **answer)
    data = {"credential": created, "name": "Blue key", "csrf_token": token(client, "/profile/mfa")}
    return client.post("/profile/mfa/keys", data=data)


def _key_step(client: TestClient, answer: str) -> httpx.Response:
    data = {"credential": answer, "csrf_token": token(client, "/login"), "next": "/organizations"}
    return client.post("/login/mfa/key", data=data)


def _key_options(client: TestClient) -> dict[str, Any]:
    return options(client, "/login/mfa/key/options", "/login")


def _events(api: Api) -> list[dict[str, Any]]:
    return list(api.get("/api/v1/events", params={"page_size": 100}).json()["events"])


def test_the_second_step_takes_only_the_users_own_key_for_this_origin_and_rp_id(http: TestClient, api: Api):
    _setup(api, "optional", "ada@example.com", "eve@example.com")
    http.follow_redirects = False
    eve = TestClient(http.app, follow_redirects=False)
    assert _password(eve, "eve@example.com").status_code == 303  # none set up yet: signed in
    eves_key = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID)
    assert _add_key(eve, eves_key).status_code == 200

    assert _password(http).status_code == 303
    assert _add_key(http, SoftAuthenticator(origin="https://localhost.evil.example", rp_id=RP_ID)).status_code == 400
    device = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID)
    added = _add_key(http, device)
    assert added.status_code == 200 and len(RECOVERY.findall(added.text)) == 10  # the first factor: codes
    signed_out(http)

    assert _password(http).headers["location"].startswith("/login/mfa?")
    assert "tenantry_session" not in http.cookies  # skipping the step: the pending sign-in is no session
    assert http.get("/profile").headers["location"].startswith("/login")
    assert _key_step(http, "{}").status_code == 400
    offered = _key_options(http)
    assert [c["id"] for c in offered["allowCredentials"]] == [b64(device.credential_id)]  # ada's keys only
    assert _key_step(http, device.get(offered, origin="https://evil.example")).status_code == 400
    assert _key_step(http, device.get(_key_options(http), rp_id="evil.example")).status_code == 400
    assert _key_step(http, eves_key.get(_key_options(http))).status_code == 400  # another user's key
    assert "tenantry_session" not in http.cookies
    answer = device.get(_key_options(http))
    assert _key_step(http, answer).status_code == 303
    assert "tenantry_session" in http.cookies  # signed in (the address is still to verify: its page next)

    app = register(api)  # the session's tokens say how the user signed in (RFC 8176)
    verifier, challenge = pkce()
    code = callback_params(authorize(http, app, challenge))["code"]
    assert claims(exchange(http, app, code, verifier).json()["id_token"])["amr"] == ["pwd", "hwk", "mfa"]
    signed_out(http)

    assert passkey_sign_in(http, device.get(login_options(http))) == 400  # a second factor never signs in alone
    _password(http)
    assert _key_step(http, answer).status_code == 400  # replayed
    stale = _key_options(http)
    for _ in range(4):  # with the replay, 5 refused answers: the pending sign-in is over
        assert _key_step(http, "{}").status_code == 400
    ended = _key_step(http, device.get(stale))
    assert ended.status_code == 400 and "Sign in again" in ended.text and "tenantry_session" not in http.cookies

    methods = [(e["type"], e["data"]["factor"]["method"]) for e in _events(api) if e["type"].startswith("user.mfa_")]
    assert methods.count(("user.mfa_enrolled", "security_key")) == 2
    assert methods.count(("user.mfa_used", "security_key")) == 1


def test_a_key_enrolled_while_signing_in_and_removed_with_a_fresh_second_factor(http: TestClient, api: Api):
    _setup(api, "required", "ada@example.com")
    http.follow_redirects = False
    device = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID)
    _password(http)
    assert "Or with a security key" in http.get("/login/mfa").text
    created = device.create(options(http, "/login/mfa/key/new/options", "/login"))
    data = {"credential": created, "name": "Blue key", "csrf_token": token(http, "/login"), "next": "/organizations"}
    enrolled = http.post("/login/mfa/key/new", data=data)
    assert enrolled.status_code == 200 and "tenantry_session" in http.cookies
    codes = RECOVERY.findall(enrolled.text)
    assert len(codes) == 10

    (key_id,) = KEY.findall(http.get("/profile/mfa").text)
    rename = {"name": "Red key", "csrf_token": token(http, "/profile/mfa")}
    assert http.post(f"/profile/mfa/keys/{key_id}/rename", data=rename).headers["location"].endswith("key_renamed")

    def remove(**fields: str) -> httpx.Response:
        fields["csrf_token"] = token(http, "/profile/mfa")
        return http.post(f"/profile/mfa/keys/{key_id}/remove", data=fields)

    def fresh_answer() -> str:
        return device.get(options(http, "/profile/mfa/keys/confirm-options", "/profile/mfa"))

    refused = remove(confirm_last="true", code="")
    assert refused.status_code == 400  # no fresh second factor
    warned = remove(credential=fresh_answer())  # the only one, MFA required: confirm first
    assert warned.status_code == 409 and "set up a new one at your next sign-in" in warned.text
    assert "Red key" in http.get("/profile/mfa").text
    removed = remove(credential=fresh_answer(), confirm_last="true")
    assert removed.headers["location"] == "/profile/mfa?done=key_removed"
    page = http.get(removed.headers["location"]).text
    assert "you will set one up at your next sign-in" in page and KEY.findall(page) == []
    signed_out(http)

    _password(http)  # no factor left, required: enrol again; the recovery codes went with the key
    assert "Set up two-step verification" in http.get("/login/mfa").text
    data = {"code": codes[1], "csrf_token": token(http, "/login"), "next": "/organizations"}
    assert http.post("/login/mfa", data=data).status_code == 400
    types = [e["type"] for e in _events(api)]
    assert "user.mfa_removed" in types and "user.mfa_used" in types
