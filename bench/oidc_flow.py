"""The parts of an OpenID Connect sign-in a benchmark needs: a browser signs in on the
hosted page, then the application trades authorization codes for refresh tokens."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx

CALLBACK = "http://127.0.0.1:9/cb"  # never contacted: the redirect is read, not followed
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def sign_in(browser: httpx.Client, email: str, password: str) -> None:
    match = CSRF.search(browser.get("/login").text)
    assert match, "no CSRF token on /login"
    response = browser.post("/login", data={"email": email, "password": password, "csrf_token": match.group(1)})
    assert response.status_code == 303, response.text


def verify_email(browser: httpx.Client, api: httpx.Client, email: str) -> None:
    """Enter the code that signing in e-mailed (read from the local outbox), as a user does
    once; afterwards a sign-in goes straight on instead of sending another code."""
    sent = api.get("/api/v1/emails", params={"to": email}).json()["emails"][-1]["text"]
    code = re.search(r"\b(\d{6})\b", sent)
    assert code, sent
    match = CSRF.search(browser.get("/verify-email").text)
    assert match, "no CSRF token on /verify-email"
    response = browser.post("/verify-email", data={"code": code.group(1), "csrf_token": match.group(1)})
    assert response.status_code == 303, response.text


def refresh_tokens(browser: httpx.Client, client_id: str, client_secret: str, count: int) -> list[str]:
    """``count`` refresh tokens, each the start of its own family (one authorization each)."""
    tokens = []
    for _ in range(count):
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        response = browser.get(
            "/oauth/authorize",
            params={
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": CALLBACK,
                "scope": "openid profile email",
                "state": "s",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert response.status_code == 302, response.text
        code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
        exchanged = httpx.post(
            f"{browser.base_url}/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": CALLBACK,
                "code_verifier": verifier,
            },
            auth=(client_id, client_secret),
            timeout=60,
        )
        exchanged.raise_for_status()
        tokens.append(str(exchanged.json()["refresh_token"]))
    return tokens
