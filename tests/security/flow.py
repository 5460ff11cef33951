"""One pass through everything that creates or presents a secret, against a served site;
returns the secrets it saw, for tests that look for them where they must not be."""

from __future__ import annotations

import re

import httpx

from tests.helpers import BOOTSTRAP_SECRET, Api
from tests.oidc.conftest import PASSWORD, App, authorize, callback_params, exchange, form_token, pkce, register, sign_in

LINK_TOKEN = re.compile(r"token=([A-Za-z0-9_\-]+)")
CODE = re.compile(r"\b(\d{6})\b")


def newest(api: Api, to: str, kind: str) -> str:
    emails = [e for e in api.get("/api/v1/emails", params={"to": to}).json()["emails"] if e["kind"] == kind]
    return str(emails[-1]["text"])


def secrets_flow(site: str) -> dict[str, str]:
    found: dict[str, str] = {"bootstrap client secret": BOOTSTRAP_SECRET, "password": PASSWORD}
    with httpx.Client(base_url=site, timeout=30) as client:
        api = Api.login(client)
        found["api access token"] = api.headers["Authorization"].removeprefix("Bearer ")
        assert api.signup("ada@example.com", PASSWORD, organization={"display_name": "Ada's"}).status_code == 201
        org = api.org("Acme")
        api.user_in(org["id"], "bob@example.com")
        found["invitation token"] = api.invitation_token("bob@example.com")
        client.get("/invitations/accept", params={"token": found["invitation token"]})
        assert api.accept(found["invitation token"], password="bob's long passphrase").status_code == 200
        found["second password"] = "bob's long passphrase"
        app = register(api)
        found["application secret"] = str(app.client_secret)
        _browser_flow(site, api, app, found)
    return found


def _browser_flow(site: str, api: Api, app: App, found: dict[str, str]) -> None:
    with httpx.Client(base_url=site, timeout=30) as browser:
        sign_in(browser, "ada@example.com")
        found["session cookie"] = browser.cookies["tenantry_session"]
        found["csrf cookie"] = browser.cookies["tenantry_csrf"]
        verifier, challenge = pkce()
        code = callback_params(authorize(browser, app, challenge))["code"]
        found["authorization code"] = code
        found["pkce verifier"] = verifier
        tokens = exchange(browser, app, code, verifier).json()
        found["oidc access token"] = tokens["access_token"]
        found["refresh token"] = tokens["refresh_token"]
        found["id token"] = tokens["id_token"]
        browser.post("/forgot-password", data={"email": "ada@example.com", "csrf_token": form_token(browser, "/login")})
        found["reset token"] = LINK_TOKEN.search(newest(api, "ada@example.com", "reset_password")).group(1)
        browser.get("/reset-password", params={"token": found["reset token"]})
