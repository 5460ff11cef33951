"""SQLite's substring index of users: an FTS5 table with the trigram tokenizer, one row per
user (its rowid is the user's rowid) holding the lower-cased e-mail and names, kept by
triggers. PostgreSQL's equivalent is a pg_trgm index (migration 0009).

``ensure`` runs after every migration: it creates the table and triggers where missing or
defined differently (an older version's), and refills the table when triggers were missing
(a batch migration that rebuilds ``users`` drops its triggers and renumbers rows). On an
SQLite without FTS5 or its trigram tokenizer (before 3.34) it does nothing, and search scans.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)

TABLE = "users_search"
# The same text as search.HAYSTACK_SQL, over a trigger's NEW row or the table's columns.
_HAYSTACK = (
    "lower({p}email_key || ' ' || coalesce({p}name, '') || ' ' || coalesce({p}given_name, '') || ' ' || "
    "coalesce({p}family_name, ''))"
)
_TRIGGERS = {
    "users_search_ai": f"AFTER INSERT ON users BEGIN INSERT INTO {TABLE}(rowid, haystack) "
    f"VALUES (new.rowid, {_HAYSTACK.format(p='new.')}); END",
    # Only when an indexed column is set: a log-in's last_login_at UPDATE (issue 18) or a
    # profile field's rewrote the user's trigrams for nothing.
    "users_search_au": f"AFTER UPDATE OF email_key, name, given_name, family_name ON users BEGIN UPDATE {TABLE} "
    f"SET haystack = {_HAYSTACK.format(p='new.')} WHERE rowid = old.rowid; END",
    "users_search_ad": f"AFTER DELETE ON users BEGIN DELETE FROM {TABLE} WHERE rowid = old.rowid; END",
}


def ensure(connection: Connection) -> bool:
    """Make the index whole on an SQLite connection; returns whether the database has one."""
    if connection.dialect.name != "sqlite":
        return False
    try:
        connection.execute(text(f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(haystack, tokenize='trigram')"))
    except OperationalError:
        log.warning("this SQLite has no FTS5 trigram tokenizer: user search will scan instead of using an index")
        return False
    present = _triggers(connection)
    outdated = [name for name in _TRIGGERS if present.get(name) != _definition(name)]
    for name in outdated:
        connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        connection.execute(text(_definition(name)))
    if any(name not in present for name in _TRIGGERS):  # rows may have gone unindexed: refill
        connection.execute(text(f"DELETE FROM {TABLE}"))
        connection.execute(
            text(f"INSERT INTO {TABLE}(rowid, haystack) SELECT rowid, {_HAYSTACK.format(p='')} FROM users")
        )
    return True


def _definition(name: str) -> str:
    return f"CREATE TRIGGER {name} {_TRIGGERS[name]}"


def _triggers(connection: Connection) -> dict[str, str]:
    """The triggers present, by name, with the statement that created them (SQLite keeps it verbatim)."""
    rows = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    return {name: sql for name, sql in rows}


def is_whole(connection: Connection) -> bool:
    """Whether ``ensure`` would find nothing to do (read only): PostgreSQL, or an SQLite
    database with the table and its triggers."""
    if connection.dialect.name != "sqlite":
        return True
    if not connection.scalar(
        text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": TABLE}
    ):
        return False
    present = _triggers(connection)
    return all(present.get(name) == _definition(name) for name in _TRIGGERS)


def available(connection: Connection) -> bool:
    """Whether this SQLite database has the index (it answers the users search)."""
    return bool(connection.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = :name"), {"name": TABLE}))
