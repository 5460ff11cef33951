"""Sign-ins sent to identity providers and waiting for their answer (``sso_requests``):
created with a random state, consumed once by a conditional UPDATE. A request belongs to an
organization's SSO connection or (``social``) to one of the environment's social connections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update

from tenantry.server.context import Context
from tenantry.server.db.models import SsoRequest
from tenantry.server.domain.secrets import digest, new_secret
from tenantry.server.domain.sso import SsoRefused

LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class Pending:
    connection_id: str
    nonce: str | None
    code_verifier: str | None
    saml_request_id: str | None
    next_url: str
    test: bool


def open_request(
    ctx: Context,
    connection_id: str,
    next_url: str,
    *,
    social: bool = False,
    test: bool = False,
    nonce: str | None = None,
    code_verifier: str | None = None,
    saml_request_id: str | None = None,
) -> str:
    """Store a pending sign-in; returns its state (shown once, kept as a digest)."""
    state = new_secret()
    now = ctx.clock.now()
    with ctx.uow() as uow:
        uow.session.execute(delete(SsoRequest).where(SsoRequest.expires_at < now - LIFETIME))  # tidy old ones
        uow.session.add(
            SsoRequest(
                state_hash=digest(state),
                connection_id=None if social else connection_id,
                social_connection_id=connection_id if social else None,
                nonce=nonce,
                code_verifier=code_verifier,
                saml_request_id=saml_request_id,
                next_url=next_url,
                test=test,
                created_at=now,
                expires_at=now + LIFETIME,
                used_at=None,
            )
        )
        uow.commit()
    return state


def consume(ctx: Context, connection_id: str, state: str | None, *, social: bool = False) -> Pending:
    """The pending sign-in behind ``state``, used up. Raises SsoRefused when it is unknown,
    used, expired or belongs to another connection."""
    if not state:
        raise SsoRefused("The identity provider's answer has no state.", reason="state")
    now = ctx.clock.now()
    with ctx.uow() as uow:
        used = uow.session.execute(
            update(SsoRequest)
            .where(
                SsoRequest.state_hash == digest(state),
                (SsoRequest.social_connection_id if social else SsoRequest.connection_id) == connection_id,
                SsoRequest.used_at.is_(None),
                SsoRequest.expires_at > now,
            )
            .values(used_at=now)
        ).rowcount  # type: ignore[attr-defined]
        if not used:
            raise SsoRefused("This sign-in is not valid any more (unknown, used or expired state). Start again.")
        row = uow.session.scalar(select(SsoRequest).where(SsoRequest.state_hash == digest(state)))
        assert row is not None
        pending = Pending(connection_id, row.nonce, row.code_verifier, row.saml_request_id, row.next_url, row.test)
        uow.commit()
    return pending
