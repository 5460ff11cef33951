"""A small OpenID provider written for the negative tests: it answers like a real one
(discovery, JWKS, authorize, token with PKCE and client authentication) and lets a test bend
the next ID token (claims, signing key) to check that Tenantry refuses it."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

CLIENT_ID = "tenantry-rp"
CLIENT_SECRET = "fake-idp-client-secret-0123456789"


@dataclass
class FakeOidc:
    issuer: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    first_keys: tuple[RSAKey, RSAKey] | None = None  # ``key`` and ``other_key`` at the start (tests may change them)
    other_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    user: dict[str, Any] = field(default_factory=dict)  # claims of whoever "signs in" next
    overrides: dict[str, Any] = field(default_factory=dict)  # merged into the next ID tokens
    sign_with_other_key: bool = False
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    github_emails: list[dict[str, Any]] = field(default_factory=list)  # GitHub's /user/emails answer
    jwks_requests: int = 0  # how often the JWKS was fetched

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/user", self.github_user),
                Route("/user/emails", self.github_user_emails),
            ]
        )

    async def discovery(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def jwks(self, request: Request) -> JSONResponse:
        self.jwks_requests += 1
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def authorize(self, request: Request) -> RedirectResponse:
        """Signs ``self.user`` in at once and sends the browser back with a code."""
        params = request.query_params
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": params.get("nonce"),
            "challenge": params.get("code_challenge"),
            "method": params.get("code_challenge_method"),
            "redirect_uri": params.get("redirect_uri"),
            "client_id": params.get("client_id"),
            "user": dict(self.user),
        }
        query = {"code": code, "state": params.get("state", ""), "iss": self.issuer}
        return RedirectResponse(f"{params['redirect_uri']}?{urlencode(query)}", status_code=302)

    async def token(self, request: Request) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.token_requests.append(form)
        auth = request.headers.get("authorization", "")
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if auth != expected:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        if grant["method"] != "S256" or digest != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, status_code=400)
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **grant["user"],
            **self.overrides,
        }
        signer = self.other_key if self.sign_with_other_key else self.key
        id_token = jwt.encode(
            {"alg": "RS256", "kid": signer.kid}, {k: v for k, v in claims.items() if v is not None}, signer
        )
        return JSONResponse({"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token})

    # GitHub's OAuth 2 user API (not OIDC): who signed in, and their addresses with "verified".

    def _bearer_ok(self, request: Request) -> bool:
        return request.headers.get("authorization") == "Bearer at"

    async def github_user(self, request: Request) -> JSONResponse:
        if not self._bearer_ok(request):
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return JSONResponse({"id": self.user.get("github_id", 4242), "login": "octo", "email": self.user.get("email")})

    async def github_user_emails(self, request: Request) -> JSONResponse:
        if not self._bearer_ok(request):
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return JSONResponse(self.github_emails)
