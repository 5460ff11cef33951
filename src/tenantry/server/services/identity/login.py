"""How people prove who they are on the hosted pages: password, e-mailed one-time code,
e-mail verification and password reset.

No answer says whether an e-mail is registered: unknown addresses get the same reply
(and, for passwords, the same argon2 time) as known ones. Codes are 6 digits, live 10
minutes, allow 5 tries, and are consumed by one conditional UPDATE.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import EmailCode, User
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain import lockout
from tenantry.server.domain.errors import TenantryError, Unauthenticated
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.passwords import check_password_policy, hash_password, verify_password
from tenantry.server.domain.secrets import digest, matches, new_secret
from tenantry.server.email.message import render
from tenantry.server.observability.metrics import counts_sign_in
from tenantry.server.services.directory import environment
from tenantry.server.services.federation import signin
from tenantry.server.services.identity import lockouts, sessions

CODE_LIFETIME = timedelta(minutes=10)
RESET_LIFETIME = timedelta(hours=1)
MAX_CODE_ATTEMPTS = 5
LOGIN, VERIFY, RESET = "login", "verify", "reset"


class InvalidCode(TenantryError):
    code = "invalid_code"
    default_message = "That code is not valid or has expired. Ask for a new one."


class InvalidResetLink(TenantryError):
    code = "invalid_reset_link"
    default_message = "This password reset link is not valid any more. Ask for a new one."


def _mail(ctx: Context, uow: UnitOfWork, kind: str, user: User, subject: str, **variables: object) -> None:
    settings = environment.load(uow.session)
    ctx.mailer.enqueue(
        uow,
        render(
            kind,
            to=user.email,
            subject=subject.format(app=settings.branding.app_name),
            branding=settings.branding,
            meta_name=settings.organization_meta_name,
            **variables,
        ),
    )


def _issue_code(ctx: Context, uow: UnitOfWork, user: User, purpose: str, now: datetime) -> str:
    """A fresh 6-digit code for ``purpose``; earlier unused ones of that purpose stop working."""
    uow.session.execute(
        update(EmailCode)
        .where(EmailCode.user_id == user.id, EmailCode.purpose == purpose, EmailCode.consumed_at.is_(None))
        .values(consumed_at=now)
    )
    code = f"{secrets.randbelow(10**6):06d}"
    row_id = new_id("otc")
    uow.session.add(
        EmailCode(
            id=row_id,
            user_id=user.id,
            purpose=purpose,
            secret_hash=digest(f"{row_id}:{code}"),
            attempts=0,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
    )
    return code


def _consume_code(session: Session, user_id: str, purpose: str, code: str, now: datetime) -> bool:
    """True when ``code`` is the live code of this user and purpose; each wrong try counts,
    and the code dies after MAX_CODE_ATTEMPTS."""
    row = session.scalar(
        select(EmailCode)
        .where(
            EmailCode.user_id == user_id,
            EmailCode.purpose == purpose,
            EmailCode.consumed_at.is_(None),
            EmailCode.expires_at > now,
        )
        .order_by(EmailCode.created_at.desc())
        .limit(1)
        .with_for_update()
    )
    if row is None:
        return False
    if not matches(f"{row.id}:{code.strip()}", row.secret_hash):
        row.attempts += 1
        if row.attempts >= MAX_CODE_ATTEMPTS:
            row.consumed_at = now
        return False
    consumed = session.execute(
        update(EmailCode).where(EmailCode.id == row.id, EmailCode.consumed_at.is_(None)).values(consumed_at=now)
    ).rowcount  # type: ignore[attr-defined]
    return bool(consumed)


@counts_sign_in("password")
def login_with_password(ctx: Context, email: str, password: str, user_agent: str | None = None) -> str:
    """A session token for the right e-mail and password; raises Unauthenticated otherwise,
    in the same time whether or not the account exists, and PasswordLoginLocked while
    password sign-in for the address is paused (a pause never checks the password)."""
    signin.check_not_required(ctx, email)  # SPEC §11: an SSO-only domain refuses passwords
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        lockouts.check(uow.session, email, now)
        user = repo.user_by_email(uow.session, email)
        stored = user.password_hash if user else None
        user_id = user.id if user else None
    if not verify_password(password, stored) or user_id is None:
        with ctx.uow() as uow:
            state = lockouts.record_failure(uow.session, email, now)
            uow.commit()
        lockout.check(state, now)  # this failure may have started a pause: say so now
        raise Unauthenticated("The e-mail or password is not right.")
    with ctx.uow() as uow:
        lockouts.clear(uow.session, email)
        token = sessions.start(uow, user_id, now, user_agent)
        uow.commit()
    return token


def send_login_code(ctx: Context, email: str) -> None:
    """E-mail a sign-in code if the account exists; do nothing visible otherwise."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        user = repo.user_by_email(uow.session, email)
        if user is None:
            return
        code = _issue_code(ctx, uow, user, LOGIN, now)
        _mail(ctx, uow, "login_code", user, "Your {app} sign-in code", code=code)
        uow.commit()


@counts_sign_in("email_code")
def login_with_code(ctx: Context, email: str, code: str, user_agent: str | None = None) -> str:
    """A session token for a live sign-in code; the code also proves the address. Raises
    InvalidCode, SsoRequired."""
    signin.check_not_required(ctx, email)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        user = repo.user_by_email(uow.session, email)
        valid = user is not None and _consume_code(uow.session, user.id, LOGIN, code, now)
        if user is None or not valid:
            uow.commit()  # keep the attempt count
            raise InvalidCode()
        user.email_verified = True
        lockouts.clear(uow.session, user.email)
        token = sessions.start(uow, user.id, now, user_agent)
        uow.commit()
    return token


def send_verification_code(ctx: Context, user_id: str) -> None:
    now = ctx.clock.now()
    with ctx.uow() as uow:
        user = repo.user(uow.session, user_id)
        if user.email_verified:
            return
        code = _issue_code(ctx, uow, user, VERIFY, now)
        _mail(ctx, uow, "verify_email", user, "Confirm your e-mail for {app}", code=code)
        uow.commit()


def verify_email(ctx: Context, user_id: str, code: str) -> None:
    """Mark the address verified; raises InvalidCode."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        user = repo.user(uow.session, user_id)
        if user.email_verified:
            return
        if not _consume_code(uow.session, user.id, VERIFY, code, now):
            uow.commit()
            raise InvalidCode()
        user.email_verified = True
        user.updated_at = now
        uow.commit()


def notify_existing_account(ctx: Context, email: str) -> None:
    """Sign-up with a registered address: tell its owner (not the person at the form)."""
    with ctx.uow() as uow:
        user = repo.user_by_email(uow.session, email)
        if user is None:
            return
        login_url = f"{ctx.settings.public_url}/login"
        reset_url = f"{ctx.settings.public_url}/forgot-password"
        _mail(
            ctx,
            uow,
            "account_exists",
            user,
            "You already have a {app} account",
            login_url=login_url,
            reset_url=reset_url,
        )
        uow.commit()


def request_password_reset(ctx: Context, email: str) -> None:
    """E-mail a reset link if the account exists; do nothing visible otherwise."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        user = repo.user_by_email(uow.session, email)
        if user is None:
            return
        uow.session.execute(
            update(EmailCode)
            .where(EmailCode.user_id == user.id, EmailCode.purpose == RESET, EmailCode.consumed_at.is_(None))
            .values(consumed_at=now)
        )
        token = new_secret()
        uow.session.add(
            EmailCode(
                id=new_id("otc"),
                user_id=user.id,
                purpose=RESET,
                secret_hash=digest(token),
                attempts=0,
                created_at=now,
                expires_at=now + RESET_LIFETIME,
            )
        )
        reset_url = f"{ctx.settings.public_url}/reset-password?{urlencode({'token': token})}"
        _mail(ctx, uow, "reset_password", user, "Reset your {app} password", reset_url=reset_url)
        uow.commit()


def check_reset_link(ctx: Context, token: str) -> None:
    """Raises InvalidResetLink unless ``token`` is a live reset link."""
    with ctx.uow(readonly=True) as uow:
        if _live_reset(uow.session, token, ctx.clock.now()) is None:
            raise InvalidResetLink()


def _live_reset(session: Session, token: str, now: datetime) -> EmailCode | None:
    return session.scalar(
        select(EmailCode).where(
            EmailCode.secret_hash == digest(token),
            EmailCode.purpose == RESET,
            EmailCode.consumed_at.is_(None),
            EmailCode.expires_at > now,
        )
    )


@counts_sign_in("reset_link")
def reset_password(ctx: Context, token: str, password: str, user_agent: str | None = None) -> str:
    """Set a new password from a reset link, end every other session, and sign in.
    Raises InvalidResetLink and InvalidArgument (password policy)."""
    check_password_policy(password)
    password_hash = hash_password(password)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        row = _live_reset(uow.session, token, now)
        if row is None:
            raise InvalidResetLink()
        consumed = uow.session.execute(
            update(EmailCode).where(EmailCode.id == row.id, EmailCode.consumed_at.is_(None)).values(consumed_at=now)
        ).rowcount  # type: ignore[attr-defined]
        if not consumed:
            raise InvalidResetLink()
        user = repo.user(uow.session, row.user_id)
        user.password_hash = password_hash
        user.email_verified = True  # the link reached their mailbox
        user.updated_at = now
        sessions.end_all_for_user(uow.session, user.id)
        lockouts.clear(uow.session, user.email)
        session_token = sessions.start(uow, user.id, now, user_agent)
        uow.commit()
    return session_token
