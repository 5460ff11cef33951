"""What the OpenID provider keeps: authorization codes and refresh tokens (digests only),
and the one place where refresh tokens end (SPEC §3 "Token truth").

- A code is redeemed by one conditional UPDATE; presenting it again revokes the refresh
  tokens its exchange issued (RFC 6749 §4.1.2).
- A refresh token is used up when presented (rotation); presenting a used one revokes its
  family (RFC 9700 §4.14.2). A family ends for good ``refresh_token_family_days`` after
  the code exchange.
- Codes and refresh tokens are honoured only while the stored state still allows them: the
  user exists and, when they name an organization, is an active member of it.
- ``revoke`` is the single writer of ``revoked_at``; every path that ends what a token
  stands for (sign-out, password reset, membership removed, deactivated or deleted with its
  user or organization) calls it in its own unit of work.

Nothing here speaks HTTP or OAuth: ``oidc/provider.py`` binds these to Authlib.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db.models import Application, AuthorizationCode, Membership, RefreshToken, User
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.memberships import MembershipStatus
from tenantry.server.domain.secrets import digest

CODE_LIFETIME = timedelta(seconds=60)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)  # idle bound: each rotation starts it again


@dataclass(frozen=True)
class ClientRecord:
    id: str
    kind: str
    redirect_uris: list[str]
    secret_hash: str | None


@dataclass(frozen=True)
class Grant:
    """What a code or a refresh token stands for."""

    user_id: str
    organization_id: str | None
    session_id: str | None
    scope: str
    auth_time: datetime


@dataclass(frozen=True)
class CodeRecord:
    code_hash: str
    grant: Grant
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None


@dataclass(frozen=True)
class RefreshRecord:
    family_id: str
    client_id: str
    grant: Grant
    created_at: datetime
    expires_at: datetime
    family_expires_at: datetime
    revoked: bool


def client(ctx: Context, client_id: str) -> ClientRecord | None:
    with ctx.uow(readonly=True) as uow:
        row = uow.session.get(Application, client_id)
        if row is None:
            return None
        return ClientRecord(row.id, row.kind, list(row.redirect_uris), row.secret_hash)


def save_code(
    ctx: Context,
    code: str,
    client_id: str,
    grant: Grant,
    *,
    redirect_uri: str,
    nonce: str | None,
    code_challenge: str | None,
    code_challenge_method: str | None,
) -> None:
    now = ctx.clock.now()
    with ctx.uow() as uow:
        uow.session.add(
            AuthorizationCode(
                code_hash=digest(code),
                client_id=client_id,
                user_id=grant.user_id,
                organization_id=grant.organization_id,
                session_id=grant.session_id,
                redirect_uri=redirect_uri,
                scope=grant.scope,
                nonce=nonce,
                code_challenge=code_challenge,
                code_challenge_method=code_challenge_method,
                auth_time=grant.auth_time,
                created_at=now,
                expires_at=now + CODE_LIFETIME,
                used_at=None,
            )
        )
        uow.commit()


def redeem_code(ctx: Context, code: str, client_id: str) -> CodeRecord | None:
    """Use the code up: marked used in the same statement that finds it, so it is exchanged
    once whatever happens next. A code presented again revokes what its exchange issued;
    a code whose user left the organization it names is refused."""
    now = ctx.clock.now()
    code_hash = digest(code)
    with ctx.uow() as uow:
        redeemed = uow.session.execute(
            update(AuthorizationCode)
            .where(
                AuthorizationCode.code_hash == code_hash,
                AuthorizationCode.client_id == client_id,
                AuthorizationCode.used_at.is_(None),
                AuthorizationCode.expires_at > now,
            )
            .values(used_at=now)
        ).rowcount  # type: ignore[attr-defined]
        row = uow.session.get(AuthorizationCode, code_hash)
        if not redeemed:
            if row is not None and row.client_id == client_id and row.used_at is not None:
                if row.refresh_family_id:  # a replay: what the first exchange got is suspect
                    revoke(uow.session, now, family_id=row.refresh_family_id)
                uow.commit()
            return None
        assert row is not None
        if not still_entitled(uow.session, row.user_id, row.organization_id, now):
            uow.commit()
            return None
        record = CodeRecord(
            row.code_hash,
            Grant(row.user_id, row.organization_id, row.session_id, row.scope, row.auth_time),
            row.redirect_uri,
            row.nonce,
            row.code_challenge,
            row.code_challenge_method,
        )
        uow.commit()
        return record


def nonce_used(ctx: Context, client_id: str, nonce: str) -> bool:
    """A nonce already used with this client is a replay."""
    with ctx.uow(readonly=True) as uow:
        found = uow.session.scalar(
            select(AuthorizationCode.code_hash)
            .where(AuthorizationCode.client_id == client_id, AuthorizationCode.nonce == nonce)
            .limit(1)
        )
        return found is not None


def use_refresh_token(ctx: Context, token: str) -> RefreshRecord | None:
    """Use the token up (rotation) and return what it stands for, or None: unknown, revoked,
    expired, past its family's end, or its user no longer in the organization it names
    (the family is revoked then). A token that was already used is a replay: its whole
    family is revoked."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        row = uow.session.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(token)).with_for_update())
        if row is None or row.revoked_at is not None:
            return None
        if (
            row.used_at is not None
            or row.family_expires_at <= now
            or not still_entitled(uow.session, row.user_id, row.organization_id, now)
        ):
            revoke(uow.session, now, family_id=row.family_id)
            uow.commit()
            return None
        if row.expires_at <= now:
            return None
        row.used_at = now
        record = _refresh_record(row)
        uow.commit()
        return record


def save_refresh_token(
    ctx: Context,
    token: str,
    client_id: str,
    grant: Grant,
    *,
    replaces: RefreshRecord | None = None,
    code_hash: str | None = None,
) -> None:
    """Keep a new refresh token (digest only): in the family of the one it ``replaces``, or
    a new family started by the code exchange ``code_hash``."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        if replaces is not None:
            family_id, family_end = replaces.family_id, replaces.family_expires_at
        else:
            family_id = new_id("rtf")
            family_end = now + timedelta(days=ctx.settings.refresh_token_family_days)
            if code_hash is not None:
                uow.session.execute(
                    update(AuthorizationCode)
                    .where(AuthorizationCode.code_hash == code_hash)
                    .values(refresh_family_id=family_id)
                )
        uow.session.add(
            RefreshToken(
                token_hash=digest(token),
                family_id=family_id,
                client_id=client_id,
                user_id=grant.user_id,
                organization_id=grant.organization_id,
                session_id=grant.session_id,
                scope=grant.scope,
                auth_time=grant.auth_time,
                created_at=now,
                expires_at=min(now + REFRESH_TOKEN_LIFETIME, family_end),
                family_expires_at=family_end,
                used_at=None,
                revoked_at=None,
            )
        )
        uow.commit()


def find_refresh_token(ctx: Context, token: str) -> RefreshRecord | None:
    with ctx.uow(readonly=True) as uow:
        row = uow.session.get(RefreshToken, digest(token))
        return _refresh_record(row) if row else None


def revoke_family(ctx: Context, family_id: str) -> None:
    with ctx.uow() as uow:
        revoke(uow.session, ctx.clock.now(), family_id=family_id)
        uow.commit()


def revoke(
    session: Session,
    now: datetime,
    *,
    user_id: str | None = None,
    organization_id: str | None = None,
    session_ids: Iterable[str] | None = None,
    family_id: str | None = None,
) -> None:
    """End every live refresh token matching all the given filters (at least one): of a
    user, of an organization (with ``user_id``: that membership), issued through the given
    browser sessions, or of one family. Run it in the unit of work that ends what the tokens
    stood for, so both commit together."""
    conditions: list[ColumnElement[bool]] = [RefreshToken.revoked_at.is_(None)]
    if user_id is not None:
        conditions.append(RefreshToken.user_id == user_id)
    if organization_id is not None:
        conditions.append(RefreshToken.organization_id == organization_id)
    if session_ids is not None:
        conditions.append(RefreshToken.session_id.in_(list(session_ids)))
    if family_id is not None:
        conditions.append(RefreshToken.family_id == family_id)
    if len(conditions) == 1:
        raise ValueError("revoke needs a filter")
    session.execute(update(RefreshToken).where(*conditions).values(revoked_at=now))


def still_entitled(session: Session, user_id: str, organization_id: str | None, now: datetime) -> bool:
    """The user exists and, when an organization is named, is an active member of it."""
    if session.get(User, user_id) is None:
        return False
    if organization_id is None:
        return True
    membership = session.scalar(
        select(Membership).where(Membership.organization_id == organization_id, Membership.user_id == user_id)
    )
    return membership is not None and membership.status(now) is MembershipStatus.ACTIVE


def _refresh_record(row: RefreshToken) -> RefreshRecord:
    return RefreshRecord(
        row.family_id,
        row.client_id,
        Grant(row.user_id, row.organization_id, row.session_id, row.scope, row.auth_time),
        row.created_at,
        row.expires_at,
        row.family_expires_at,
        row.revoked_at is not None,
    )
