"""The second-factor stage of the one sign-in pipeline (login.py): method → **second factor
when the policy asks** → organization → session.

``hold_if_needed`` runs where a method would start a session: when the policy asks for a
second factor (domain/mfa.py) it stores a *pending sign-in* instead and returns its token as
a ``PendingToken`` — a string the pages put in their own cookie, which never resolves to a
session. ``finish`` accepts a code for the pending sign-in's own user (never whoever else
the browser is signed in as) and, in one transaction, enrols the authenticator first when
the user had none, deletes the pending state (single use, by one conditional DELETE) and
starts the session with ``amr`` ``[…, otp, mfa]`` and the MFA ``acr``. ``finish_with_key``
does the same with a security key's answer (``[…, hwk, mfa]``), and ``enrol_key`` with a
new security key when the user must enrol. A pending sign-in lives PENDING_LIFETIME and
dies after MAX_ATTEMPTS wrong codes or key answers (the password still works: sign in again).

``step_up``: an application asks for MFA (``acr_values``) of a single-factor session; the
same pending state, which replaces that session when finished.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import BrowserSession, PendingSignIn
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain import mfa as rules
from tenantry.server.domain.secrets import digest, new_secret
from tenantry.server.services.identity import factors, security_keys, sessions
from tenantry.server.services.integration import webhook_secrets

PENDING_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5


class PendingToken(str):
    """The token of a sign-in waiting for its second factor: not a session token."""

    __slots__ = ()


@dataclass(frozen=True)
class Pending:
    """What the second-factor page needs: whose sign-in, and whether to enrol first."""

    user_id: str
    email: str
    step: rules.SecondFactorStep
    enrolment: factors.Enrolment | None
    totp: bool = False
    security_keys: int = 0


@dataclass(frozen=True)
class Finished:
    session_token: str
    recovery_codes: list[str] | None  # set when this sign-in enrolled the authenticator: show once


def hold_if_needed(
    uow: UnitOfWork,
    user_id: str,
    now: datetime,
    user_agent: str | None,
    organization_id: str | None,
    amr: list[str],
    *,
    step_up: bool = False,
    replaces_session_id: str | None = None,
) -> PendingToken | None:
    """A pending sign-in's token when the policy asks this user for a second factor (or
    ``step_up``), else None (start the session now). A method that is multi-factor by
    itself (a passkey with user verification: ``mfa`` in its amr) is never held."""
    current = factors.policy(uow.session)
    if "mfa" in amr or current is rules.MfaPolicy.OFF:  # nothing can be asked: spare the look-ups below
        return None
    step = rules.second_factor_step(
        current,
        factors.organization_requires(uow.session, user_id),
        factors.enrolled(uow.session, user_id),
        step_up=step_up,
    )
    if step is rules.SecondFactorStep.NONE:
        return None
    uow.session.execute(delete(PendingSignIn).where(PendingSignIn.expires_at <= now))  # keep the table small
    token = new_secret()
    uow.session.add(
        PendingSignIn(
            token_hash=digest(token),
            user_id=user_id,
            organization_id=organization_id,
            user_agent=(user_agent or "")[:300] or None,
            amr=list(amr),
            replaces_session_id=replaces_session_id,
            attempts=0,
            created_at=now,
            expires_at=now + PENDING_LIFETIME,
        )
    )
    return PendingToken(token)


def _live(uow: UnitOfWork, token: str | None, now: datetime, *, for_update: bool = False) -> PendingSignIn | None:
    if not token:
        return None
    stmt = select(PendingSignIn).where(PendingSignIn.token_hash == digest(token), PendingSignIn.expires_at > now)
    return uow.session.scalar(stmt.with_for_update() if for_update else stmt)


def pending(ctx: Context, token: str | None) -> Pending | None:
    """The live pending sign-in behind ``token`` (None: unknown, expired or finished). When
    the user must enrol, an enrolment is started (or the one in progress shown again)."""
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        row = _live(uow, token, now)
        if row is None:
            return None
        user_id = row.user_id
        email = repo.user(uow.session, user_id).email
        totp = factors.confirmed_factor(uow.session, user_id) is not None
        keys = factors.security_key_count(uow.session, user_id)
    if totp or keys:
        return Pending(user_id, email, rules.SecondFactorStep.VERIFY, None, totp, keys)
    enrolment = factors.enrolment_of(ctx, user_id) or factors.begin_enrolment(ctx, user_id)
    return Pending(user_id, email, rules.SecondFactorStep.ENROL, enrolment)


def finish(ctx: Context, token: str | None, code: str) -> Finished:
    """Finish a pending sign-in with a code of its user: a TOTP or recovery code, or, while
    enrolling, the authenticator's first code. Returns the new session. Raises
    SignInExpired (unknown, expired, finished, or too many wrong codes) and
    InvalidSecondFactor (the pending sign-in stays for another try)."""
    webhook_secrets.ready(ctx)

    def accept(session: Session, user_id: str) -> list[str] | None:
        if not factors.enrolled(session, user_id):  # enrolling: the authenticator's first code
            return factors.accept_enrolment(ctx, session, user_id, code)
        return [] if factors.check(ctx, session, user_id, code) is not None else None

    return _finish(ctx, token, accept, "otp", rules.InvalidSecondFactor())


def finish_with_key(ctx: Context, token: str | None, browser: str, credential_json: str) -> Finished:
    """Finish a pending sign-in with a security key's answer to this browser's challenge
    (``key_options``), signed by one of the pending user's keys. Raises SignInExpired,
    SecurityKeyRefused (counted like a wrong code)."""
    user_id = _user_of(ctx, token)
    try:
        given = security_keys.answer(ctx, user_id, browser, credential_json)
    except rules.SecurityKeyRefused:
        _count_failure(ctx, token)
        raise

    def accept(session: Session, user_id: str) -> list[str] | None:
        return [] if security_keys.check(ctx, session, user_id, given) else None

    return _finish(ctx, token, accept, "hwk", rules.SecurityKeyRefused())


def enrol_key(ctx: Context, token: str | None, browser: str, credential_json: str, name: str) -> Finished:
    """Finish a pending sign-in that must enrol by registering a security key (answer to
    ``key_registration_options``); returns the session and the recovery codes. Raises
    SignInExpired, SecurityKeyRefused (counted like a wrong code), ValidationError (name)."""
    user_id = _user_of(ctx, token)
    try:
        key = security_keys.checked_registration(ctx, user_id, browser, credential_json, name)
    except rules.SecurityKeyRefused:
        _count_failure(ctx, token)
        raise

    def accept(session: Session, user_id: str) -> list[str] | None:
        return None if factors.enrolled(session, user_id) else security_keys.keep(ctx, session, user_id, key)

    return _finish(ctx, token, accept, "hwk", rules.SecurityKeyRefused())


def key_options(ctx: Context, token: str | None, browser: str) -> str:
    """The options for a security key's answer at the second-factor step (JSON)."""
    return security_keys.assertion_options(ctx, _user_of(ctx, token), browser)


def key_registration_options(ctx: Context, token: str | None, browser: str) -> str:
    """The options for registering a security key while a sign-in must enrol (JSON). Raises
    SignInExpired, SecurityKeyRefused (the user has a factor already: no enrolment)."""
    user_id = _user_of(ctx, token)
    with ctx.uow(readonly=True) as uow:
        if factors.enrolled(uow.session, user_id):
            raise rules.SecurityKeyRefused()
    return security_keys.registration_options(ctx, user_id, browser)


def _user_of(ctx: Context, token: str | None) -> str:
    with ctx.uow(readonly=True) as uow:
        row = _live(uow, token, ctx.clock.now())
        if row is None:
            raise rules.SignInExpired()
        return row.user_id


def _finish(
    ctx: Context,
    token: str | None,
    accept: Callable[[Session, str], list[str] | None],
    method: str,
    refused: Exception,
) -> Finished:
    """In one transaction: ``accept`` the second factor for the pending sign-in's own user
    (None: refused, counted; else the recovery codes to show, when it enrolled), end the
    pending sign-in (once) and start the session with ``method`` + ``mfa`` in its amr."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        row = _live(uow, token, now, for_update=True)
        if row is None:
            raise rules.SignInExpired()
        recovery_codes = accept(uow.session, row.user_id)
        if recovery_codes is None:
            uow.commit()  # what was used stays used; the failure is counted below
            _count_failure(ctx, token)
            raise refused
        if not uow.session.execute(delete(PendingSignIn).where(PendingSignIn.token_hash == row.token_hash)).rowcount:  # type: ignore[attr-defined]
            raise rules.SignInExpired()  # finished meanwhile by another request
        if row.replaces_session_id:
            uow.session.execute(delete(BrowserSession).where(BrowserSession.id == row.replaces_session_id))
        amr = rules.amr_with_second_factor(list(row.amr), method)
        session_token = sessions.start(uow, row.user_id, now, row.user_agent, row.organization_id, amr=amr)
        uow.commit()
    return Finished(session_token, recovery_codes or None)


def _count_failure(ctx: Context, token: str | None) -> None:
    with ctx.uow() as uow:
        row = _live(uow, token, ctx.clock.now(), for_update=True)
        if row is not None:
            row.attempts += 1
            if row.attempts >= MAX_ATTEMPTS:
                uow.session.delete(row)
        uow.commit()


def cancel(ctx: Context, token: str | None) -> None:
    if token:
        with ctx.uow() as uow:
            uow.session.execute(delete(PendingSignIn).where(PendingSignIn.token_hash == digest(token)))
            uow.commit()


def needs_step_up(ctx: Context, session: sessions.SessionView, acr_values: str | None) -> bool:
    """Whether an application's ``acr_values`` ask for MFA this single-factor session lacks
    (never when the environment's MFA is off: then no factor can be asked)."""
    if not rules.wants_mfa(acr_values) or session.acr == rules.ACR_MFA:
        return False
    with ctx.uow(readonly=True) as uow:
        return factors.policy(uow.session) is not rules.MfaPolicy.OFF


def step_up(ctx: Context, session_token: str | None, user_agent: str | None) -> PendingToken | None:
    """A pending sign-in that will replace the signed-in session by an MFA one; None when
    there is no session or MFA is off."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        row = uow.session.get(BrowserSession, digest(session_token)) if session_token else None
        if row is None or row.expires_at <= now:
            return None
        held = hold_if_needed(
            uow,
            row.user_id,
            now,
            user_agent,
            row.organization_id,
            [m for m in (row.amr or ["pwd"]) if m != "mfa"],
            step_up=True,
            replaces_session_id=row.id,
        )
        uow.commit()
    return held
