"""The OpenID Connect relying party of a connection (SPEC §11): issuer discovery, the
authorization request (code + PKCE S256 + state + nonce) and the callback (code exchange with
Authlib's client, ID token validated with joserfc: signature by the issuer's JWKS, ``iss``,
``aud``/``azp``, ``exp``/``iat``, ``nonce``). Nothing is parsed by hand."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.oauth2 import OAuth2Error
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from tenantry.server.context import Context
from tenantry.server.db.models import SsoConnection
from tenantry.server.domain.errors import FieldError, InvalidArgument
from tenantry.server.domain.sso import SsoRefused
from tenantry.server.services.federation import outbound
from tenantry.server.services.federation.requests import Pending
from tenantry.server.services.integration import egress

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
LEEWAY_SECONDS = 60


@dataclass(frozen=True)
class IdpAnswer:
    """Who the identity provider says signed in: a stable subject and every claim/attribute."""

    subject: str
    attributes: dict[str, Any]
    email_verified: bool


def discover(ctx: Context, issuer: str | None, discovery_endpoint: str | None) -> dict[str, Any]:
    """The endpoints of an issuer from its discovery document, whose ``issuer`` must be the
    one configured (OpenID Connect Discovery §4.3). Raises InvalidArgument."""
    url = discovery_endpoint or f"{(issuer or '').rstrip('/')}/.well-known/openid-configuration"
    try:
        document = outbound.get_json(ctx, url)
    except outbound.FetchFailed as exc:
        raise _discovery_error(f"the discovery document could not be fetched: {exc}") from None
    found_issuer = document.get("issuer")
    if not isinstance(found_issuer, str) or (issuer and found_issuer != issuer):
        raise _discovery_error(f"the discovery document names issuer {found_issuer!r}, not {issuer!r}")
    endpoints = {
        "issuer": found_issuer,
        "authorize_uri": document.get("authorization_endpoint"),
        "token_uri": document.get("token_endpoint"),
        "jwks_uri": document.get("jwks_uri"),
        "user_info_uri": document.get("userinfo_endpoint"),
    }
    if not all(isinstance(endpoints[k], str) for k in ("authorize_uri", "token_uri", "jwks_uri")):
        raise _discovery_error("the discovery document lacks authorization, token or JWKS endpoints")
    return endpoints


def _discovery_error(message: str) -> InvalidArgument:
    return InvalidArgument(
        f"OpenID Connect discovery failed: {message}.",
        [FieldError("connection.oidc_config.issuer", "discovery_failed", message)],
    )


def redirect_uri(ctx: Context, row: SsoConnection) -> str:
    return f"{ctx.settings.public_url}/sso/oidc/{row.id}/callback"


def _client(ctx: Context, row: SsoConnection, secret: str | None) -> Any:
    """Authlib's OAuth 2.0 client on an httpx client whose transport is the SSRF guard."""
    from authlib.integrations.httpx_client import OAuth2Client  # imported when used: it warns at import

    return OAuth2Client(
        client_id=row.config["client_id"],
        client_secret=secret,
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
        scope=" ".join(row.config.get("scopes") or ["openid", "email", "profile"]),
        redirect_uri=redirect_uri(ctx, row),
        code_challenge_method="S256",
        transport=egress.PinnedTransport(
            ctx.settings.sso_allow_list, ctx.cache.get("sso.resolver", egress.system_resolver)
        ),
        timeout=ctx.settings.sso_timeout_seconds,
        follow_redirects=False,
    )


def new_secrets() -> tuple[str, str]:
    """A nonce and a PKCE code verifier (RFC 7636: 43 to 128 characters)."""
    return secrets.token_urlsafe(24), secrets.token_urlsafe(48)


def authorization_url(
    ctx: Context, row: SsoConnection, state: str, nonce: str, verifier: str, login_hint: str | None
) -> str:
    extra = {"login_hint": login_hint} if login_hint else {}
    with _client(ctx, row, None) as client:
        url, _ = client.create_authorization_url(
            row.config["authorize_uri"], state=state, nonce=nonce, code_verifier=verifier, **extra
        )
    return str(url)


def finish(ctx: Context, row: SsoConnection, pending: Pending, params: dict[str, str], secret: str | None) -> IdpAnswer:
    """Exchange the code and validate the ID token. Raises SsoRefused."""
    issuer = row.config["issuer"]
    if params.get("error"):
        raise SsoRefused(f"The identity provider refused: {params.get('error_description') or params['error']}.")
    if "iss" in params and params["iss"] != issuer:  # RFC 9207: the answer came from the configured issuer
        raise SsoRefused("The answer names another issuer.", reason="issuer")
    if not params.get("code"):
        raise SsoRefused("The identity provider's answer has no code.")
    try:
        with _client(ctx, row, secret) as client:
            token = client.fetch_token(
                row.config["token_uri"],
                code=params["code"],
                code_verifier=pending.code_verifier,
                grant_type="authorization_code",
            )
    except (OAuth2Error, httpx.HTTPError, ValueError) as exc:
        raise SsoRefused(f"The code could not be exchanged at the identity provider: {exc}.") from None
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SsoRefused("The identity provider sent no ID token.")
    claims = validate_id_token(ctx, row, id_token, pending.nonce)
    return IdpAnswer(str(claims["sub"]), claims, claims.get("email_verified") is True)


def validate_id_token(ctx: Context, row: SsoConnection, id_token: str, nonce: str | None) -> dict[str, Any]:
    """The ID token's claims once its signature (the issuer's JWKS), issuer, audience,
    authorized party, times and nonce are right. Raises SsoRefused."""
    client_id = row.config["client_id"]
    try:
        keys = KeySet.import_key_set(outbound.get_json(ctx, row.config["jwks_uri"]))  # type: ignore[arg-type]
    except (outbound.FetchFailed, JoseError, ValueError) as exc:
        raise SsoRefused(f"The identity provider's keys could not be read: {exc}.") from None
    try:
        decoded = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": row.config["issuer"]},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce or ""},
        ).validate(decoded.claims)
    except (JoseError, ValueError) as exc:
        raise SsoRefused(f"The ID token is not valid: {exc}.", reason="id_token") from None
    claims = dict(decoded.claims)
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != client_id):
        raise SsoRefused("The ID token was issued to another client.", reason="audience")
    return claims
