"""The round trip of a social sign-in (SPEC §13), on the same relying party as SSO
(``oidc_rp``): start (a pending request with state, PKCE verifier and — for OpenID Connect —
nonce, and the provider's URL), then the answer: the code exchanged, and who signed in read
from the validated ID token (OIDC) or the user-info endpoint (OAuth 2; GitHub's e-mails API
says which address is verified). What the answer does to accounts is ``identity/social_login``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tenantry.server.context import Context
from tenantry.server.db.models import SocialConnection
from tenantry.server.domain import social as rules
from tenantry.server.domain.sso import SsoRefused
from tenantry.server.services.federation import oidc_rp, outbound, requests
from tenantry.server.services.federation.connections import client_secret
from tenantry.server.services.read_models.social_connections import redirect_uri


@dataclass(frozen=True)
class SocialAnswer:
    """Who the provider says signed in."""

    connection_id: str
    provider: str
    subject: str
    email: str | None
    email_verified: bool
    claims: dict[str, Any]
    next_url: str


def _load(ctx: Context, connection_id: str) -> SocialConnection:
    with ctx.uow(readonly=True) as uow:
        row = uow.session.get(SocialConnection, connection_id)
        if row is None or not row.enabled:
            raise rules.SocialSignInRefused("This sign-in method is not enabled.", reason="disabled")
        uow.session.expunge(row)
        return row


def _relying_party(ctx: Context, row: SocialConnection, secret: str | None) -> oidc_rp.RelyingParty:
    config = row.config
    return oidc_rp.RelyingParty(
        client_id=config["client_id"],
        client_secret=secret,
        scopes=tuple(config.get("scopes") or []),
        redirect_uri=redirect_uri(ctx.settings.public_url, row.id),
        authorize_uri=config["authorize_uri"],
        token_uri=config["token_uri"],
        issuer=config.get("issuer"),
        jwks_uri=config.get("jwks_uri"),
    )


def start(ctx: Context, connection_id: str, next_url: str) -> tuple[str, str]:
    """The provider's URL for a new sign-in, and its state (the browser keeps it too).
    Raises SocialSignInRefused (unknown or disabled connection)."""
    row = _load(ctx, connection_id)
    oidc_nonce, verifier = oidc_rp.new_secrets()
    nonce = oidc_nonce if row.type == rules.OIDC else None
    state = requests.open_request(ctx, row.id, next_url, social=True, nonce=nonce, code_verifier=verifier)
    return oidc_rp.authorization_url(ctx, _relying_party(ctx, row, None), state, nonce, verifier, None), state


def answer(ctx: Context, connection_id: str, params: dict[str, str]) -> SocialAnswer:
    """Use up the pending request named by ``params['state']`` and read who signed in.
    Raises SsoRefused (state unknown, used or expired; a refused code; a bad ID token) and
    SocialSignInRefused."""
    row = _load(ctx, connection_id)
    pending = requests.consume(ctx, row.id, params.get("state"), social=True)
    rp = _relying_party(ctx, row, client_secret(ctx, row))
    if row.type == rules.OIDC:
        found = oidc_rp.finish(ctx, rp, pending, params)
        claims = found.attributes
        return SocialAnswer(
            row.id,
            row.provider,
            found.subject,
            _text(claims.get("email")),
            rules.address_verified(row.provider, claims),
            claims,
            pending.next_url,
        )
    token = oidc_rp.exchange(ctx, rp, pending, params)
    headers = {"authorization": f"Bearer {token.get('access_token', '')}", "accept": "application/json"}
    try:
        claims = outbound.get_json(ctx, row.config["user_info_uri"], headers)
        email, verified = _text(claims.get("email")), rules.address_verified(row.provider, claims)
        if row.config.get("emails_uri"):  # GitHub: the primary address, verified only if GitHub says so
            email, verified = _primary_email(outbound.get_json_list(ctx, row.config["emails_uri"], headers))
    except outbound.FetchFailed as exc:
        raise SsoRefused(f"The provider's user information could not be read: {exc}.") from None
    subject = claims.get("sub") or claims.get("id")
    if subject in (None, ""):
        raise SsoRefused("The provider did not say who signed in.")
    return SocialAnswer(row.id, row.provider, str(subject), email, verified, claims, pending.next_url)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _primary_email(entries: list[Any]) -> tuple[str | None, bool]:
    """GitHub's ``/user/emails``: the primary address and whether it is verified."""
    for entry in entries:
        if isinstance(entry, dict) and entry.get("primary") is True:
            return _text(entry.get("email")), entry.get("verified") is True
    return None, False
