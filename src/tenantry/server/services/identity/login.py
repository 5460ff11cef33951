"""Signing in, as one pipeline: method → second factor → policy → organization → session.

- Methods: password, e-mailed one-time code, password reset, and a new account (sign-up or
  an accepted invitation: ``open_session``). The hosted pages call these; every one ends in
  ``_sign_in``, which picks the session's organization (the one named, else the earliest
  active membership; never a suspended one) and starts the session — unless the MFA policy
  asks for a second factor: then it returns a ``mfa.PendingToken`` instead, and the session
  starts when ``mfa.finish`` accepts the code (mfa.py). Methods kept in their own modules end
  there too, through ``complete_sign_in`` (passkeys.py, magic_links.py, social_login.py).
- Policy and organization for an application's sign-in request (``authorize``, called by
  the OpenID provider's authorize endpoint): is the session fresh enough (``max_age``,
  ``prompt=login``), may a page be shown (``prompt=none``), which organization the tokens
  will name (``choose_organization``: the hint, the only one, the current one when no page
  may be shown, or ask), and the session's current organization follows that choice.

No answer says whether an e-mail is registered: unknown addresses get the same reply
(and, for passwords, the same argon2 time) as known ones; the hosted pages ask for the
e-mails through services/identity/mail_requests.py, which writes them after answering.
Codes are 6 digits, live 10 minutes, allow 5 tries, are consumed by one conditional UPDATE,
and are stored as HMACs under a key kept outside the database (``server_secrets.code_key``).
A code or reset link used on an account never verified takes it over for the mailbox's owner (``proof.take_over``).
The password of such an account opens nothing (``ProveAddress``): anybody may have typed the
address at sign-up, so its code step (``finish_sign_up``) comes first, as after a hosted sign-up.
A hosted sign-up with a registered address leaves a pending sign-up (pending_signups.py) whose
password reaches that same step, for the same single argon2 computation.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import bindparam, literal_column, select, true, update
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import EmailCode, EmailRecord, LoginLockout, PendingSignUp, User
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain import lockout
from tenantry.server.domain.domains import email_domain
from tenantry.server.domain.errors import TenantryError, Unauthenticated
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.memberships import MembershipStatus
from tenantry.server.domain.passwords import (
    check_password_policy,
    hash_password,
    matching,
    matching_later,
)
from tenantry.server.domain.secrets import digest, keyed_digest, new_secret
from tenantry.server.domain.types import email_key
from tenantry.server.email.message import render
from tenantry.server.observability.metrics import counts_sign_in
from tenantry.server.services.directory import domains, environment
from tenantry.server.services.federation import signin
from tenantry.server.services.identity import lockouts, mfa, pending_signups, proof, sessions
from tenantry.server.services.identity.sessions import SessionView
from tenantry.server.services.integration import server_secrets
from tenantry.server.services.read_models.views import UserView

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
    """In ``uow``: the e-mail to ``user``; for a ``stand_in`` the same work, then thrown away."""
    settings = environment.load(uow.session)
    message = render(
        kind,
        to=user.email,
        subject=subject.format(app=settings.branding.app_name),
        branding=settings.branding,
        meta_name=settings.organization_meta_name,
        **variables,
    )
    if user in uow.session:
        ctx.mailer.enqueue(uow, message)
        return
    row = EmailRecord(id=new_id("eml"), kind=kind, to_address=user.email, subject="", status="discarded")
    row.created_at, row.body_text = ctx.clock.now(), message.text
    uow.session.add(row)
    uow.session.flush()  # the INSERT a real message costs ...
    uow.session.delete(row)
    uow.session.flush()  # ... and gone again in the same transaction


def stand_in(email: str) -> User:
    """An unsaved account for an address nobody registered. The after-answer e-mail work of
    the enumeration-safe pages (mail_requests.py) runs for it as for a real account — the
    same statements, digest and rendering — and keeps nothing, so that work costs an unknown
    address what it costs a registered one: it shares the processor with whatever request
    comes next, whose time would tell them apart otherwise (bench/enumeration_profile.py)."""
    return User(id=new_id("usr"), email=email)


def _issue_code(
    ctx: Context, uow: UnitOfWork, user: User, purpose: str, now: datetime, code: str | None = None, **link: Any
) -> str:
    """A fresh 6-digit code for ``purpose`` (``code``: one derived by the caller, with the
    ``link`` columns of a magic link); earlier unused ones of that purpose stop working."""
    uow.session.execute(
        update(EmailCode)
        .where(EmailCode.user_id == user.id, EmailCode.purpose == purpose, EmailCode.consumed_at.is_(None))
        .values(consumed_at=now)
    )
    code = code or f"{secrets.randbelow(10**6):06d}"
    row_id = new_id("otc")
    row = EmailCode(
        id=row_id,
        user_id=user.id,
        purpose=purpose,
        secret_hash=keyed_digest(server_secrets.code_key(ctx), f"{row_id}:{code}"),
        attempts=0,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
        **link,
    )
    if user in uow.session:  # a stand_in's code is computed like any, and kept nowhere
        uow.session.add(row)
    return code


def _consume_code(ctx: Context, session: Session, user_id: str, purpose: str, code: str, now: datetime) -> bool:
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
    expected = keyed_digest(server_secrets.code_key(ctx), f"{row.id}:{code.strip()}")
    if not hmac.compare_digest(expected, row.secret_hash):
        row.attempts += 1
        if row.attempts >= MAX_CODE_ATTEMPTS:
            row.consumed_at = now
        return False
    consumed = session.execute(
        update(EmailCode).where(EmailCode.id == row.id, EmailCode.consumed_at.is_(None)).values(consumed_at=now)
    ).rowcount  # type: ignore[attr-defined]
    return bool(consumed)


@dataclass(frozen=True)
class ProveAddress:
    """The password was right, but the account's address was never proved: anybody may
    have typed it at sign-up (SPEC §3). No session, no second factor: the code e-mailed to
    the address (``finish_sign_up``) is the way in, as after a hosted sign-up. Also the
    answer to the password of a pending sign-up (``user_id`` then names it): the step a
    sign-up with a new address leads to. The caller asks for the code's e-mail
    (``sign_up_code_mail``, after its answer)."""

    user_id: str
    email: str


def login_with_password(ctx: Context, email: str, password: str, user_agent: str | None = None) -> str | ProveAddress:
    """A session token for the right e-mail and password of a verified account, or
    ``ProveAddress`` for an account never verified and for the password of a pending
    sign-up of the address (the caller e-mails the code). Raises Unauthenticated
    otherwise, in the same time whether or not the account exists and however many pending
    sign-ups it has (one argon2 computation: ``passwords.matching``), SsoRequired, and
    PasswordLoginLocked while password sign-in for the address is paused (a pause never
    checks the password). The three steps of ``begin_password``, ``attempt.matching`` and
    ``finish_password``, on this thread."""
    attempt = begin_password(ctx, email)
    opened = finish_password(ctx, attempt, matching(password, attempt.hashes), user_agent)
    return opened if isinstance(opened, ProveAddress) else opened.token


@dataclass(frozen=True)
class PasswordAttempt:
    """What a password sign-in read before its one argon2 computation (``begin_password``):
    the ``hashes`` to check the password against (``passwords.matching``: the account's,
    then its live pending sign-ups'), and for the steps after it the account (``id``,
    ``email``, ``email_verified``; None for an unknown address) and whether an organization
    verified the address's domain (``domain_owned``: else no domain-join offer to read).
    ``sso``: the identity provider discovery sends the address to instead (nothing else was read)."""

    email: str
    now: datetime
    hashes: list[str | None]
    account: Any = None
    pending_ids: tuple[str, ...] = ()
    failures_stored: bool = False
    domain_owned: bool = False
    sso: str | None = None

    def matching_later(self, password: str) -> Future[int | None]:
        """``passwords.matching`` of ``password`` and ``hashes``, on the hashing pool: for
        an event loop to await (``asyncio.wrap_future``) rather than a thread to block on."""
        return matching_later(password, self.hashes)

    def matching(self, password: str) -> int | None:
        """``passwords.matching`` of ``password`` and ``hashes``: computed on this thread when
        it is one of the hashing pool's (``passwords.on_hashing_pool``)."""
        return matching(password, self.hashes)


def begin_password(
    ctx: Context, email: str, *, discover: bool = False, gate: Callable[[], None] | None = None
) -> PasswordAttempt:
    """The reads before a password sign-in's argon2 computation, on one connection (issue
    18): with ``discover``, the enabled SSO connection of the address's domain (home-realm
    discovery, SPEC §11; then only ``sso`` is set); then ``gate`` (the page's rate limit);
    the SSO requirement (SsoRequired); the lock-out (PasswordLoginLocked: a pause never
    checks the password); the account and its live pending sign-ups, by the same statements
    whether or not the account exists: one statement (issue 18: were four), read before
    ``gate`` and the checks, which only act on what it found."""
    now = ctx.clock.now()
    values = {
        "domain": signin.route_domain(email),
        "lockout_key": lockouts.key(email),
        "key": email_key(email),
        "address_hash": pending_signups.address_hash(ctx, email),
        "now": now,
    }
    with ctx.read() as connection:
        rows = connection.execute(_PASSWORD_READ, values).all()
    route = rows[0] if rows[0].sso_required is not None else None  # never NULL in an owner's row
    if discover and route is not None and route.connection_id:
        return PasswordAttempt(email, now, [], sso=str(route.connection_id))
    if gate is not None:
        gate()
    return _read_password(email, now, route, rows)


@counts_sign_in("password", success=False)  # finish_password counts the outcome
def _read_password(email: str, now: datetime, route: Any, rows: Sequence[Any]) -> PasswordAttempt:
    signin.refuse_if_required(route)  # SPEC §11: an SSO-only domain refuses passwords
    failures_stored = lockouts.check_stored(rows[0], now)  # PasswordLoginLocked: the password is never checked
    account = rows[0] if rows[0].id is not None else None
    pending = [row for row in rows if row.pending_id is not None]
    hashes = [account.password_hash if account else None, *(row.pending_hash for row in pending)]
    pending_ids = tuple(row.pending_id for row in pending)
    # No organization verified the domain typed (the account's, unless spelt otherwise): no offer to read.
    owned = route is not None or (account is not None and email_domain(account.email) != email_domain(email))
    return PasswordAttempt(email, now, hashes, account, pending_ids, failures_stored, owned)


@dataclass(frozen=True)
class Opened:
    """A password sign-in's session token (or ``mfa.PendingToken``), with what
    ``after_sign_in`` would have said (``holder``) when ``finish_password`` was asked for it."""

    token: str
    holder: SignedIn | None = None


@counts_sign_in("password")
def finish_password(
    ctx: Context, attempt: PasswordAttempt, matched: int | None, user_agent: str | None, *, after: bool = False
) -> Opened | ProveAddress:
    """The steps after the argon2 computation (``matched``: ``passwords.matching`` of the
    password and ``attempt.hashes``), in one write transaction: a failure counted toward the
    lock-out (Unauthenticated, or PasswordLoginLocked when it starts a pause), the code step
    (``ProveAddress``), or the session (``_sign_in``: organization, second factor, session,
    ``user.login``). ``after``: also what ``after_sign_in`` does, its ``auto`` domain-join
    offers read in the same transaction (the account is verified here), then joined."""
    email, now, account = attempt.email, attempt.now, attempt.account
    if matched is None or account is None:
        with ctx.uow() as uow:
            state = lockouts.record_failure(uow.session, email, now)
            uow.commit()
        lockout.check(state, now)  # this failure may have started a pause: say so now
        raise Unauthenticated("The e-mail or password is not right.")
    if matched > 0:  # the password typed at a sign-up with this registered address: its code step
        return ProveAddress(attempt.pending_ids[matched - 1], email)
    if not account.email_verified:  # a password alone never acts for an address nobody proved (SPEC §3)
        return ProveAddress(account.id, email)
    found: list[domains.Offer] = []
    with ctx.uow() as uow:
        # The password argon2 checked must still be the account's: a reset or a change that
        # committed during the computation ends the old password (SPEC §3), which must not
        # open a session afterwards. Locked on PostgreSQL: a reset committing after this
        # transaction then ends the session it opens, as it ends every other one.
        if (
            uow.session.connection().execute(_SAME_PASSWORD, {"id": account.id, "hash": account.password_hash}).first()
            is None
        ):
            raise Unauthenticated("The e-mail or password is not right.")
        if attempt.failures_stored:  # none stored a moment ago: nothing to forget (one since then stays counted)
            lockouts.clear(uow.session, email)
        token = _sign_in(uow, account.id, now, user_agent, amr=["pwd"])
        if after and attempt.domain_owned and not isinstance(token, mfa.PendingToken):
            found = domains.offers_in(uow.session, account, "auto")  # SPEC §10
        uow.commit()
    if not after:
        return Opened(token)
    if found:
        domains.join_automatically(ctx, account.id, found)
    return Opened(token, None if isinstance(token, mfa.PendingToken) else SignedIn(account.id, True))


_USERS = User.__table__.c
_SAME_PASSWORD = (
    select(_USERS.id).where(_USERS.id == bindparam("id"), _USERS.password_hash == bindparam("hash")).with_for_update()
)
# What a password sign-in needs of the account, built once, read on the connection (issue 18).
_PENDING = PendingSignUp.__table__.c
_LOCKOUTS = LoginLockout.__table__.c
# What a password sign-in reads before argon2: one row (the domain's owner, the lock-out and
# the account, NULL where none) per live pending sign-up of the account, at least one.
_ROUTE = signin.ROUTE_OF_DOMAIN.subquery("route")
_PASSWORD_READ = (
    select(
        _ROUTE.c.sso_required,
        _ROUTE.c.connection_id,
        *lockouts.STATE_COLUMNS,
        _USERS.id,
        _USERS.email,
        _USERS.password_hash,
        _USERS.email_verified,
        _PENDING.id.label("pending_id"),
        _PENDING.password_hash.label("pending_hash"),
    )
    .select_from(
        select(literal_column("1").label("one"))
        .subquery("one_row")
        .outerjoin(_ROUTE, true())
        .outerjoin(LoginLockout.__table__, _LOCKOUTS.email_key == bindparam("lockout_key"))
        .outerjoin(User.__table__, _USERS.email_key == bindparam("key"))
        .outerjoin(PendingSignUp.__table__, pending_signups.live_of(_USERS.id))
    )
    .order_by(*pending_signups.NEWEST_FIRST)
    .limit(pending_signups.PASSWORDS_PER_ADDRESS)
)


def login_code_mail(ctx: Context, uow: UnitOfWork, email: str) -> None:
    """In ``uow``: a sign-in code and its e-mail, if the account exists (else the same work for a ``stand_in``)."""
    user = repo.user_by_email(uow.session, email) or stand_in(email)
    code = _issue_code(ctx, uow, user, LOGIN, ctx.clock.now())
    _mail(ctx, uow, "login_code", user, "Your {app} sign-in code", code=code)


@counts_sign_in("email_code")
def login_with_code(ctx: Context, email: str, code: str, user_agent: str | None = None) -> str:
    """A session token for a live sign-in code; the code also proves the address. Raises
    InvalidCode, SsoRequired."""
    signin.check_not_required(ctx, email)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        user = repo.user_by_email(uow.session, email)
        valid = user is not None and _consume_code(ctx, uow.session, user.id, LOGIN, code, now)
        if user is None or not valid:
            uow.commit()  # keep the attempt count
            raise InvalidCode()
        proof.take_over(uow.session, user, now)  # the code reached the mailbox (SPEC §3)
        lockouts.clear(uow.session, user.email)
        token = _sign_in(uow, user.id, now, user_agent, amr=["otp"])
        uow.commit()
    return token


def send_verification_code(ctx: Context, user_id: str, *, on_login: bool = False) -> None:
    """E-mail a code that confirms the address of an unverified account. ``on_login``: sent
    because the account signed in; then nothing is sent while an earlier code still works,
    nor past VERIFY_ON_LOGIN_PER_DAY a day (whoever knows the password must not flood the
    mailbox by signing in again and again)."""
    with ctx.uow() as uow:
        _verification_mail(ctx, uow, repo.user(uow.session, user_id, for_update=on_login), fresh=not on_login)
        uow.commit()


def _verification_mail(ctx: Context, uow: UnitOfWork, user: User, *, fresh: bool) -> None:
    """In ``uow``: a code confirming ``user``'s address and its e-mail (not ``fresh``: only
    when no earlier code still works, and at most VERIFY_ON_LOGIN_PER_DAY a day)."""
    now = ctx.clock.now()
    if user.email_verified:
        return
    if not fresh and _verification_sent_recently(uow.session, user.id, now):
        return
    code = _issue_code(ctx, uow, user, VERIFY, now)
    _mail(ctx, uow, "verify_email", user, "Confirm your e-mail for {app}", code=code)


def sign_up_code_mail(ctx: Context, uow: UnitOfWork, email: str, sign_up_id: str, *, fresh: bool) -> None:
    """In ``uow`` (after the answer: mail_requests.py): the code of a hosted sign-up's code
    step, for the account it made (``verify_email``) or for a pending sign-up of a registered
    address (``account_exists``, naming the code: someone tried to sign up with the address).
    ``fresh``: a new code even if one still works (the page's "send it again"); else none
    while one works, and a bounded number a day."""
    if not pending_signups.is_pending(sign_up_id):
        user = uow.session.get(User, sign_up_id, with_for_update=True)
        if user is not None:
            _verification_mail(ctx, uow, user, fresh=fresh)
        return
    now = ctx.clock.now()
    row = uow.session.get(PendingSignUp, sign_up_id, with_for_update=True)
    if row is None or row.expires_at <= now or row.codes_sent >= pending_signups.CODES_PER_SIGN_UP:
        return
    if not fresh and row.code_expires_at is not None and row.code_expires_at > now and row.code_hash is not None:
        return
    code = pending_signups.new_code(ctx, row, now, CODE_LIFETIME)
    _account_exists(ctx, uow, repo.user(uow.session, row.user_id), code)


VERIFY_ON_LOGIN_PER_DAY = 5


def _verification_sent_recently(session: Session, user_id: str, now: datetime) -> bool:
    codes = select(EmailCode.created_at, EmailCode.consumed_at, EmailCode.expires_at).where(
        EmailCode.user_id == user_id, EmailCode.purpose == VERIFY, EmailCode.created_at > now - timedelta(days=1)
    )
    sent = session.execute(codes).all()
    live = any(row.consumed_at is None and row.expires_at > now for row in sent)
    return live or len(sent) >= VERIFY_ON_LOGIN_PER_DAY


def verify_email(ctx: Context, user_id: str, code: str) -> None:
    """Mark the address verified; raises InvalidCode."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        user = repo.user(uow.session, user_id)
        if user.email_verified:
            return
        if not _consume_code(ctx, uow.session, user.id, VERIFY, code, now):
            uow.commit()
            raise InvalidCode()
        user.email_verified = True
        user.updated_at = now
        uow.commit()


@dataclass(frozen=True)
class Finished:
    """A hosted sign-up's code step done: the session token (or ``mfa.PendingToken``), the
    account signed in, and whether it existed before the sign-up (a registered address)."""

    token: str
    user_id: str
    existing: bool


@counts_sign_in("sign_up_code")
def finish_sign_up(ctx: Context, sign_up_id: str, code: str, user_agent: str | None = None) -> Finished:
    """The code e-mailed at a hosted sign-up's code step proves the address and signs in the
    account it made — or, for a pending sign-up (pending_signups.py), the account the address
    already had, as an e-mailed sign-in code would: its password is left as it is and nothing
    is created. Raises InvalidCode (also for an id naming nothing), SsoRequired."""
    if pending_signups.is_pending(sign_up_id):
        return _finish_pending(ctx, sign_up_id, code, user_agent)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        user = uow.session.get(User, sign_up_id)
        if user is None or user.email_verified or not _consume_code(ctx, uow.session, user.id, VERIFY, code, now):
            uow.commit()  # keep the attempt count
            raise InvalidCode()
        user.email_verified = True
        user.updated_at = now
        token = _sign_in(uow, user.id, now, user_agent)
        uow.commit()
    return Finished(token, user.id, existing=False)


def _finish_pending(ctx: Context, pending_id: str, code: str, user_agent: str | None) -> Finished:
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        owner = uow.session.scalar(
            select(User.email)
            .join(PendingSignUp, PendingSignUp.user_id == User.id)
            .where(PendingSignUp.id == pending_id)
        )
    if owner is not None:
        signin.check_not_required(ctx, owner)  # as for an e-mailed sign-in code (SPEC §11)
    with ctx.uow() as uow:
        row = uow.session.get(PendingSignUp, pending_id, with_for_update=True)
        if row is None or row.expires_at <= now or row.code_hash is None or row.code_expires_at is None:
            raise InvalidCode()
        expected = keyed_digest(server_secrets.code_key(ctx), f"{row.id}:{code.strip()}")
        if row.code_expires_at <= now or not hmac.compare_digest(expected, row.code_hash):
            row.attempts += 1
            if row.attempts >= MAX_CODE_ATTEMPTS:
                row.code_hash = None
            uow.commit()  # keep the attempt count
            raise InvalidCode()
        user = repo.user(uow.session, row.user_id, for_update=True)
        pending_signups.forget_all(uow.session, user.id)  # this one used up, the others moot
        proof.take_over(uow.session, user, now)  # the code reached the mailbox (SPEC §3)
        lockouts.clear(uow.session, user.email)
        token = _sign_in(uow, user.id, now, user_agent, amr=["otp"])
        uow.commit()
    return Finished(token, user.id, existing=True)


def account_exists_mail(ctx: Context, uow: UnitOfWork, email: str) -> None:
    """In ``uow``: the "you already have an account" e-mail, if the account exists (a
    request queued by a version before pending sign-ups; they now carry a code)."""
    user = repo.user_by_email(uow.session, email)
    if user is not None:
        _account_exists(ctx, uow, user, None)


def _account_exists(ctx: Context, uow: UnitOfWork, user: User, code: str | None) -> None:
    _mail(
        ctx,
        uow,
        "account_exists",
        user,
        "You already have a {app} account",
        code=code,
        login_url=f"{ctx.settings.public_url}/login",
        reset_url=f"{ctx.settings.public_url}/forgot-password",
    )


def reset_mail(ctx: Context, uow: UnitOfWork, email: str) -> None:
    """In ``uow``: a reset link and its e-mail, if the account exists (else the same work for a ``stand_in``)."""
    now = ctx.clock.now()
    user = repo.user_by_email(uow.session, email) or stand_in(email)
    uow.session.execute(
        update(EmailCode)
        .where(EmailCode.user_id == user.id, EmailCode.purpose == RESET, EmailCode.consumed_at.is_(None))
        .values(consumed_at=now)
    )
    token = new_secret()
    row = EmailCode(
        id=new_id("otc"),
        user_id=user.id,
        purpose=RESET,
        secret_hash=digest(token),
        attempts=0,
        created_at=now,
        expires_at=now + RESET_LIFETIME,
    )
    if user in uow.session:
        uow.session.add(row)
    reset_url = f"{ctx.settings.public_url}/reset-password?{urlencode({'token': token})}"
    _mail(ctx, uow, "reset_password", user, "Reset your {app} password", reset_url=reset_url)


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
        proof.take_over(uow.session, user, now)  # the link reached the mailbox (SPEC §3)
        user.password_hash = password_hash
        user.updated_at = now
        sessions.end_all_for_user(uow.session, user.id, now)
        lockouts.clear(uow.session, user.email)
        session_token = _sign_in(uow, user.id, now, user_agent, amr=["pwd"])
        uow.commit()
    return session_token


def open_session(ctx: Context, user_id: str, user_agent: str | None = None, organization_id: str | None = None) -> str:
    """Sign ``user_id`` in after sign-up or accepting an invitation (into ``organization_id``);
    returns the cookie token."""
    with ctx.uow() as uow:
        token = _sign_in(uow, user_id, ctx.clock.now(), user_agent, organization_id)
        uow.commit()
    return token


def complete_sign_in(uow: UnitOfWork, user_id: str, now: datetime, user_agent: str | None, *, amr: list[str]) -> str:
    """The end of a method kept in its own module, whose proof (``amr``, RFC 8176) was
    checked in ``uow``: on through the rest of the pipeline."""
    return _sign_in(uow, user_id, now, user_agent, amr=amr)


@dataclass(frozen=True)
class SignedIn:
    user_id: str
    email_verified: bool


def after_sign_in(ctx: Context, token: str) -> SignedIn | None:
    """Right after a sign-in, for the page that goes on: whose live session ``token`` opened
    (None for a sign-in still waiting for its second factor), and the ``auto`` organizations
    a verified address joins (SPEC §10), read in one transaction, then joined. Only what the
    page needs: not the full user view of ``sessions.resolve``."""
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        user = sessions.live_user(uow.session, token, now)
        if user is None:
            return None
        found = domains.offers_in(uow.session, user, "auto") if user.email_verified else []
        signed_in = SignedIn(user.id, user.email_verified)
    if found:
        domains.join_automatically(ctx, signed_in.user_id, found)
    return signed_in


def _sign_in(
    uow: UnitOfWork,
    user_id: str,
    now: datetime,
    user_agent: str | None,
    organization_id: str | None = None,
    *,
    amr: list[str] | None = None,
) -> str:
    """The end of every method (``amr``: how it proved the user, RFC 8176): the
    organization, then the second factor when the policy asks (a ``mfa.PendingToken``,
    no session yet), else the session."""
    memberships = sessions.memberships_for_sign_in(uow.session, user_id)  # what its changes made them
    organization_id = organization_id or memberships.first_active()
    amr = amr or ["pwd"]
    held = mfa.hold_if_needed(uow, user_id, now, user_agent, organization_id, amr)
    if held is not None:
        return held
    return sessions.start(uow, user_id, now, user_agent, organization_id, amr=amr, memberships=memberships)


# --- policy and organization: an application's sign-in request (OpenID Connect) ---------


@dataclass(frozen=True)
class Proceed:
    """Signed in, fresh enough, organization chosen: issue the code for these."""

    user_id: str
    organization_id: str | None
    session_id: str
    auth_time: datetime


@dataclass(frozen=True)
class SignIn:
    """Show the sign-in page (``create``: the sign-up page), then come back."""

    create: bool = False


@dataclass(frozen=True)
class StepUp:
    """Ask the signed-in user for a second factor (``acr_values``), then come back."""


@dataclass(frozen=True)
class ChooseOrganization:
    """Show the organization switcher, then come back with the choice."""


@dataclass(frozen=True)
class Refuse:
    """Answer the application with this OAuth error (OIDC Core §3.1.2.6)."""

    error: str
    description: str


AuthorizeStep = Proceed | SignIn | StepUp | ChooseOrganization | Refuse


def choose_organization(
    user: UserView, current: str | None, hint: str | None, *, ask: bool, interactive: bool
) -> str | ChooseOrganization | Refuse | None:
    """The organization an application's tokens will name: the ``hint`` if the user is an
    active member of it (a hint they are not in is refused, never swapped for another);
    else the only active one; else ask (``ask`` forces it). When no page may be shown
    (``interactive`` false), the session's ``current`` organization stands in for asking.
    A user with no active organization signs in without one unless asked to choose."""
    active = [m.organization_id for m in user.memberships if m.status is MembershipStatus.ACTIVE]
    if hint is not None:
        if hint not in active:
            return Refuse("access_denied", "The user is not an active member of the requested organization.")
        if not ask:
            return hint
    if not ask and len(active) == 1:
        return active[0]
    if not interactive:
        if current in active and not ask:
            return current
        if not active and not ask:
            return None
        return Refuse("account_selection_required", "The user must choose an organization.")
    return ChooseOrganization()


def authorize(
    ctx: Context,
    session: SessionView | None,
    session_token: str | None,
    *,
    prompt: set[str],
    max_age: int | None,
    organization_hint: str | None,
    acr_values: str | None = None,
) -> AuthorizeStep:
    """Decide an application's sign-in request for the browser ``session`` (None: nobody
    signed in). ``prompt`` and ``max_age`` as in OIDC Core §3.1.2.1: ``none`` never shows a
    page, ``login`` and a session older than ``max_age`` seconds sign in again, ``create``
    opens sign-up, ``select_account`` asks for the organization; ``acr_values`` asking for
    MFA of a single-factor session steps up (mfa.py). On ``Proceed`` the session's current
    organization is the chosen one."""
    interactive = "none" not in prompt
    now = ctx.clock.now()
    too_old = session is not None and max_age is not None and (now - session.created_at).total_seconds() > max_age
    if session is None or too_old or "login" in prompt:
        if not interactive:
            return Refuse(
                "login_required", "The user is not signed in." if session is None else "The user must sign in again."
            )
        return SignIn(create="create" in prompt and session is None)
    if mfa.needs_step_up(ctx, session, acr_values):
        if not interactive:
            return Refuse("interaction_required", "The application asked for a second factor.")
        return StepUp()
    choice = choose_organization(
        session.user,
        session.organization_id,
        organization_hint,
        ask="select_account" in prompt,
        interactive=interactive,
    )
    if isinstance(choice, ChooseOrganization | Refuse):
        return choice
    if choice is not None and choice != session.organization_id and session_token:
        sessions.switch_organization(ctx, session_token, choice)
    return Proceed(session.user.id, choice, session.id, session.created_at)
