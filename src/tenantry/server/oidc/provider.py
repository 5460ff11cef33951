"""Tenantry's OAuth 2.0 authorization server and OpenID provider: Authlib's grants, bound
to our storage. Nothing here speaks HTTP; ``http/oidc.py`` adapts requests and responses.

- Authorization code (RFC 6749 §4.1) with PKCE (RFC 7636, S256 only, required of public
  clients) and OpenID Connect ID tokens; ``http/oidc.py`` adds the issuer to every
  authorization response (RFC 9207).
- Codes: single-use (consumed by one conditional UPDATE when redeemed), 60 s, digests only;
  a replayed code revokes the refresh tokens its exchange issued.
- Access tokens: RS256 JWTs (RFC 9068) naming the organization (``oid``), its ``roles`` and
  effective ``permissions`` (``Provider.access_claims``).
- Refresh tokens: opaque, rotated on every use; presenting a used one revokes its family;
  refused once the user left the organization they name; families end after
  ``refresh_token_family_days``.

Storage and those rules live in ``services/integration/oauth_grants.py``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
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

from tenantry.server.context import Context
from tenantry.server.domain.secrets import matches
from tenantry.server.oidc.claims import SCOPES, roles_in, user_claims
from tenantry.server.services.identity import sessions, users
from tenantry.server.services.integration import oauth_grants, signing_keys
from tenantry.server.services.integration.oauth_grants import ClientRecord, CodeRecord, Grant, RefreshRecord
from tenantry.server.services.membership import access

ACCESS_TOKEN_SECONDS = 900
ID_TOKEN_SECONDS = 3600
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

    @classmethod
    def of(cls, grant: Grant) -> Subject:
        return cls(grant.user_id, grant.organization_id, grant.session_id, grant.auth_time)


class Client(ClientMixin):
    def __init__(self, row: ClientRecord) -> None:
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
    def __init__(self, row: CodeRecord) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.grant.scope

    def get_nonce(self) -> str | None:
        return self.row.nonce

    def get_auth_time(self) -> int:
        return int(self.row.grant.auth_time.timestamp())

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class Refresh(TokenMixin):
    def __init__(self, row: RefreshRecord) -> None:
        self.row = row

    def check_client(self, client: Client) -> bool:
        return self.row.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.row.grant.scope

    def get_expires_in(self) -> int:
        return int((self.row.expires_at - self.row.created_at).total_seconds())

    def is_expired(self) -> bool:
        return False  # checked when the token is looked up, against the server's clock

    def is_revoked(self) -> bool:
        return self.row.revoked


def _ctx(grant: Any) -> Context:
    ctx: Context = grant.server.ctx
    return ctx


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        subject, payload = request.user, request.payload
        oauth_grants.save_code(
            _ctx(self),
            code,
            request.client.get_client_id(),
            Grant(subject.user_id, subject.organization_id, subject.session_id, payload.scope or "", subject.auth_time),
            redirect_uri=payload.redirect_uri,
            nonce=payload.data.get("nonce"),
            code_challenge=payload.data.get("code_challenge"),
            code_challenge_method=payload.data.get("code_challenge_method")
            or ("S256" if payload.data.get("code_challenge") else None),
        )

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        """Redeem the code (once; a replay revokes what the first exchange issued)."""
        row = oauth_grants.redeem_code(_ctx(self), code, client.get_client_id())
        return Code(row) if row else None

    def delete_authorization_code(self, authorization_code: Code) -> None:
        """Nothing to do: redeeming already used it up."""

    def authenticate_user(self, authorization_code: Code) -> Subject:
        return Subject.of(authorization_code.row.grant)


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation

    def authenticate_refresh_token(self, refresh_token: str) -> Refresh | None:
        """Use the token up (rotation), checked against stored state (oauth_grants)."""
        row = oauth_grants.use_refresh_token(_ctx(self), refresh_token)
        return Refresh(row) if row else None

    def authenticate_user(self, refresh_token: Refresh) -> Subject:
        return Subject.of(refresh_token.row.grant)

    def revoke_old_credential(self, refresh_token: Refresh) -> None:
        """Nothing to do: authenticating the token already used it up."""


class Revocation(RevocationEndpoint):
    """RFC 7009. Refresh tokens are revoked with their family; access tokens are short-lived
    JWTs that cannot be recalled, so revoking one is accepted and changes nothing."""

    CLIENT_AUTH_METHODS = TOKEN_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Refresh | None:
        row = oauth_grants.find_refresh_token(self.server.ctx, token_string)
        return Refresh(row) if row else None

    def revoke_token(self, token: Refresh, request: OAuth2Request) -> None:
        oauth_grants.revoke_family(self.server.ctx, token.row.family_id)


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
        return oauth_grants.nonce_used(self.provider.ctx, request.payload.client_id, nonce)

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
        claims.update(sessions.sign_in_method(self.provider.ctx, user.session_id))
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
        return users.get(self.ctx, user_id)

    def access_claims(self, user_id: str, organization_id: str | None) -> dict[str, list[str]]:
        """``roles`` and ``permissions`` (inheritance expanded) for (user, organization), read
        fresh at every issuance, so a role change shows at the next refresh (SPEC §9)."""
        with self.ctx.uow(readonly=True) as uow:
            return access.claims(uow.session, user_id, organization_id)

    def claims_for(self, subject: Subject, scope: str) -> dict[str, Any]:
        """ID token and /userinfo claims, with the current organization's ``roles`` and how the
        session signed in (SPEC §11: ``amr``, connection)."""
        view = self.user(subject.user_id)
        claims = user_claims(
            view, scope, subject.organization_id, subject.session_id, self.ctx.settings.oidc_attributes_claim
        )
        claims["roles"] = roles_in(view, subject.organization_id)
        return {**claims, **sessions.sign_in_method(self.ctx, subject.session_id)}

    def query_client(self, client_id: str) -> Client | None:
        row = oauth_grants.client(self.ctx, client_id)
        return Client(row) if row else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Keep the refresh token (digest only), in the family of the one it replaces."""
        if "refresh_token" not in token:
            return
        subject: Subject = request.user
        previous = getattr(request, "refresh_token", None)
        code = getattr(request, "authorization_code", None)
        oauth_grants.save_refresh_token(
            self.ctx,
            token["refresh_token"],
            request.client.get_client_id(),
            Grant(
                subject.user_id, subject.organization_id, subject.session_id, token.get("scope", ""), subject.auth_time
            ),
            replaces=previous.row if isinstance(previous, Refresh) else None,
            code_hash=code.row.code_hash if isinstance(code, Code) else None,
        )

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def create_json_request(self, request: Any) -> Any:
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, Any]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass
