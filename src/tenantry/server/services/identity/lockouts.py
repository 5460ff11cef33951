"""Stored state of the password lock-out (rules in ``domain/lockout.py``), in the database so
every server process sees the same pause."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tenantry.server.db.models import LoginLockout
from tenantry.server.db.uow import connection_of
from tenantry.server.domain import lockout
from tenantry.server.domain.types import email_key


def _key(email: str) -> str:
    return email_key(email)[:320]  # the column's size: longer "addresses" are never registered ones


def _state(row: LoginLockout | None) -> lockout.LockoutState | None:
    if row is None:
        return None
    return lockout.LockoutState(row.failures, row.level, row.locked_until, row.last_failure_at)


def check(db: Session | Connection, email: str, now: datetime) -> bool:
    """Raise PasswordLoginLocked while password sign-in for ``email`` is paused; returns
    whether anything is stored for it (failures or pauses: what ``clear`` would forget).
    ``db``: the caller's session, or a plain connection (a sign-in's reads, issue 18)."""
    connection = connection_of(db)
    row = connection.execute(_STATE, {"key": _key(email)}).first()
    lockout.check(None if row is None else lockout.LockoutState(*row), now)
    return row is not None


_LOCKOUTS = LoginLockout.__table__.c
# Built once, read on the connection (issue 18: every password sign-in asks).
_STATE = select(_LOCKOUTS.failures, _LOCKOUTS.level, _LOCKOUTS.locked_until, _LOCKOUTS.last_failure_at).where(
    _LOCKOUTS.email_key == bindparam("key")
)


def record_failure(session: Session, email: str, now: datetime) -> lockout.LockoutState:
    """Count a wrong password for ``email`` under a row lock (so concurrent guesses all
    count); returns the new state."""
    key = _key(email)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LoginLockout).values(email_key=key, failures=0, level=0).on_conflict_do_nothing())
    row = session.scalar(select(LoginLockout).where(LoginLockout.email_key == key).with_for_update())
    assert row is not None
    state = _state(row)
    assert state is not None
    lockout.record_failure(state, now)
    row.failures, row.level = state.failures, state.level
    row.locked_until, row.last_failure_at = state.locked_until, state.last_failure_at
    return state


def clear(session: Session, email: str) -> None:
    """The owner proved themselves (password, e-mailed code, reset link): forget the failures."""
    session.execute(delete(LoginLockout).where(LoginLockout.email_key == _key(email)))
