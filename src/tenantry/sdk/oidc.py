"""Signing users in to an application through Tenantry (OpenID Connect), from Python.

``OIDCClient`` discovers the provider, builds the authorization URL (state, nonce, PKCE
S256), checks the callback (state, ``iss`` of RFC 9207, errors), exchanges the code,
refreshes, and validates ID tokens and RFC 9068 access tokens against the provider's JWKS
(cached; fetched again once when a token names an unknown ``kid``, as after a key
rotation). Authlib builds the OAuth requests and joserfc verifies the JWTs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from tenantry.sdk.errors import TenantryError

ALGORITHMS = ["RS256"]


class OIDCError(TenantryError):
    """A refused sign-in or token: ``error_code`` is the OAuth error (``access_denied``,
    ``invalid_grant``, ``login_required``…) or ``invalid_token`` / ``invalid_callback``."""

    code = "oidc_error"


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the user, and what to keep (in their session) until they come back."""

    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class Identity:
    """A validated token's claims, with typed access to what Tenantry puts there."""

    claims: dict[str, Any]
    attributes_claim: str = "custom_attributes"

    @property
    def sub(self) -> str:
        return str(self.claims["sub"])

    @property
    def organization_id(self) -> str | None:
        """``oid``: the organization the user signed in to."""
        value = self.claims.get("oid")
        return str(value) if value else None

    @property
    def roles(self) -> list[str]:
        """The user's roles in that organization (access tokens carry them)."""
        return [str(role) for role in self.claims.get("roles") or []]

    @property
    def custom_attributes(self) -> dict[str, Any]:
        return dict(self.claims.get(self.attributes_claim) or {})

    @property
    def email(self) -> str | None:
        return self.claims.get("email")

    @property
    def name(self) -> str | None:
        return self.claims.get("name")

    @property
    def session_id(self) -> str | None:
        return self.claims.get("sid")


@dataclass(frozen=True)
class Tokens:
    """A token endpoint answer, its ID token and access token already validated."""

    access_token: str
    expires_in: int
    id_token: str | None
    refresh_token: str | None
    identity: Identity | None  # from the ID token
    access: Identity  # from the access token (roles are here)
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


class OIDCClient:
    """An application's side of the authorization code flow with Tenantry.

    ``issuer`` is Tenantry's public URL; ``client_secret`` is None for public applications
    (they authenticate with PKCE alone). Call ``close()`` or use as a context manager.
    """

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str | None = None,
        *,
        redirect_uri: str,
        scope: str = "openid profile email offline_access",
        attributes_claim: str = "custom_attributes",
        leeway: int = 30,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id, self.client_secret = client_id, client_secret
        self.redirect_uri, self.scope = redirect_uri, scope
        self.attributes_claim, self.leeway = attributes_claim, leeway
        self._http = httpx.Client(timeout=timeout, transport=transport)
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    def __enter__(self) -> OIDCClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- discovery and keys --------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (fetched once); its issuer must be ``issuer``."""
        if self._metadata is None:
            document = self._json(self._http.get(f"{self.issuer}/.well-known/openid-configuration"))
            if document.get("issuer") != self.issuer:
                raise OIDCError(0, "invalid_issuer", f"discovery names issuer {document.get('issuer')!r}")
            self._metadata = document
        return self._metadata

    def _key_set(self, kid: str | None) -> KeySet:
        """The JWKS, cached; fetched again once when it lacks ``kid`` (keys were rotated)."""
        known = self._keys is not None and (kid is None or any(k.kid == kid for k in self._keys.keys))
        if not known:
            jwks: Any = self._json(self._http.get(self.metadata()["jwks_uri"]))
            self._keys = KeySet.import_key_set(jwks)
        assert self._keys is not None
        return self._keys

    # --- the flow ------------------------------------------------------------------------

    def authorization_request(self, **params: str) -> AuthorizationRequest:
        """A fresh state, nonce and PKCE verifier, and the URL to send the user to. Extra
        ``params``: ``prompt`` (login, create, select_account, none), ``organization_id``,
        ``login_hint``."""
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        url = prepare_grant_uri(
            self.metadata()["authorization_endpoint"],
            self.client_id,
            "code",
            redirect_uri=self.redirect_uri,
            scope=self.scope,
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
            **params,
        )
        return AuthorizationRequest(url, state, nonce, verifier)

    def callback(self, params: Mapping[str, str], request: AuthorizationRequest) -> Tokens:
        """Handle the redirect back (its query parameters): check ``state`` and ``iss``,
        raise the provider's error if it sent one, exchange the code, validate the tokens."""
        if params.get("state") != request.state:
            raise OIDCError(0, "invalid_callback", "state does not match the authorization request")
        if params.get("iss") not in (None, self.issuer):
            raise OIDCError(0, "invalid_callback", f"answer from issuer {params.get('iss')!r}")
        if "error" in params:
            raise OIDCError(0, params["error"], params.get("error_description", ""))
        if not params.get("code"):
            raise OIDCError(0, "invalid_callback", "no code in the callback")
        return self.exchange_code(params["code"], code_verifier=request.code_verifier, nonce=request.nonce)

    def exchange_code(self, code: str, *, code_verifier: str, nonce: str | None) -> Tokens:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri}
        return self._tokens(form | {"code_verifier": code_verifier}, nonce)

    def refresh(self, refresh_token: str) -> Tokens:
        """New tokens for a refresh token (which rotates: keep the new one)."""
        return self._tokens({"grant_type": "refresh_token", "refresh_token": refresh_token}, None)

    def _tokens(self, form: dict[str, str], nonce: str | None) -> Tokens:
        endpoint = self.metadata()["token_endpoint"]
        if self.client_secret is None:  # a public application: PKCE alone
            answer = self._http.post(endpoint, data=form | {"client_id": self.client_id})
        else:
            answer = self._http.post(endpoint, data=form, auth=(self.client_id, self.client_secret))
        body = self._json(answer)
        id_token = body.get("id_token")
        return Tokens(
            access_token=body["access_token"],
            expires_in=int(body.get("expires_in", 0)),
            id_token=id_token,
            refresh_token=body.get("refresh_token"),
            identity=self.validate_id_token(id_token, nonce=nonce) if id_token else None,
            access=self.validate_access_token(body["access_token"]),
            raw=body,
        )

    # --- validation ----------------------------------------------------------------------

    def validate_id_token(self, token: str, *, nonce: str | None = None) -> Identity:
        """Signature, issuer, audience (this client), expiry and, when given, the nonce."""
        claims = self._verify(token, nonce={"essential": True, "value": nonce} if nonce else None)
        return Identity(claims, self.attributes_claim)

    def validate_access_token(self, token: str) -> Identity:
        """An RFC 9068 access token issued to this client (``typ: at+jwt``): signature,
        issuer, audience, expiry; ``roles`` and ``oid`` name the user's organization."""
        claims = self._verify(token, typ="at+jwt")
        return Identity(claims, self.attributes_claim)

    def _verify(self, token: str, *, typ: str | None = None, nonce: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            header = jws.extract_compact(token.encode()).protected
            if typ and str(header.get("typ", "")).lower() not in (typ, f"application/{typ}"):
                raise OIDCError(401, "invalid_token", f"not an {typ} token")
            decoded = jwt.decode(token, self._key_set(header.get("kid")), algorithms=ALGORITHMS)
            options: dict[str, Any] = {
                "iss": {"essential": True, "value": self.issuer},
                "aud": {"essential": True, "value": self.client_id},
                "exp": {"essential": True},
                "sub": {"essential": True},
            }
            if nonce:
                options["nonce"] = nonce
            jwt.JWTClaimsRegistry(now=int(time.time()), leeway=self.leeway, **options).validate(decoded.claims)
        except JoseError as error:
            raise OIDCError(401, "invalid_token", f"{error.error}: {error.description or ''}".strip()) from error
        except ValueError as error:  # malformed compact serialization or unknown kid
            raise OIDCError(401, "invalid_token", str(error)) from error
        return dict(decoded.claims)

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = {"error": "invalid_response", "error_description": response.text[:200]}
        if response.status_code >= 400 or not isinstance(body, dict):
            error = body.get("error") or body.get("code") or "error" if isinstance(body, dict) else "error"
            description = body.get("error_description") or body.get("message") or "" if isinstance(body, dict) else ""
            raise OIDCError(response.status_code, str(error), str(description))
        return body
