"""Stored state of the password lock-out (rules in ``domain/lockout.py``), in the database so
every server process sees the same pause."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tenantry.server.db.models import LoginLockout
from tenantry.server.domain import lockout
from tenantry.server.domain.types import email_key


def key(email: str) -> str:
    """The lock-out row's key of ``email``."""
    return email_key(email)[:320]  # the column's size: longer "addresses" are never registered ones


def _state(row: Any) -> lockout.LockoutState | None:
    """The state of a ``LoginLockout`` (or a row of its ``STATE_COLUMNS``), None: nothing stored."""
    if row is None:
        return None
    return lockout.LockoutState(row.failures, row.level, row.locked_until, row.last_failure_at)


def check_stored(row: Any, now: datetime) -> bool:
    """Raise PasswordLoginLocked while password sign-in is paused for the address whose
    lock-out row (``key``) the caller read: ``row`` has the ``STATE_COLUMNS`` by name
    (None, or all of them None: nothing stored; a sign-in reads them with the account,
    issue 18). Returns whether anything is stored (what ``clear`` would forget)."""
    stored = row is not None and row.failures is not None  # never NULL in a stored row
    lockout.check(_state(row) if stored else None, now)
    return stored


_LOCKOUTS = LoginLockout.__table__.c
STATE_COLUMNS = (_LOCKOUTS.failures, _LOCKOUTS.level, _LOCKOUTS.locked_until, _LOCKOUTS.last_failure_at)


def record_failure(session: Session, email: str, now: datetime) -> lockout.LockoutState:
    """Count a wrong password for ``email`` under a row lock (so concurrent guesses all
    count); returns the new state."""
    row_key = key(email)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LoginLockout).values(email_key=row_key, failures=0, level=0).on_conflict_do_nothing())
    row = session.scalar(select(LoginLockout).where(LoginLockout.email_key == row_key).with_for_update())
    assert row is not None
    state = _state(row)
    assert state is not None
    lockout.record_failure(state, now)
    row.failures, row.level = state.failures, state.level
    row.locked_until, row.last_failure_at = state.locked_until, state.last_failure_at
    return state


def clear(session: Session, email: str) -> None:
    """The owner proved themselves (password, e-mailed code, reset link): forget the failures."""
    session.execute(delete(LoginLockout).where(LoginLockout.email_key == key(email)))
