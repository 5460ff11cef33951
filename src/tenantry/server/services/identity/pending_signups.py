"""A hosted sign-up with an address that already has an account (issue 15 item 7).

The page must answer it exactly as a sign-up with a new address — and so must whatever the
visitor does next. After a new address's sign-up, logging in with the password just chosen
reaches the "check your e-mail" code step (the account exists, its address is not proved:
``login.ProveAddress``); so after a registered address's sign-up the same log-in must reach
the same step, not "wrong e-mail or password". That is what this records: the password typed
(an argon2 hash made with the salt and parameters of the account's own hash, so that log-in
checks both with ONE computation: ``passwords.matching``), the address as a keyed digest, the
account it belongs to, and, once e-mailed, the code (a keyed digest). Nothing more: it is not
an account and never becomes one.

The code goes to the address, in the "you already have an account" e-mail (someone tried to
sign up with it). Typing it proves the mailbox: it signs its owner in to the EXISTING account
(``login.finish_sign_up``), as an e-mailed sign-in code or a reset link would; the password
typed at sign-up is never kept, the account's own one is unchanged, and on an account never
verified the proof takes it over for the mailbox's owner (``proof.take_over``). Whoever does
not read the mailbox learns nothing: every page up to the code is the new address's.

Bounds: each lives LIFETIME and e-mails at most CODES_PER_SIGN_UP codes; an address keeps at
most PASSWORDS_PER_ADDRESS passwords that reach the code step — an account never verified
counts its own password among them, since a new address's first sign-up made it. Past the
bound a sign-up replaces the NEWEST one, never the oldest: then a run of sign-ups leaves the
same passwords working whether the first made the account (its password stays) or a pending
sign-up. Expired ones are deleted when the account gets a new one, and all of them once the
owner proves the address.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, delete, or_, select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db.models import PendingSignUp
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.secrets import keyed_digest
from tenantry.server.domain.types import email_key
from tenantry.server.services.integration import server_secrets

LIFETIME = timedelta(hours=24)
PASSWORDS_PER_ADDRESS = 4
CODES_PER_SIGN_UP = 5
PREFIX = "psu"  # as long as "usr": the sealed cookie naming one is as long as one naming an account


def is_pending(some_id: str) -> bool:
    """Whether a sign-up cookie's id names a pending sign-up rather than a new account."""
    return some_id.startswith(f"{PREFIX}_")


def address_hash(ctx: Context, address: str) -> str:
    """The keyed digest pending sign-ups of ``address`` are found by."""
    return keyed_digest(server_secrets.code_key(ctx), f"pending-sign-up:{email_key(address)}")


@dataclass(frozen=True)
class Live:
    id: str
    password_hash: str


def live(ctx: Context, session: Session, user_id: str | None, address: str, now: datetime) -> list[Live]:
    """The live pending sign-ups of ``address``'s account, newest first (the same query
    for an unknown address, ``user_id`` None: the time of a log-in must not tell)."""
    values = {"user_id": user_id or "", "address_hash": address_hash(ctx, address), "now": now}
    return [Live(row.id, row.password_hash) for row in session.connection().execute(_LIVE, values)]


_PENDING = PendingSignUp.__table__.c


def live_of(user_id: Any) -> ColumnElement[bool]:
    """The pending sign-ups of ``user_id`` (a value or a column: the log-in joins it to the
    account, issue 18) that are live, for the bound ``address_hash`` and ``now``; newest
    first by ``NEWEST_FIRST``, at most ``PASSWORDS_PER_ADDRESS`` of them."""
    return and_(
        _PENDING.user_id == user_id,
        _PENDING.address_hash == bindparam("address_hash"),
        _PENDING.expires_at > bindparam("now"),
    )


NEWEST_FIRST = (_PENDING.created_at.desc(), _PENDING.id.desc())
# Built once, read on the connection (a hosted sign-up with a registered address).
_LIVE = (
    select(_PENDING.id, _PENDING.password_hash)
    .where(live_of(bindparam("user_id")))
    .order_by(*NEWEST_FIRST)
    .limit(PASSWORDS_PER_ADDRESS)
)


def note(
    ctx: Context,
    session: Session,
    user_id: str,
    address: str,
    password_hash: str,
    now: datetime,
    *,
    own_password_counts: bool,
) -> str:
    """Record a pending sign-up (in the caller's transaction); returns its id. Expired ones
    of the account go, and past the bound the newest live ones (``own_password_counts``: the
    account was never verified and has a password, which takes one of the places)."""
    keep = PASSWORDS_PER_ADDRESS - (2 if own_password_counts else 1)  # and this one
    oldest = (
        select(PendingSignUp.id)
        .where(PendingSignUp.user_id == user_id, PendingSignUp.expires_at > now)
        .order_by(PendingSignUp.created_at, PendingSignUp.id)
        .limit(keep)
    )
    session.execute(  # one statement: this runs on the answer's path (its time, bench/RESULTS.md)
        delete(PendingSignUp).where(
            PendingSignUp.user_id == user_id,
            or_(PendingSignUp.expires_at <= now, PendingSignUp.id.not_in(oldest.scalar_subquery())),
        )
    )
    row_id = new_id(PREFIX)
    session.add(
        PendingSignUp(
            id=row_id,
            user_id=user_id,
            address_hash=address_hash(ctx, address),
            password_hash=password_hash,
            attempts=0,
            codes_sent=0,
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    return row_id


def new_code(ctx: Context, row: PendingSignUp, now: datetime, lifetime: timedelta) -> str:
    """A fresh code for ``row`` (an earlier one stops working)."""
    code = f"{secrets.randbelow(10**6):06d}"
    row.code_hash = keyed_digest(server_secrets.code_key(ctx), f"{row.id}:{code}")
    row.code_expires_at = now + lifetime
    row.attempts = 0
    row.codes_sent += 1
    return code


def forget_all(session: Session, user_id: str) -> None:
    """The owner proved the address: the account's pending sign-ups have nothing left to do."""
    session.execute(delete(PendingSignUp).where(PendingSignUp.user_id == user_id))
