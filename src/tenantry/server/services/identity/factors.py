"""Users' second factors (SPEC §13): a TOTP authenticator, security keys
(services/identity/security_keys.py) and recovery codes.

Enrolment: ``begin_enrolment`` stores a new secret, unconfirmed (encrypted, bound to the
factor's id: services/integration/webhook_secrets.py), and ``confirm_enrolment`` accepts it
with a first code. The user's first factor, whichever kind, comes with 10 recovery codes,
shown once and kept as keyed digests (the e-mailed codes' key, which lives outside the
database: a copy of the rows alone cannot be brute-forced). Removing a factor or
regenerating the codes takes a fresh second factor (a ``Proof``: a code, or a security
key's answer); removing the last one while MFA is required must be confirmed. ``check``
is the one place a second-factor code is accepted: a TOTP code of a step later than the
last one used (one conditional UPDATE), or an unused recovery code (one conditional
UPDATE). Every change and every use is an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import segno
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import (
    Membership,
    MfaFactor,
    Organization,
    PendingSignIn,
    RecoveryCode,
    SecurityKey,
)
from tenantry.server.domain import mfa as rules
from tenantry.server.domain.errors import NotFound
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.secrets import keyed_digest
from tenantry.server.services.directory import environment
from tenantry.server.services.integration import events, server_secrets, webhook_secrets

TOTP = "totp"
SECURITY_KEY = "security_key"


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the secret as text, its otpauth URI, and a QR code."""

    secret: str
    uri: str
    qr_svg: str


@dataclass(frozen=True)
class FactorView:
    id: str
    kind: str
    created_at: datetime
    confirmed_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class MfaStatus:
    policy: rules.MfaPolicy
    enrolled: bool
    required: bool
    recovery_codes_left: int
    totp: bool = False
    security_keys: int = 0

    @property
    def factors(self) -> int:
        return int(self.totp) + self.security_keys


class Proof(Protocol):
    """A fresh second factor offered to confirm a change: a code, or a security key's answer."""

    def accepted(self, ctx: Context, session: Session, user_id: str) -> bool: ...


@dataclass(frozen=True)
class Code:
    """A TOTP or recovery code as a ``Proof``."""

    code: str

    def accepted(self, ctx: Context, session: Session, user_id: str) -> bool:
        return check(ctx, session, user_id, self.code) is not None


def policy(session: Session) -> rules.MfaPolicy:
    return rules.MfaPolicy(environment.load(session).mfa)


def organization_requires(session: Session, user_id: str) -> bool:
    """Whether an organization the user is an active member of requires MFA."""
    return bool(
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .join(Organization, Organization.id == Membership.organization_id)
            .where(
                Membership.user_id == user_id,
                Membership.accepted_at.is_not(None),
                Membership.deactivated_at.is_(None),
                Organization.mfa_required.is_(True),
            )
        )
    )


def confirmed_factor(session: Session, user_id: str) -> MfaFactor | None:
    return session.scalar(
        select(MfaFactor).where(MfaFactor.user_id == user_id, MfaFactor.confirmed_at.is_not(None)).limit(1)
    )


def security_key_count(session: Session, user_id: str) -> int:
    return int(session.scalar(select(func.count()).select_from(SecurityKey).where(SecurityKey.user_id == user_id)) or 0)


def enrolled(session: Session, user_id: str) -> bool:
    """Whether the user has a second factor: a confirmed authenticator or a security key."""
    return confirmed_factor(session, user_id) is not None or security_key_count(session, user_id) > 0


def _unconfirmed_factor(session: Session, user_id: str) -> MfaFactor | None:
    return session.scalar(
        select(MfaFactor).where(MfaFactor.user_id == user_id, MfaFactor.confirmed_at.is_(None)).limit(1)
    )


def status(ctx: Context, user_id: str) -> MfaStatus:
    with ctx.uow(readonly=True) as uow:
        current = policy(uow.session)
        totp = confirmed_factor(uow.session, user_id) is not None
        keys = security_key_count(uow.session, user_id)
        required = rules.mfa_required(current, organization_requires(uow.session, user_id))
        left = uow.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        )
        return MfaStatus(current, totp or keys > 0, required, int(left or 0), totp, keys)


def begin_enrolment(ctx: Context, user_id: str) -> Enrolment:
    """A new authenticator secret for the user, stored unconfirmed (replacing an earlier
    unconfirmed one). Raises MfaDisabled (policy off), MfaAlreadyEnrolled, NotFound."""
    secret = rules.new_totp_secret()
    factor_id = new_id("mfa")
    sealed = webhook_secrets.encrypt(ctx, factor_id, secret)  # before the transaction: may create the key
    now = ctx.clock.now()
    with ctx.uow() as uow:
        if policy(uow.session) is rules.MfaPolicy.OFF:
            raise rules.MfaDisabled()
        user = repo.user(uow.session, user_id, for_update=True)
        if confirmed_factor(uow.session, user_id) is not None:
            raise rules.MfaAlreadyEnrolled()
        uow.session.execute(delete(MfaFactor).where(MfaFactor.user_id == user_id, MfaFactor.confirmed_at.is_(None)))
        uow.session.add(MfaFactor(id=factor_id, user_id=user_id, kind=TOTP, secret_encrypted=sealed, created_at=now))
        issuer = environment.load(uow.session).branding.app_name
        email = user.email
        uow.commit()
    return enrolment_for(secret, email, issuer)


def enrolment_for(secret: str, account: str, issuer: str) -> Enrolment:
    """The secret as the enrolment page shows it: text, otpauth URI and QR code (inline SVG)."""
    uri = rules.totp_uri(secret, account, issuer)
    return Enrolment(secret, uri, segno.make(uri, error="m").svg_inline(scale=4, title="QR code of the secret"))


def enrolment_of(ctx: Context, user_id: str) -> Enrolment | None:
    """The unconfirmed enrolment in progress, shown again (e.g. after a wrong code)."""
    with ctx.uow(readonly=True) as uow:
        factor = _unconfirmed_factor(uow.session, user_id)
        if factor is None:
            return None
        sealed, factor_id = factor.secret_encrypted, factor.id
        email = repo.user(uow.session, user_id).email
        issuer = environment.load(uow.session).branding.app_name
    return enrolment_for(webhook_secrets.decrypt(ctx, factor_id, sealed), email, issuer)


def confirm_enrolment(ctx: Context, user_id: str, code: str) -> list[str]:
    """Confirm the enrolment in progress with a first code; returns the 10 recovery codes
    (shown once) when it is the user's first factor, else none. Raises InvalidSecondFactor."""
    webhook_secrets.ready(ctx)
    with ctx.uow() as uow:
        codes = accept_enrolment(ctx, uow.session, user_id, code)
        if codes is None:
            raise rules.InvalidSecondFactor()
        uow.commit()
    return codes


def accept_enrolment(ctx: Context, session: Session, user_id: str, code: str) -> list[str] | None:
    """In the caller's unit of work: confirm the enrolment in progress when ``code`` is its
    first code, and return the new recovery codes (empty when the user already had a
    factor, and with it codes; None: wrong code, or no enrolment in progress). The caller
    calls ``webhook_secrets.ready`` before its transaction."""
    factor = _unconfirmed_factor(session, user_id)
    if factor is None or not _accept_totp(ctx, session, factor, code):
        return None
    codes = first_factor_codes(ctx, session, user_id)
    factor.confirmed_at = ctx.clock.now()
    event(session, "user.mfa_enrolled", user_id, ctx.clock.now(), method=TOTP)
    return codes


def first_factor_codes(ctx: Context, session: Session, user_id: str) -> list[str]:
    """Before a factor is added: new recovery codes when it will be the user's first, else
    none (the codes they have stay)."""
    return [] if enrolled(session, user_id) else _replace_recovery_codes(ctx, session, user_id)


def check(ctx: Context, session: Session, user_id: str, code: str) -> str | None:
    """Accept a second-factor code of ``user_id`` in the caller's unit of work: a TOTP code
    (never one of a step already used) or an unused recovery code, which is used up. Returns
    the method (``totp``, ``recovery_code``) and records the use, or None. The caller calls
    ``webhook_secrets.ready`` before its transaction."""
    now = ctx.clock.now()
    if rules.looks_like_totp(code):
        factor = confirmed_factor(session, user_id)
        if factor is None or not _accept_totp(ctx, session, factor, code):
            return None
        factor.last_used_at = now
        method = TOTP
    else:
        hashed = _recovery_digest(ctx, user_id, code)
        used = session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.code_hash == hashed, RecoveryCode.used_at.is_(None))
            .values(used_at=now)
        ).rowcount  # type: ignore[attr-defined]
        if not used:
            return None
        method = "recovery_code"
    event(session, "user.mfa_used", user_id, now, method=method)
    return method


def _accept_totp(ctx: Context, session: Session, factor: MfaFactor, code: str) -> bool:
    secret = webhook_secrets.decrypt(ctx, factor.id, factor.secret_encrypted)
    return accept_totp(session, MfaFactor.last_step, MfaFactor.id == factor.id, secret, code, ctx.clock.now())


def accept_totp(
    session: Session,
    last_step: InstrumentedAttribute[int | None],
    row: ColumnElement[bool],
    secret: str,
    code: str,
    now: datetime,
) -> bool:
    """Whether ``code`` is a TOTP code of ``secret`` for a step later than the ``last_step``
    column of ``row``; the step is recorded by one conditional UPDATE, so of two requests
    with the same code only one is accepted (replay)."""
    current = session.scalar(select(last_step).where(row))
    step = rules.totp_step_of(secret, code, now, current)
    if step is None:
        return False
    newer = last_step.is_(None) | (last_step < step)
    table = last_step.class_
    taken = session.execute(
        update(table).where(row, newer).values({last_step.key: step}).execution_options(synchronize_session="fetch")
    ).rowcount  # type: ignore[attr-defined]
    return bool(taken)


def _recovery_digest(ctx: Context, user_id: str, code: str) -> str:
    return keyed_digest(server_secrets.code_key(ctx), f"{user_id}:{rules.normalize_recovery_code(code)}")


def _replace_recovery_codes(ctx: Context, session: Session, user_id: str) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = rules.new_recovery_codes()
    now = ctx.clock.now()
    for code in codes:
        session.add(
            RecoveryCode(
                id=new_id("rcv"), user_id=user_id, code_hash=_recovery_digest(ctx, user_id, code), created_at=now
            )
        )
    return codes


def regenerate_recovery_codes(ctx: Context, user_id: str, proof: Proof) -> list[str]:
    """New recovery codes for a fresh second factor (the old ones stop working).
    Raises InvalidSecondFactor."""
    webhook_secrets.ready(ctx)
    with ctx.uow() as uow:
        if not enrolled(uow.session, user_id) or not proof.accepted(ctx, uow.session, user_id):
            uow.commit()  # a recovery code used here stays used
            raise rules.InvalidSecondFactor()
        codes = _replace_recovery_codes(ctx, uow.session, user_id)
        event(uow.session, "user.mfa_recovery_codes_regenerated", user_id, ctx.clock.now())
        uow.commit()
    return codes


def remove_own(
    ctx: Context, user_id: str, factor_id: str | None, proof: Proof, *, last_confirmed: bool = False
) -> None:
    """The user removes a factor of theirs (``factor_id``: a security key's id; None: the
    authenticator) with a fresh second factor; with the last one go the recovery codes.
    Raises NotFound, LastSecondFactor (the last one while MFA is required, unconfirmed),
    InvalidSecondFactor."""
    webhook_secrets.ready(ctx)
    with ctx.uow() as uow:
        repo.user(uow.session, user_id, for_update=True)
        totp = confirmed_factor(uow.session, user_id)
        target = totp.id if factor_id is None and totp is not None else factor_id
        key = uow.session.get(SecurityKey, target) if target else None
        if target is None or ((totp is None or totp.id != target) and (key is None or key.user_id != user_id)):
            raise NotFound("You have no such second factor.")
        left = int(totp is not None) + security_key_count(uow.session, user_id) - 1
        required = rules.mfa_required(policy(uow.session), organization_requires(uow.session, user_id))
        rules.check_removal(required, left, last_confirmed)  # before the proof: a code is not spent for nothing
        if not proof.accepted(ctx, uow.session, user_id):
            uow.commit()  # a recovery code or key use stays recorded
            raise rules.InvalidSecondFactor()
        _remove(uow.session, user_id, target, ctx.clock.now())
        uow.commit()


def list_factors(ctx: Context, user_id: str) -> list[FactorView]:
    """The user's confirmed factors. Raises NotFound (user)."""
    with ctx.uow(readonly=True) as uow:
        repo.user(uow.session, user_id)
        rows = uow.session.scalars(
            select(MfaFactor)
            .where(MfaFactor.user_id == user_id, MfaFactor.confirmed_at.is_not(None))
            .order_by(MfaFactor.created_at, MfaFactor.id)
        )
        keys = uow.session.scalars(select(SecurityKey).where(SecurityKey.user_id == user_id))
        found = [FactorView(r.id, r.kind, r.created_at, r.confirmed_at, r.last_used_at) for r in rows]
        found += [FactorView(k.id, SECURITY_KEY, k.created_at, k.created_at, k.last_used_at) for k in keys]
        return sorted(found, key=lambda f: (f.created_at, f.id))


def delete_factor(ctx: Context, user_id: str, factor_id: str) -> None:
    """An administrator removes a factor (with the recovery codes: "reset MFA"); the user
    enrols again at the next sign-in when MFA is required. Raises NotFound."""
    with ctx.uow() as uow:
        repo.user(uow.session, user_id, for_update=True)
        factor = uow.session.get(MfaFactor, factor_id) or uow.session.get(SecurityKey, factor_id)
        if factor is None or factor.user_id != user_id:
            raise NotFound(f"No factor {factor_id!r} for this user.")
        _remove(uow.session, user_id, factor_id, ctx.clock.now())
        uow.commit()


def reset(ctx: Context, user_id: str) -> int:
    """Remove every second factor of the user (administrator's reset). Returns how many."""
    with ctx.uow() as uow:
        repo.user(uow.session, user_id, for_update=True)
        removed = remove_all_in(uow.session, user_id, ctx.clock.now())
        uow.commit()
        return removed


def remove_all_in(session: Session, user_id: str, now: datetime) -> int:
    """In the caller's transaction: every second factor, recovery code and pending sign-in
    of the user (proof.take_over: whoever enrolled them may not be the mailbox's owner)."""
    return _remove(session, user_id, None, now)


def _remove(session: Session, user_id: str, factor_id: str | None, now: datetime) -> int:
    """Remove one factor (or all: None); the recovery codes go with the last one. Pending
    sign-ins of the user end: they were started under the factors that were."""
    removed = 0
    for model, method in ((MfaFactor, TOTP), (SecurityKey, SECURITY_KEY)):
        which = delete(model).where(model.user_id == user_id)
        if factor_id is not None:
            which = which.where(model.id == factor_id)
        count = int(session.execute(which).rowcount)  # type: ignore[attr-defined]
        if count:
            event(session, "user.mfa_removed", user_id, now, method=method)
        removed += count
    if not enrolled(session, user_id):
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    session.execute(delete(PendingSignIn).where(PendingSignIn.user_id == user_id))
    return removed


def event(session: Session, event_type: str, user_id: str, now: datetime, **extra: object) -> None:
    events.user_event(session, event_type, repo.user(session, user_id), now, factor=extra)
