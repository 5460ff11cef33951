"""SQLite writers of one process queue on an in-process lock before ``BEGIN IMMEDIATE``;
the lock is given back however a write transaction ends (commit, rollback, an error), so
the next writer never waits for it."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from tenantry.server.db.engine import create_db_engine
from tenantry.server.db.uow import UnitOfWork


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    yield engine
    engine.dispose()


def bump(engine, *, commit: bool = True, fail: bool = False) -> None:
    with UnitOfWork(engine) as uow:
        uow.session.execute(text("UPDATE counter SET n = n + 1"))
        if fail:
            raise RuntimeError("use case failed")
        if commit:
            uow.commit()


def write_in_another_thread(engine) -> float:
    """Seconds a write takes from another thread (it would wait 30 s for a leaked lock)."""
    took: list[float] = []

    def run() -> None:
        started = time.monotonic()
        bump(engine)
        took.append(time.monotonic() - started)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    return took[0]


def test_every_way_a_write_transaction_ends_gives_the_writer_lock_back(sqlite_engine):
    bump(sqlite_engine)  # committed
    assert write_in_another_thread(sqlite_engine) < 10
    bump(sqlite_engine, commit=False)  # left without committing: rolled back
    assert write_in_another_thread(sqlite_engine) < 10
    with pytest.raises(RuntimeError):
        bump(sqlite_engine, fail=True)  # an error inside the use case
    assert write_in_another_thread(sqlite_engine) < 10
    with UnitOfWork(sqlite_engine, readonly=True) as uow:  # readers never take it
        uow.session.execute(text("SELECT n FROM counter")).scalar_one()
        assert write_in_another_thread(sqlite_engine) < 10
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 5


def test_concurrent_writers_of_one_process_all_succeed(sqlite_engine):
    threads = [threading.Thread(target=bump, args=(sqlite_engine,)) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 40


@pytest.mark.once
def test_a_sqlite_older_than_update_returning_is_refused_at_start(tmp_path, monkeypatch):
    """The invitation's seat and the log-in's last-login use UPDATE … RETURNING (SQLite 3.35):
    an older SQLite is refused when the engine is made, with the reason, not on every request."""
    import sqlite3

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.34.1")
    with pytest.raises(RuntimeError, match=r"SQLite 3\.34\.1 is too old.*3\.35\.0 or newer"):
        create_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
