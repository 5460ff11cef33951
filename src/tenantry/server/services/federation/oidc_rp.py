"""The OpenID Connect / OAuth 2 relying party, one for every kind of connection: an
organization's OIDC SSO connection (SPEC §11) and the environment's social connections
(SPEC §13). Issuer discovery, the authorization request (code + PKCE S256 + state, and a
nonce for OpenID Connect), the code exchange with Authlib's client and the ID token
validated with joserfc (signature by the issuer's JWKS, remembered a while by ``jwks``, ``iss``, ``aud``/``azp``,
``exp``/``iat``, ``nonce``). Every call goes through the SSRF-safe pinned transport.
Nothing is parsed by hand."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.oauth2 import OAuth2Error
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jws import extract_compact

from tenantry.server.context import Context
from tenantry.server.db.models import SsoConnection
from tenantry.server.domain.errors import FieldError, InvalidArgument
from tenantry.server.domain.sso import OIDC_SCOPES, SsoRefused
from tenantry.server.services.federation import jwks, outbound
from tenantry.server.services.federation.requests import Pending
from tenantry.server.services.integration import egress

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
LEEWAY_SECONDS = 60


@dataclass(frozen=True)
class RelyingParty:
    """Who Tenantry is at one provider, and the provider's endpoints. ``issuer`` may hold
    ``{tenantid}`` (Microsoft's multi-tenant issuer: the ID token's ``tid`` fills it in)."""

    client_id: str
    client_secret: str | None
    scopes: tuple[str, ...]
    redirect_uri: str
    authorize_uri: str
    token_uri: str
    issuer: str | None = None
    jwks_uri: str | None = None


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


def of_connection(ctx: Context, row: SsoConnection, secret: str | None) -> RelyingParty:
    """The relying party of an organization's OIDC SSO connection."""
    config = row.config
    return RelyingParty(
        client_id=config["client_id"],
        client_secret=secret,
        scopes=tuple(config.get("scopes") or OIDC_SCOPES),
        redirect_uri=redirect_uri(ctx, row),
        authorize_uri=config["authorize_uri"],
        token_uri=config["token_uri"],
        issuer=config["issuer"],
        jwks_uri=config["jwks_uri"],
    )


def _authlib_http() -> Any:
    """The httpx-compatible module Authlib's client runs on: httpx2 where installed, else httpx."""
    from authlib.integrations.httpx_client._compat import httpx2

    return httpx2


def _client(ctx: Context, rp: RelyingParty) -> Any:
    """Authlib's OAuth 2.0 client on an httpx client whose transport is the SSRF guard."""
    from authlib.integrations.httpx_client import OAuth2Client  # imported when used: it warns at import

    return OAuth2Client(
        client_id=rp.client_id,
        client_secret=rp.client_secret,
        token_endpoint_auth_method="client_secret_basic" if rp.client_secret else "none",
        scope=" ".join(rp.scopes),
        redirect_uri=rp.redirect_uri,
        code_challenge_method="S256",
        transport=egress.PinnedTransport(
            ctx.settings.sso_allow_list, ctx.cache.get("sso.resolver", egress.system_resolver), _authlib_http()
        ),
        timeout=ctx.settings.sso_timeout_seconds,
        follow_redirects=False,
        headers={"accept": "application/json", "user-agent": outbound.USER_AGENT},
    )


def new_secrets() -> tuple[str, str]:
    """A nonce and a PKCE code verifier (RFC 7636: 43 to 128 characters)."""
    return secrets.token_urlsafe(24), secrets.token_urlsafe(48)


def authorization_url(
    ctx: Context, rp: RelyingParty, state: str, nonce: str | None, verifier: str, login_hint: str | None
) -> str:
    """The provider's authorization URL; ``nonce`` None for a plain OAuth 2 provider."""
    extra = {"login_hint": login_hint} if login_hint else {}
    if nonce is not None:
        extra["nonce"] = nonce
    with _client(ctx, rp) as client:
        url, _ = client.create_authorization_url(rp.authorize_uri, state=state, code_verifier=verifier, **extra)
    return str(url)


def exchange(ctx: Context, rp: RelyingParty, pending: Pending, params: dict[str, str]) -> dict[str, Any]:
    """The token response for the callback's code (PKCE verifier of ``pending``). Raises SsoRefused."""
    if params.get("error"):
        raise SsoRefused(f"The identity provider refused: {params.get('error_description') or params['error']}.")
    fixed_issuer = rp.issuer if rp.issuer and "{" not in rp.issuer else None
    if fixed_issuer and "iss" in params and params["iss"] != fixed_issuer:  # RFC 9207: from the configured issuer
        raise SsoRefused("The answer names another issuer.", reason="issuer")
    if not params.get("code"):
        raise SsoRefused("The identity provider's answer has no code.")
    try:
        with _client(ctx, rp) as client:
            token = client.fetch_token(
                rp.token_uri, code=params["code"], code_verifier=pending.code_verifier, grant_type="authorization_code"
            )
    except (OAuth2Error, httpx.HTTPError, _authlib_http().HTTPError, ValueError) as exc:
        raise SsoRefused(f"The code could not be exchanged at the identity provider: {exc}.") from None
    return dict(token)


def finish(ctx: Context, rp: RelyingParty, pending: Pending, params: dict[str, str]) -> IdpAnswer:
    """Exchange the code and validate the ID token. Raises SsoRefused."""
    token = exchange(ctx, rp, pending, params)
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SsoRefused("The identity provider sent no ID token.")
    claims = validate_id_token(ctx, rp, id_token, pending.nonce)
    return IdpAnswer(str(claims["sub"]), claims, claims.get("email_verified") is True)


def validate_id_token(ctx: Context, rp: RelyingParty, id_token: str, nonce: str | None) -> dict[str, Any]:
    """The ID token's claims once its signature (the issuer's JWKS), issuer, audience,
    authorized party, times and nonce are right. Raises SsoRefused."""
    try:
        header = extract_compact(id_token.encode("ascii")).headers()
        decoded = jwks.verified(
            ctx,
            rp.jwks_uri or "",
            lambda keys: jwt.decode(id_token, keys, algorithms=ALGORITHMS),
            bool(header.get("kid")),
        )
        issuer = (rp.issuer or "").replace("{tenantid}", str(decoded.claims.get("tid") or "-"))
        jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce or ""},
        ).validate(decoded.claims)
    except jwks.KeysUnavailable as exc:
        raise SsoRefused(f"The identity provider's keys could not be read: {exc}.") from None
    except (JoseError, ValueError) as exc:
        raise SsoRefused(f"The ID token is not valid: {exc}.", reason="id_token") from None
    claims = dict(decoded.claims)
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if rp.client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != rp.client_id):
        raise SsoRefused("The ID token was issued to another client.", reason="audience")
    return claims
