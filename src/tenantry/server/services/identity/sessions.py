"""Browser sessions of the hosted pages: started by a log-in, found by the cookie's token,
ended by log-out (server-side, so a stolen cookie dies with it) or by the session policy of
the organization they are signed in to (absolute and idle timeouts, ``session_policy.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from tenantry.server.context import Context
from tenantry.server.db import inserts
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import BrowserSession, Organization, User
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain.errors import NotFound
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.mfa import acr_of
from tenantry.server.domain.secrets import digest, new_secret
from tenantry.server.domain.session_policy import MAXIMUM, SessionPolicy
from tenantry.server.services.identity import session_policy
from tenantry.server.services.integration import actors, events, oauth_grants, origins
from tenantry.server.services.read_models.views import (
    MEMBERSHIP_ROWS,
    USER_COLUMNS,
    UserView,
    membership_views_of,
    user_view,
    user_view_of,
)

SESSION_LIFETIME = MAXIMUM  # the cookie's lifetime; the server ends the session (its policy)


@dataclass(frozen=True)
class SessionView:
    id: str
    user: UserView
    organization_id: str | None
    created_at: datetime  # when the user signed in (OIDC auth_time)
    acr: str | None = None  # domain/mfa.py: single factor or MFA


@dataclass(frozen=True)
class SignInMemberships:
    """The user's memberships as ``views.MEMBERSHIP_ROWS`` reads them, each with its
    organization's session timeouts: read once by a sign-in (issue 18) for the organization
    it picks (``first_active``), that organization's session policy and the ``user.login``
    payload, where that was three statements."""

    rows: Sequence[Any]

    def first_active(self) -> str | None:
        """The organization of the earliest accepted, active membership (by acceptance, then id)."""
        active = [
            (row.accepted_at, row.id, row.organization_id)
            for row in self.rows
            if row.accepted_at is not None and row.deactivated_at is None
        ]
        return str(min(active)[2]) if active else None

    def policy(self, organization_id: str) -> SessionPolicy | None:
        """The session policy of one of these organizations (None: not one of them)."""
        for row in self.rows:
            if row.organization_id == organization_id:
                return SessionPolicy.stored(row.session_absolute_timeout_minutes, row.session_idle_timeout_minutes)
        return None


def memberships_for_sign_in(session: Session, user_id: str) -> SignInMemberships:
    """``SignInMemberships`` of ``user_id`` in the caller's transaction (its pending changes flushed first)."""
    session.flush()
    return SignInMemberships(session.connection().execute(_SIGN_IN_MEMBERSHIPS, {"user_id": user_id}).all())


def start(
    uow: UnitOfWork,
    user_id: str,
    now: datetime,
    user_agent: str | None = None,
    organization_id: str | None = None,
    *,
    amr: list[str] | None = None,
    connection_id: str | None = None,
    memberships: SignInMemberships | None = None,
) -> str:
    """Open a session for ``user_id`` in ``uow`` with ``organization_id`` as its current
    organization; returns the cookie token (shown once). Sign-in goes through
    ``login.py``, which chooses the organization (``memberships``: what it read for that,
    else read here). ``amr`` and ``connection_id`` record how the user signed in (tokens
    carry them), and the ``acr`` stored follows from ``amr``."""
    token = new_secret()
    if memberships is None:
        memberships = memberships_for_sign_in(uow.session, user_id)
    policy = (memberships.policy(organization_id) if organization_id else None) or session_policy.for_organization(
        uow.session, organization_id
    )
    inserts.insert_row(  # one Core INSERT, no object (issue 18)
        uow.session,
        BrowserSession,
        token_hash=digest(token),
        id=new_id("ses"),
        user_id=user_id,
        organization_id=organization_id,
        user_agent=(user_agent or "")[:300] or None,
        ip_address=(origins.current() or "")[:45] or None,
        amr=amr,
        connection_id=connection_id,
        acr=acr_of(amr),
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.absolute,
        idle_expires_at=policy.idle_expires_at(now),
    )
    # The last log-in, and the user as it now stands for the event: one statement.
    user = uow.session.connection().execute(_LAST_LOGIN, {"user": user_id, "now": now}).first()
    if user is None:
        raise repo.no_user(user_id)
    loaded = uow.session.identity_map.get(identity_key(User, user_id))
    if loaded is not None:  # the stored value, as a loaded (not a changed) attribute
        set_committed_value(loaded, "last_login_at", now)
    view = user_view_of(user, membership_views_of(memberships.rows, now))
    events.user_view_event(uow.session, "user.login", view, now, actor=actors.user(user_id))
    return token


_USERS = User.__table__.c
_LAST_LOGIN = (
    update(User).where(_USERS.id == bindparam("user")).values(last_login_at=bindparam("now")).returning(*USER_COLUMNS)
)
_ORGANIZATIONS = Organization.__table__.c
_SIGN_IN_MEMBERSHIPS = MEMBERSHIP_ROWS.add_columns(
    _ORGANIZATIONS.session_absolute_timeout_minutes, _ORGANIZATIONS.session_idle_timeout_minutes
)


def resolve(ctx: Context, token: str | None) -> SessionView | None:
    """The live session behind a cookie token, or None (unknown, expired or ended)."""
    if not token:
        return None
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        row = live_row(uow.session, token, now)
        if row is None:
            return None
        policy = session_policy.for_organization(uow.session, row.organization_id)
        view = SessionView(
            row.id,
            user_view(uow.session, repo.user(uow.session, row.user_id), now),
            row.organization_id,
            row.created_at,
            row.acr,
        )
        stale = now - row.last_seen_at > policy.touch_every()
    if stale:
        with ctx.uow() as uow:
            uow.session.execute(
                update(BrowserSession)
                .where(BrowserSession.token_hash == digest(token))
                .values(last_seen_at=now, idle_expires_at=policy.idle_expires_at(now))
            )
            uow.commit()
    return view


def live_row(session: Session, token: str, now: datetime) -> BrowserSession | None:
    """The live session row behind a cookie token, in the caller's transaction."""
    row = session.get(BrowserSession, digest(token))
    return row if row is not None and session_policy.is_live(row, now) else None


def live_user(session: Session, token: str, now: datetime) -> Any:
    """The ``id``, ``email`` and ``email_verified`` of the user of the live session behind a
    cookie token, in the caller's transaction, in one statement built once."""
    row = session.connection().execute(_LIVE_USER, {"token_hash": digest(token)}).first()
    return row if row is not None and session_policy.is_live(row, now) else None


_SESSIONS = BrowserSession.__table__.c
_LIVE_USER = (
    select(_USERS.id, _USERS.email, _USERS.email_verified, _SESSIONS.expires_at, _SESSIONS.idle_expires_at)
    .select_from(BrowserSession.__table__.join(User.__table__, _USERS.id == _SESSIONS.user_id))
    .where(_SESSIONS.token_hash == bindparam("token_hash"))
)


def end(ctx: Context, token: str | None) -> None:
    """Sign the browser out, and revoke the refresh tokens applications got through it."""
    if not token:
        return
    with ctx.uow() as uow:
        row = uow.session.get(BrowserSession, digest(token))
        if row is not None:
            end_rows(uow.session, [row], ctx.clock.now(), actor=actors.user(row.user_id))
        uow.commit()


def end_rows(
    session: Session, rows: Sequence[BrowserSession], now: datetime, *, actor: actors.Actor | None = None
) -> None:
    """End these browser sessions in the caller's unit of work: the refresh tokens
    applications got through them are revoked (SPEC §3 "token truth"), and each ends with a
    ``user.logout`` event naming it. Every way a session ends one at a time goes through here
    (log-out, the profile page, the management API)."""
    if not rows:
        return
    oauth_grants.revoke(session, now, session_ids=[row.id for row in rows])
    for row in rows:
        user = repo.user(session, row.user_id)
        events.user_event(session, "user.logout", user, now, actor=actor, session_id=row.id)
        session.delete(row)
    session.flush()


def end_for_organization(session: Session, user_id: str, organization_id: str, now: datetime) -> None:
    """The user loses access to one organization (membership deactivated or ended): the
    refresh tokens minted for it are revoked and the browser sessions signed in to it end
    (SPEC §3 "token truth"). Their other organizations are untouched."""
    oauth_grants.revoke(session, now, user_id=user_id, organization_id=organization_id)
    session.execute(
        delete(BrowserSession).where(
            BrowserSession.user_id == user_id, BrowserSession.organization_id == organization_id
        )
    )


def end_all_for_user(session: Session, user_id: str, now: datetime) -> int:
    """End every browser session of the user and revoke every refresh token any application
    holds for them (SPEC §3 "Token truth": password reset, sign out everywhere, proof of
    address on a squatted account). Runs in the caller's unit of work; returns how many
    sessions ended."""
    oauth_grants.revoke(session, now, user_id=user_id)
    ended = session.execute(delete(BrowserSession).where(BrowserSession.user_id == user_id)).rowcount  # type: ignore[attr-defined]
    return int(ended)


@dataclass(frozen=True)
class BrowserSessionView:
    """A signed-in browser as its user or an administrator sees it (never its token)."""

    id: str
    organization_id: str | None
    user_agent: str | None
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip_address: str | None = None
    amr: tuple[str, ...] = ()  # how it signed in (RFC 8176)


def list_for_user(ctx: Context, user_id: str) -> list[BrowserSessionView]:
    """The user's live sessions, most recently used first. Raises NotFound (user)."""
    with ctx.uow(readonly=True) as uow:
        repo.user(uow.session, user_id)
        rows = uow.session.scalars(
            select(BrowserSession)
            .where(BrowserSession.user_id == user_id, session_policy.live_at(ctx.clock.now()))
            .order_by(BrowserSession.last_seen_at.desc(), BrowserSession.id)
        )
        return [
            BrowserSessionView(
                r.id,
                r.organization_id,
                r.user_agent,
                r.created_at,
                r.last_seen_at,
                r.expires_at,
                r.ip_address,
                tuple(str(method) for method in r.amr or ()),
            )
            for r in rows
        ]


def end_own(ctx: Context, user_id: str, session_id: str) -> None:
    """The user signs one of their own sessions out (the profile page); its refresh tokens
    die with it. Raises NotFound (no such live session of theirs: ended, or another user's)."""
    with ctx.uow() as uow:
        repo.user(uow.session, user_id, for_update=True)
        row = uow.session.scalar(
            select(BrowserSession).where(BrowserSession.id == session_id, BrowserSession.user_id == user_id)
        )
        if row is None:
            raise NotFound("That session has already ended.")
        end_rows(uow.session, [row], ctx.clock.now())
        uow.commit()


def end_others(ctx: Context, user_id: str, keep_session_id: str) -> int:
    """Sign the user out of every session but ``keep_session_id`` (the browser asking), with
    those sessions' refresh tokens. Returns how many ended. Raises NotFound (user)."""
    with ctx.uow() as uow:
        repo.user(uow.session, user_id, for_update=True)
        rows = list(
            uow.session.scalars(
                select(BrowserSession).where(BrowserSession.user_id == user_id, BrowserSession.id != keep_session_id)
            )
        )
        end_rows(uow.session, rows, ctx.clock.now())
        uow.commit()
        return len(rows)


def end_everywhere(ctx: Context, user_id: str) -> int:
    """Sign the user out of every browser, and revoke every refresh token applications hold
    for them (so no application keeps them signed in). Returns how many sessions ended.
    Raises NotFound (user)."""
    with ctx.uow() as uow:
        ended = end_everywhere_in(uow.session, user_id, ctx.clock.now())
        uow.commit()
        return len(ended)


def end_everywhere_in(session: Session, user_id: str, now: datetime) -> list[BrowserSession]:
    """``end_everywhere`` in the caller's unit of work, with a ``user.logout`` event per
    session; returns the sessions it ended (detached). Raises NotFound (user)."""
    repo.user(session, user_id, for_update=True)
    rows = list(session.scalars(select(BrowserSession).where(BrowserSession.user_id == user_id)))
    end_rows(session, rows, now)
    end_all_for_user(session, user_id, now)  # and the refresh tokens no session stands behind
    return rows


def switch_organization(ctx: Context, token: str, organization_id: str) -> None:
    """Make ``organization_id`` the session's current organization. Raises NotFound unless
    the user is an active member of it."""
    with ctx.uow() as uow:
        row = uow.session.get(BrowserSession, digest(token))
        if row is None:
            raise NotFound("No such session.")
        membership = repo.find_membership(uow.session, organization_id, row.user_id)
        if membership is None or membership.accepted_at is None:
            raise NotFound("You are not a member of that organization.", reason="not_a_member")
        row.organization_id = organization_id
        session_policy.apply(row, session_policy.for_organization(uow.session, organization_id))
        uow.commit()


def sign_in_method(ctx: Context, session_id: str | None) -> dict[str, object]:
    """The token claims that say how the session signed in: ``amr``, ``acr`` and, for SSO,
    ``sso_connection_id`` (empty when unknown or the session ended)."""
    if not session_id:
        return {}
    with ctx.uow(readonly=True) as uow:
        row = uow.session.scalar(select(BrowserSession).where(BrowserSession.id == session_id))
        if row is None:
            return {}
        claims: dict[str, object] = {}
        if row.amr:
            claims["amr"] = list(row.amr)
        if row.acr:
            claims["acr"] = row.acr
        if row.connection_id:
            claims["sso_connection_id"] = row.connection_id
        return claims
