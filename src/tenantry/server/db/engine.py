"""Engines for SQLite and PostgreSQL, set up so that write transactions serialise correctly.

SQLite: WAL, foreign keys on, and write transactions opened with ``BEGIN IMMEDIATE``. A
deferred transaction that reads and then writes fails with "database is locked" at once,
ignoring the busy timeout; taking the write lock up front makes writers queue instead.
PostgreSQL: psycopg 3, READ COMMITTED; the rules that need it lock rows explicitly.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BEGIN_OPTION = "tenantry_sqlite_begin"
SQLITE_NO_BEGIN = "NONE"  # a single statement of a read (db/uow.py ``ReadConnection``): no BEGIN
_HOLDS_WRITER = "tenantry_holds_sqlite_writer_lock"
POSTGRES_POOL_SIZE = 30
POSTGRES_MAX_OVERFLOW = 10


def normalize_database_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 here (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_database_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    # Keep as many connections open as the request threads (40, anyio's default) can use at
    # once. With 10 kept and 20 overflow, a busy server closed and reopened PostgreSQL
    # connections all the time (12% of its time under 32 concurrent requests, bench/RESULTS.md).
    # At most 40 per server process: size max_connections for workers x 40.
    kwargs.setdefault("pool_size", POSTGRES_POOL_SIZE)
    kwargs.setdefault("max_overflow", POSTGRES_MAX_OVERFLOW)
    kwargs.setdefault("pool_pre_ping", True)  # a restarted server leaves dead pooled connections
    kwargs.setdefault("connect_args", {"connect_timeout": 10})  # unreachable: fail, do not hang
    return create_engine(url, **kwargs)


# UPDATE … RETURNING (the seat taken by the organization's lock, the last log-in: issue 18)
# arrived in SQLite 3.35 (2021); Python builds linked to an older system SQLite (RHEL 9's
# 3.34) would fail on every invitation and log-in, so they are refused at start instead.
SQLITE_MINIMUM = (3, 35, 0)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    if sqlite3.sqlite_version_info < SQLITE_MINIMUM:
        raise RuntimeError(
            f"SQLite {sqlite3.sqlite_version} is too old: Tenantry needs SQLite "
            f"{'.'.join(map(str, SQLITE_MINIMUM))} or newer (UPDATE … RETURNING), or use PostgreSQL."
        )
    engine = create_engine(
        url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=20, max_overflow=20, **kwargs
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    # Writers of this process queue on a lock before BEGIN IMMEDIATE. Left to SQLite, the
    # waiting ones poll with sleeps of up to 100 ms, so under contention the write lock sat
    # idle between transactions (200 concurrent invitations: 25/s). Other processes still
    # wait through busy_timeout. Released when the transaction ends, however it ends.
    writer = threading.Lock()

    def _release(info: dict[str, Any]) -> None:
        if info.pop(_HOLDS_WRITER, False):
            writer.release()

    def _then_release(end: Callable[[Any], None]) -> Callable[[Any], None]:
        """The dialect's ``do_commit`` or ``do_rollback``, then the writer lock released."""

        def ending(dbapi_connection: Any) -> None:
            try:
                end(dbapi_connection)
            finally:
                try:
                    info = dbapi_connection.info
                except NotImplementedError:  # first_connect's ad hoc connection: it never takes the lock
                    info = None
                if info is not None:
                    _release(info)

        return ending

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        if mode == SQLITE_NO_BEGIN:
            return
        if mode == "IMMEDIATE" and writer.acquire(timeout=30):
            connection.info[_HOLDS_WRITER] = True
        try:
            connection.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            _release(connection.info)
            raise

    # Released once SQLite's COMMIT or ROLLBACK has returned, not at SQLAlchemy's "commit" and
    # "rollback" events, which fire before them: released there, the next writer reached BEGIN
    # IMMEDIATE while this transaction still held SQLite's write lock, and waited in
    # busy_timeout's sleeps (a refused write, e.g. a full organization, ends in a ROLLBACK).
    engine.dialect.do_commit = _then_release(engine.dialect.do_commit)  # type: ignore[method-assign, assignment]
    engine.dialect.do_rollback = _then_release(engine.dialect.do_rollback)  # type: ignore[method-assign, assignment]
    for name in ("checkin", "invalidate"):
        event.listen(engine, name, lambda _dbapi, record, *_: _release(record.info))

    return engine
