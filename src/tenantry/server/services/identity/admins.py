"""Dashboard administrators: their accounts, their sessions, and the first one's set-up link.

Administrators are separate from the environment's users. The first one is created with
``tenantry admin create`` or through a one-time link that ``tenantry serve`` prints while
no administrator exists. Sessions are server-side (the cookie holds a random token whose
digest is stored), short-lived, and end at log-out everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db.models import Admin, AdminSession, AdminSetupToken
from tenantry.server.domain.errors import (
    AlreadyExists,
    FailedPrecondition,
    FieldError,
    InvalidArgument,
    NotFound,
    SetupLinkInvalid,
    Unauthenticated,
)
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.passwords import check_password_policy, hash_password, verify_password
from tenantry.server.domain.secrets import digest, new_secret
from tenantry.server.domain.types import EmailAddress, email_key
from tenantry.server.observability.metrics import counts_sign_in
from tenantry.server.services.identity import admin_mfa
from tenantry.server.services.integration import webhook_secrets

SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE_LIMIT = timedelta(hours=2)  # an unattended dashboard signs itself out
TOUCH_EVERY = timedelta(minutes=1)
SETUP_LINK_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class AdminView:
    id: str
    email: str
    created_at: datetime
    last_login_at: datetime | None
    mfa_enabled: bool = False
    must_enrol_mfa: bool = False  # required and not set up: only the set-up page is open


def _view(row: Admin, must_enrol: bool = False) -> AdminView:
    return AdminView(
        row.id, row.email, row.created_at, row.last_login_at, row.totp_confirmed_at is not None, must_enrol
    )


_EMAIL = TypeAdapter(EmailAddress)


def _valid_email(email: str) -> str:
    try:
        return _EMAIL.validate_python(email.strip())
    except ValidationError as exc:
        raise InvalidArgument.field("email", "invalid", "enter a valid e-mail address") from exc


def _insert(session: Session, email: str, password_hash: str, now: datetime) -> Admin:
    row = Admin(id=new_id("adm"), email=email, email_key=email_key(email), password_hash=password_hash, created_at=now)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        message = "an administrator with this e-mail exists"
        raise AlreadyExists(message, [FieldError("email", "already_exists", message)]) from exc
    return row


def create(ctx: Context, email: str, password: str) -> AdminView:
    """A new administrator. Raises InvalidArgument (e-mail, password policy) or AlreadyExists."""
    email = _valid_email(email)
    check_password_policy(password)
    password_hash = hash_password(password)
    with ctx.uow() as uow:
        row = _insert(uow.session, email, password_hash, ctx.clock.now())
        uow.commit()
        return _view(row)


def _admin_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Admin)) or 0)


def list_all(ctx: Context) -> list[AdminView]:
    with ctx.uow(readonly=True) as uow:
        return [_view(row) for row in uow.session.scalars(select(Admin).order_by(Admin.created_at, Admin.id))]


def delete_(ctx: Context, admin_id: str) -> None:
    """Remove an administrator and end their sessions. Raises NotFound, or
    FailedPrecondition for the last one (nobody could sign in to the dashboard any more)."""
    with ctx.uow() as uow:
        row = uow.session.get(Admin, admin_id)
        if row is None:
            raise NotFound(f"No administrator {admin_id!r}.")
        if _admin_count(uow.session) <= 1:
            raise FailedPrecondition("The last administrator cannot be removed.")
        uow.session.delete(row)
        uow.commit()


def reset_password(ctx: Context, email: str, password: str) -> AdminView:
    """Give an administrator a new password and end their sessions: the way back in from the
    server's machine (``tenantry admin reset-password``) when the password or the
    authenticator is lost (it is removed) or password sign-in is being refused. Raises
    NotFound or InvalidArgument (password policy)."""
    check_password_policy(password)
    password_hash = hash_password(password)
    with ctx.uow() as uow:
        row = uow.session.scalar(select(Admin).where(Admin.email_key == email_key(email.strip())).with_for_update())
        if row is None:
            raise NotFound(f"No administrator {email.strip()!r}.")
        row.password_hash = password_hash
        admin_mfa.clear(row)  # the way back in after a lost authenticator too
        uow.session.execute(delete(AdminSession).where(AdminSession.admin_id == row.id))
        uow.commit()
        return _view(row)


@counts_sign_in("admin_password")
def login(ctx: Context, email: str, password: str, code: str = "") -> str:
    """A session token for the right e-mail and password, and the authenticator's ``code``
    when the administrator set one up; raises Unauthenticated otherwise (taking the same
    time whether or not the administrator exists), SecondFactorNeeded or
    InvalidSecondFactor."""
    with ctx.uow(readonly=True) as uow:
        row = uow.session.scalar(select(Admin).where(Admin.email_key == email_key(email.strip())))
        stored, admin_id = (row.password_hash, row.id) if row else (None, None)
    if not verify_password(password, stored) or admin_id is None:
        raise Unauthenticated("The e-mail or password is not right.")
    webhook_secrets.ready(ctx)
    with ctx.uow() as uow:
        admin = uow.session.get(Admin, admin_id, with_for_update=True)
        if admin is None:
            raise Unauthenticated("The e-mail or password is not right.")
        admin_mfa.check(ctx, uow.session, admin, code)
        token = _start_session(uow.session, admin_id, ctx.clock.now())
        uow.commit()
    return token


def _start_session(session: Session, admin_id: str, now: datetime) -> str:
    token = new_secret()
    session.add(
        AdminSession(
            token_hash=digest(token),
            admin_id=admin_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    session.execute(delete(AdminSession).where(AdminSession.admin_id == admin_id, AdminSession.expires_at <= now))
    session.execute(update(Admin).where(Admin.id == admin_id).values(last_login_at=now))
    return token


def resolve(ctx: Context, token: str | None, mfa_required: bool | None = None) -> AdminView | None:
    """The administrator signed in with this cookie token, or None (unknown, expired, idle).
    ``mfa_required``: the environment's ``admin_mfa_required`` when the caller has read the
    settings already (the dashboard, once per request); otherwise read here."""
    if not token:
        return None
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        row = uow.session.get(AdminSession, digest(token))
        if row is None or row.expires_at <= now or now - row.last_seen_at > SESSION_IDLE_LIMIT:
            return None
        admin = uow.session.get(Admin, row.admin_id)
        if admin is None:
            return None
        view = _view(admin, admin_mfa.must_enrol(uow.session, admin, mfa_required))
        stale = now - row.last_seen_at > TOUCH_EVERY
    if stale:
        with ctx.uow() as uow:
            uow.session.execute(
                update(AdminSession).where(AdminSession.token_hash == digest(token)).values(last_seen_at=now)
            )
            uow.commit()
    return view


def logout(ctx: Context, token: str | None) -> None:
    if not token:
        return
    with ctx.uow() as uow:
        uow.session.execute(delete(AdminSession).where(AdminSession.token_hash == digest(token)))
        uow.commit()


def setup_token(ctx: Context) -> str | None:
    """A fresh one-time set-up link token while no administrator exists, else None."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        if _admin_count(uow.session):
            return None
        token = new_secret("tsu_")
        uow.session.add(AdminSetupToken(token_hash=digest(token), created_at=now, expires_at=now + SETUP_LINK_LIFETIME))
        uow.commit()
    return token


def check_setup_token(ctx: Context, token: str) -> None:
    """Raises SetupLinkInvalid unless the link can still create the first administrator."""
    with ctx.uow(readonly=True) as uow:
        _usable_setup_token(uow.session, token, ctx.clock.now())


def _usable_setup_token(session: Session, token: str, now: datetime) -> AdminSetupToken:
    row = session.get(AdminSetupToken, digest(token))
    if row is None or row.consumed_at is not None or row.expires_at <= now:
        raise SetupLinkInvalid()
    if _admin_count(session):
        raise SetupLinkInvalid()
    return row


def complete_setup(ctx: Context, token: str, email: str, password: str) -> str:
    """Create the first administrator through a set-up link and sign them in; the link dies.
    Raises SetupLinkInvalid, InvalidArgument or AlreadyExists."""
    email = _valid_email(email)
    check_password_policy(password)
    password_hash = hash_password(password)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        row = _usable_setup_token(uow.session, token, now)
        consumed = uow.session.execute(
            update(AdminSetupToken)
            .where(AdminSetupToken.token_hash == row.token_hash, AdminSetupToken.consumed_at.is_(None))
            .values(consumed_at=now)
        ).rowcount  # type: ignore[attr-defined]
        if not consumed:
            raise SetupLinkInvalid()
        admin = _insert(uow.session, email, password_hash, now)
        session_token = _start_session(uow.session, admin.id, now)
        uow.commit()
    return session_token
