"""A relying party's view of Tenantry: register an application, sign a user in through the
hosted pages, run the authorization code flow, verify tokens against the published JWKS."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.helpers import Api

CALLBACK = "http://127.0.0.1:9/callback"  # never contacted: tests read the redirect
LOGOUT_TARGET = "http://127.0.0.1:9/signed-out"
PASSWORD = "a long and unusual passphrase"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@dataclass
class App:
    client_id: str
    client_secret: str | None


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def register(api: Api, *, public: bool = False, **fields: Any) -> App:
    response = api.post(
        "/api/v1/applications",
        json={
            "name": "Example app",
            "type": "public" if public else "confidential",
            "redirect_uris": [CALLBACK],
            "post_logout_redirect_uris": [LOGOUT_TARGET],
            **fields,
        },
    )
    assert response.status_code == 201, response.text
    return App(response.json()["application"]["id"], response.json()["client_secret"])


def form_token(browser: httpx.Client, path: str) -> str:
    match = CSRF.search(browser.get(path).text)
    assert match, path
    return match.group(1)


def sign_in(browser: httpx.Client, email: str, password: str = PASSWORD) -> None:
    response = browser.post(
        "/login", data={"email": email, "password": password, "csrf_token": form_token(browser, "/login")}
    )
    assert response.status_code == 303, response.text
    assert "tenantry_session" in browser.cookies


def authorize(browser: httpx.Client, app: App, challenge: str | None, **params: str) -> httpx.Response:
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": CALLBACK,
        "scope": "openid profile email",
        "state": "st4te",
        "nonce": secrets.token_urlsafe(8),
        **params,
    }
    if challenge:
        query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return browser.get("/oauth/authorize", params=query)


def callback_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(CALLBACK), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(http: httpx.Client, app: App, code: str, verifier: str | None) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    if verifier:
        data["code_verifier"] = verifier
    auth = (app.client_id, app.client_secret) if app.client_secret else None
    if auth is None:
        data["client_id"] = app.client_id
    return http.post("/oauth/token", data=data, auth=auth)


def refresh(http: httpx.Client, app: App, token: str) -> httpx.Response:
    return http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": token},
        auth=(app.client_id, app.client_secret or ""),
    )


def verify(http: httpx.Client, token: str, **expected: Any) -> dict[str, Any]:
    """Verify a JWT with the published keys; check iss and the given claims."""
    keys = KeySet.import_key_set(http.get("/keys").json())
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    issuer = http.get("/.well-known/openid-configuration").json()["issuer"]
    jwt.JWTClaimsRegistry(iss={"essential": True, "value": issuer}, exp={"essential": True}).validate(decoded.claims)
    for name, value in expected.items():
        assert decoded.claims.get(name) == value, (name, decoded.claims)
    assert decoded.header["kid"]
    return dict(decoded.claims)


@pytest.fixture
def browser(site: str) -> Iterator[httpx.Client]:
    """A user agent with its own cookies (the person signing in)."""
    with httpx.Client(base_url=site, timeout=30) as client:
        yield client


@pytest.fixture
def rp(site: str) -> Iterator[httpx.Client]:
    """The application's back end (no cookies of the user)."""
    with httpx.Client(base_url=site, timeout=30) as client:
        yield client
