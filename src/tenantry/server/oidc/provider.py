"""Tenantry's OAuth 2.0 authorization server and OpenID provider: Authlib's grants, bound
to our storage. Nothing here speaks HTTP; ``http/oidc.py`` adapts requests and responses.

- Authorization code (RFC 6749 §4.1) with PKCE (RFC 7636, S256 only, required of public
  clients) and OpenID Connect ID tokens; ``http/oidc.py`` adds the issuer to every
  authorization response (RFC 9207).
- Codes: single-use (consumed by one conditional UPDATE when redeemed), 60 s, digests only.
- Access tokens: RS256 JWTs (RFC 9068) naming the organization (``oid``), its ``roles`` and
  effective ``permissions`` (``Provider.access_claims``).
- Refresh tokens: opaque, rotated on every use; presenting a used one revokes its family.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import KeySet
from sqlalchemy import select, update

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import Application, AuthorizationCode, RefreshToken
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.secrets import digest, matches
from tenantry.server.oidc.claims import SCOPES, roles_in, user_claims
from tenantry.server.services.integration import signing_keys
from tenantry.server.services.membership import access
from tenantry.server.services.read_models.views import user_view

ACCESS_TOKEN_SECONDS = 900
ID_TOKEN_SECONDS = 3600
CODE_LIFETIME = timedelta(seconds=60)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


@dataclass(frozen=True)
class Subject:
    """Who an authorization is for: the user, the organization they chose, their session."""

    user_id: str
    organization_id: str | None
    session_id: str | None
    auth_time: datetime

    def get_user_id(self) -> str:
        return self.user_id


class Client(ClientMixin):
    def __init__(self, row: Application) -> None:
        self.row = row
        self.client_id = row.id
        self.public = row.kind == "public"

    def get_client_id(self) -> str:
        return self.row.id

    def get_default_redirect_uri(self) -> None:
        return None  # OpenID Connect: the request must name its redirect_uri

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris  # exact match (RFC 9700 §4.1.3)

    def check_client_secret(self, client_secret: str) -> bool:
        return bool(self.row.secret_hash) and matches(client_secret, self.row.secret_hash or "")

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none" if self.public else method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


class Code(AuthorizationCodeMixin):
    def __init__(self, row: AuthorizationCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    def get_nonce(self) -> str | None:
        return self.row.nonce

    def get_auth_time(self) -> int:
        return int(self.row.auth_time.timestamp())

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class Refresh(TokenMixin):
    def __init__(self, row: RefreshToken) -> None:
        self.row = row

    def check_client(self, client: Client) -> bool:
        return self.row.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return int((self.row.expires_at - self.row.created_at).total_seconds())

    def is_expired(self) -> bool:
        return False  # checked when the token is looked up, against the server's clock

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None


def _ctx(grant: Any) -> Context:
    ctx: Context = grant.server.ctx
    return ctx


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        ctx, subject, payload = _ctx(self), request.user, request.payload
        now = ctx.clock.now()
        with ctx.uow() as uow:
            uow.session.add(
                AuthorizationCode(
                    code_hash=digest(code),
                    client_id=request.client.get_client_id(),
                    user_id=subject.user_id,
                    organization_id=subject.organization_id,
                    session_id=subject.session_id,
                    redirect_uri=payload.redirect_uri,
                    scope=payload.scope or "",
                    nonce=payload.data.get("nonce"),
                    code_challenge=payload.data.get("code_challenge"),
                    code_challenge_method=payload.data.get("code_challenge_method")
                    or ("S256" if payload.data.get("code_challenge") else None),
                    auth_time=subject.auth_time,
                    created_at=now,
                    expires_at=now + CODE_LIFETIME,
                    used_at=None,
                )
            )
            uow.commit()

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        """Redeem the code: it is marked used in the same statement that finds it, so it can
        be exchanged once, whatever happens next."""
        ctx = _ctx(self)
        now = ctx.clock.now()
        with ctx.uow() as uow:
            redeemed = uow.session.execute(
                update(AuthorizationCode)
                .where(
                    AuthorizationCode.code_hash == digest(code),
                    AuthorizationCode.client_id == client.get_client_id(),
                    AuthorizationCode.used_at.is_(None),
                    AuthorizationCode.expires_at > now,
                )
                .values(used_at=now)
            ).rowcount  # type: ignore[attr-defined]
            row = uow.session.get(AuthorizationCode, digest(code)) if redeemed else None
            uow.commit()
            return Code(row) if row else None

    def delete_authorization_code(self, authorization_code: Code) -> None:
        """Nothing to do: redeeming already used it up."""

    def authenticate_user(self, authorization_code: Code) -> Subject:
        row = authorization_code.row
        return Subject(row.user_id, row.organization_id, row.session_id, row.auth_time)


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation

    def authenticate_refresh_token(self, refresh_token: str) -> Refresh | None:
        """Use the token up (rotation). A token that was already used is a replay: its whole
        family (every token descended from the same log-in) is revoked."""
        ctx = _ctx(self)
        now = ctx.clock.now()
        with ctx.uow() as uow:
            row = uow.session.scalar(
                select(RefreshToken).where(RefreshToken.token_hash == digest(refresh_token)).with_for_update()
            )
            if row is None or row.revoked_at is not None or row.expires_at <= now:
                return None
            if row.used_at is not None:
                revoke_family(uow.session, row.family_id, now)
                uow.commit()
                return None
            row.used_at = now
            uow.commit()
            return Refresh(row)

    def authenticate_user(self, refresh_token: Refresh) -> Subject:
        row = refresh_token.row
        return Subject(row.user_id, row.organization_id, row.session_id, row.auth_time)

    def revoke_old_credential(self, refresh_token: Refresh) -> None:
        """Nothing to do: authenticating the token already used it up."""


def revoke_family(session: Any, family_id: str, now: datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


class Revocation(RevocationEndpoint):
    """RFC 7009. Refresh tokens are revoked with their family; access tokens are short-lived
    JWTs that cannot be recalled, so revoking one is accepted and changes nothing."""

    CLIENT_AUTH_METHODS = TOKEN_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Refresh | None:
        ctx: Context = self.server.ctx
        with ctx.uow(readonly=True) as uow:
            row = uow.session.get(RefreshToken, digest(token_string))
            return Refresh(row) if row else None

    def revoke_token(self, token: Refresh, request: OAuth2Request) -> None:
        ctx: Context = self.server.ctx
        with ctx.uow() as uow:
            revoke_family(uow.session, token.row.family_id, ctx.clock.now())
            uow.commit()


class OpenIDConnect(OpenIDCode):
    def __init__(self, provider: Provider) -> None:
        super().__init__(require_nonce=False)
        self.provider = provider

    def resolve_client_private_key(self, client: Client) -> Any:
        return signing_keys.signing_key(self.provider.ctx)

    def get_client_algorithm(self, client: Client) -> str:
        return signing_keys.ALGORITHM

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": signing_keys.ALGORITHM, "kid": signing_keys.signing_key(self.provider.ctx).kid or ""}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        return {
            "iss": self.provider.issuer,
            "aud": [client.get_client_id()],
            "exp": int(time.time()) + ID_TOKEN_SECONDS,
        }

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        """A nonce already used with this client is a replay."""
        ctx = self.provider.ctx
        with ctx.uow(readonly=True) as uow:
            return (
                uow.session.scalar(
                    select(AuthorizationCode.code_hash)
                    .where(AuthorizationCode.client_id == request.payload.client_id, AuthorizationCode.nonce == nonce)
                    .limit(1)
                )
                is not None
            )

    def generate_user_info(self, user: Subject, scope: str) -> UserInfo:
        return UserInfo(self.provider.claims_for(user, scope))


class AccessTokens(JWTBearerTokenGenerator):
    def __init__(self, provider: Provider) -> None:
        super().__init__(
            provider.issuer,
            alg=signing_keys.ALGORITHM,
            refresh_token_generator=lambda **_: generate_token(48),
            expires_generator=lambda client, grant_type: ACCESS_TOKEN_SECONDS,
        )
        self.provider = provider

    def get_jwks(self) -> KeySet:
        return KeySet([signing_keys.signing_key(self.provider.ctx)])

    def get_auth_time(self, user: Subject | None) -> int | None:
        return int(user.auth_time.timestamp()) if user else None

    def get_extra_claims(self, client: Client, grant_type: str, user: Subject | None, scope: str) -> dict[str, Any]:
        if user is None:
            return {}
        claims: dict[str, Any] = self.provider.access_claims(user.user_id, user.organization_id)
        if user.organization_id:
            claims["oid"] = user.organization_id
        if user.session_id:
            claims["sid"] = user.session_id
        return claims


class Provider(AuthorizationServer):
    """The authorization server. Its hooks run synchronously against the database; call
    it from a worker thread."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.ctx = ctx
        self.issuer = ctx.settings.public_url
        self.register_token_generator("default", AccessTokens(self))
        self.register_grant(CodeGrant, [CodeChallenge(required=True), OpenIDConnect(self)])
        self.register_grant(RefreshGrant)
        self.register_endpoint(Revocation)

    def user(self, user_id: str) -> Any:
        with self.ctx.uow(readonly=True) as uow:
            return user_view(uow.session, repo.user(uow.session, user_id), self.ctx.clock.now())

    def access_claims(self, user_id: str, organization_id: str | None) -> dict[str, list[str]]:
        """``roles`` and ``permissions`` (inheritance expanded) for (user, organization), read
        fresh at every issuance, so a role change shows at the next refresh (SPEC §9)."""
        with self.ctx.uow(readonly=True) as uow:
            return access.claims(uow.session, user_id, organization_id)

    def claims_for(self, subject: Subject, scope: str) -> dict[str, Any]:
        """ID token and /userinfo claims, with the current organization's ``roles``."""
        view = self.user(subject.user_id)
        claims = user_claims(
            view, scope, subject.organization_id, subject.session_id, self.ctx.settings.oidc_attributes_claim
        )
        claims["roles"] = roles_in(view, subject.organization_id)
        return claims

    def query_client(self, client_id: str) -> Client | None:
        with self.ctx.uow(readonly=True) as uow:
            row = uow.session.get(Application, client_id)
            return Client(row) if row else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Keep the refresh token (digest only), in the family of the one it replaces."""
        if "refresh_token" not in token:
            return
        subject: Subject = request.user
        previous = getattr(request, "refresh_token", None)
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            uow.session.add(
                RefreshToken(
                    token_hash=digest(token["refresh_token"]),
                    family_id=previous.row.family_id if isinstance(previous, Refresh) else new_id("rtf"),
                    client_id=request.client.get_client_id(),
                    user_id=subject.user_id,
                    organization_id=subject.organization_id,
                    session_id=subject.session_id,
                    scope=token.get("scope", ""),
                    auth_time=subject.auth_time,
                    created_at=now,
                    expires_at=now + REFRESH_TOKEN_LIFETIME,
                    used_at=None,
                    revoked_at=None,
                )
            )
            uow.commit()

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def create_json_request(self, request: Any) -> Any:
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, Any]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass
