"""Per-process caches of what every write transaction reads and seldom changes (issue 18):
the enabled webhook endpoints, the environment settings, the roles (the default member role).

One row, ``config_stamp``, holds a random value that the database itself replaces whenever
a row of ``webhook_endpoints``, ``environment_settings`` or ``roles`` is inserted, updated or
deleted (triggers, so every writer counts: services, the CLI, a backup import, plain SQL).
A transaction reads the stamp once, with one small statement, and a cached value is used only
while the stamp it was loaded under is still the stamp in force; otherwise it is loaded again.
So a change committed through one server process is seen by the next transaction of every
other process. The stamp is read before the data it guards: data read after it is never
older than it (at worst newer, and then merely loaded again next time).

A transaction that itself writes one of those tables (seen by the session's flush and
``execute`` hooks) neither uses nor fills the caches for the rest of its life: it reads its
own uncommitted writes, which another transaction must not be given. On PostgreSQL the
triggers are deferred to commit (the stamp row is locked last and briefly, after every lock a
use case takes, so it adds no lock-order cycle); a random value, never a counter, so a stamp
of a rolled-back transaction is never reused.

``ensure`` (run after every migration to head, like the SQLite search index) creates the
triggers where missing: a batch migration that rebuilds one of those tables on SQLite drops
its triggers.
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Column, Connection, Engine, Integer, MetaData, String, Table, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

T = TypeVar("T")

# Not on Base.metadata: nothing exports, imports or empties it; the triggers keep it.
TABLE = Table(
    "config_stamp",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("stamp", String(32), nullable=False),
)
GUARDED = ("webhook_endpoints", "environment_settings", "roles")

_STAMP = select(TABLE.c.stamp).where(TABLE.c.id == 1)
# The stamp as a column of another statement (its first read in a transaction, ``note``).
STAMP_COLUMN = _STAMP.scalar_subquery().label("stamp")
_STAMP_KEY = "tenantry.config_stamp"  # Session.info: this transaction's stamp
_WRITTEN_KEY = "tenantry.config_written"  # Session.info: this transaction wrote a guarded table
_NO_STAMP = object()

# engine -> cache name -> (stamp, value)
_caches: weakref.WeakKeyDictionary[Engine, dict[str, tuple[object, Any]]] = weakref.WeakKeyDictionary()


def cached(session: Session, name: str, load: Callable[[Session], T]) -> T:
    """``load(session)``, or what it answered earlier in this process under the same stamp."""
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()  # as a query would autoflush: a pending guarded write bypasses the cache
    if session.info.get(_WRITTEN_KEY):
        return load(session)
    stamp = session.info.get(_STAMP_KEY)
    if stamp is None:
        stamp = session.connection().execute(_STAMP).scalar()  # a plain read: no ORM execution around it
        stamp = _NO_STAMP if stamp is None else stamp
        session.info[_STAMP_KEY] = stamp
    if stamp is _NO_STAMP:  # the row is missing (a database emptied by hand): no caching
        return load(session)
    engine = session.get_bind().engine  # one cache per database, whatever the session is bound to
    entries = _caches.get(engine)
    if entries is None:
        entries = _caches.setdefault(engine, {})
    entry = entries.get(name)
    if entry is not None and entry[0] == stamp:
        return entry[1]
    value = load(session)
    if not session.info.get(_WRITTEN_KEY):  # loading wrote nothing guarded
        entries[name] = (stamp, value)
    return value


def note(session: Session, stamp: str | None) -> None:
    """The stamp as a statement of this transaction read it beside something else
    (``STAMP_COLUMN``), for ``cached`` not to read it again; a stamp already read stays."""
    if _STAMP_KEY not in session.info and not session.info.get(_WRITTEN_KEY):
        session.info[_STAMP_KEY] = _NO_STAMP if stamp is None else stamp


def _guarded_write(session: Session) -> None:
    session.info[_WRITTEN_KEY] = True
    session.info.pop(_STAMP_KEY, None)


@sa_event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(obj), "__tablename__", None)
        if table in GUARDED:
            _guarded_write(session)
            return


@sa_event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table in GUARDED:
        _guarded_write(state.session)


@sa_event.listens_for(Session, "after_transaction_end")
def _transaction_over(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the transaction itself, not a savepoint inside it
        session.info.pop(_STAMP_KEY, None)
        session.info.pop(_WRITTEN_KEY, None)


# ---- the table and its triggers ------------------------------------------------------


def _sqlite_triggers() -> dict[str, str]:
    bump = "UPDATE config_stamp SET stamp = lower(hex(randomblob(16))) WHERE id = 1"
    return {
        f"{table}_stamp_{op[0].lower()}": f"AFTER {op} ON {table} BEGIN {bump}; END"
        for table in GUARDED
        for op in ("INSERT", "UPDATE", "DELETE")
    }


_PG_FUNCTION = """CREATE OR REPLACE FUNCTION tenantry_bump_config_stamp() RETURNS trigger AS $$
BEGIN
    UPDATE config_stamp SET stamp = md5(random()::text || clock_timestamp()::text) WHERE id = 1;
    RETURN NULL;
END $$ LANGUAGE plpgsql"""


def _pg_triggers() -> dict[str, str]:
    found: dict[str, str] = {}
    for table in GUARDED:
        found[f"{table}_stamp"] = (
            f"CREATE CONSTRAINT TRIGGER {table}_stamp AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tenantry_bump_config_stamp()"
        )
        found[f"{table}_stamp_t"] = (
            f"CREATE TRIGGER {table}_stamp_t AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION tenantry_bump_config_stamp()"
        )
    return found


def create_table(connection: Connection) -> None:
    """The table and its one row (migration 0030)."""
    TABLE.create(connection, checkfirst=True)
    if connection.scalar(_STAMP) is None:
        connection.execute(TABLE.insert().values(id=1, stamp=secrets.token_hex(16)))


def ensure(connection: Connection) -> None:
    """Create the row and the triggers where missing (or defined differently, on SQLite)."""
    if not connection.dialect.has_table(connection, TABLE.name):
        return  # before migration 0030
    if connection.scalar(_STAMP) is None:
        connection.execute(TABLE.insert().values(id=1, stamp=secrets.token_hex(16)))
    if connection.dialect.name == "sqlite":
        present = _present_sqlite(connection)
        for name, body in _sqlite_triggers().items():
            if present.get(name) != f"CREATE TRIGGER {name} {body}":
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
                connection.execute(text(f"CREATE TRIGGER {name} {body}"))
        return
    present_pg = _present_pg(connection)
    if not present_pg >= set(_pg_triggers()):
        connection.execute(text(_PG_FUNCTION))
        for name, statement in _pg_triggers().items():
            if name not in present_pg:
                connection.execute(text(statement))


def is_whole(connection: Connection) -> bool:
    """Whether ``ensure`` would find nothing to do (read only)."""
    if not connection.dialect.has_table(connection, TABLE.name):
        return True  # before 0030: the migration will create it, then ``ensure`` runs
    if connection.scalar(_STAMP) is None:
        return False
    if connection.dialect.name == "sqlite":
        present = _present_sqlite(connection)
        return all(present.get(name) == f"CREATE TRIGGER {name} {body}" for name, body in _sqlite_triggers().items())
    return _present_pg(connection) >= set(_pg_triggers())


def _present_sqlite(connection: Connection) -> dict[str, str]:
    rows = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    return {name: sql for name, sql in rows}


def _present_pg(connection: Connection) -> set[str]:
    names = [f"{table}_stamp" for table in GUARDED] + [f"{table}_stamp_t" for table in GUARDED]
    rows = connection.execute(
        text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(:names)"), {"names": names}
    )
    return {name for (name,) in rows}
