"""Finding users and organizations by what an administrator types: any part of an e-mail
or a name, an id.

Both work on SQLite and PostgreSQL and stay index-friendly: substrings through trigram
indexes (pg_trgm on PostgreSQL, FTS5's trigram tokenizer on SQLite), an e-mail prefix (the
Invitations tab) as a range scan of an index on ``users.email_key``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, bindparam, func, literal_column, or_, select, table
from sqlalchemy.orm import Session

from tenantry.server.db import search_index
from tenantry.server.db.models import Organization, User

_LAST_CODE_POINT = "\U0010ffff"


def like_escaped(text: str) -> str:
    """``text`` with LIKE's wildcards taken literally (use with ``escape="\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def email_prefix(session: Session, prefix: str) -> ColumnElement[bool]:
    """Users whose (lower-cased) e-mail starts with ``prefix``, in any case.

    PostgreSQL's default collation does not order strings byte-wise, so a range would not
    be a prefix there; ``LIKE 'prefix%'`` is served by ``ix_users_email_key_prefix``
    (varchar_pattern_ops). SQLite compares byte-wise (BINARY), so the range uses the plain
    unique index, which its LIKE (case-insensitive) could not.
    """
    key = prefix.strip().lower()
    if session.get_bind().dialect.name == "postgresql":
        # written into the statement, as text_contains's patterns are: only a pattern known
        # when planning can use the index (a generic plan for any pattern would scan)
        pattern = bindparam(None, like_escaped(key) + "%", String(), literal_execute=True)
        return User.email_key.like(pattern, escape="\\")
    return and_(User.email_key >= key, User.email_key < key + _LAST_CODE_POINT)


# What a user search looks in: the e-mail and the names, lower-cased, as one string. The
# PostgreSQL trigram index of migration 0009 is on this very expression.
HAYSTACK_SQL = (
    "lower(users.email_key || ' ' || coalesce(users.name, '') || ' ' || coalesce(users.given_name, '') || ' ' || "
    "coalesce(users.family_name, ''))"
)
_TRIGRAM = 3  # the shortest word a trigram index can find


def text_contains(session: Session, text: str) -> ColumnElement[bool]:
    """Users with every word of ``text`` somewhere in their e-mail or names, in any case:
    "acme" finds ada@acmerobotics.com, "ada love" and "lovelace ada" find Ada Lovelace.
    Served by the trigram index (PostgreSQL) or the FTS5 trigram table (SQLite) for words
    of three characters or more; shorter words, or a database without them, scan."""
    words = [word.lower() for word in text.split()]
    patterns = ["%" + like_escaped(word) + "%" for word in words]
    connection = session.connection()
    haystack: ColumnElement[str] = literal_column(HAYSTACK_SQL)
    long_words = [word for word in words if len(word) >= _TRIGRAM]
    if connection.dialect.name == "sqlite" and long_words and search_index.available(connection):
        # A phrase per word: the trigram tokenizer matches substrings. Shorter words are
        # checked on the rows the index found.
        phrases = " AND ".join('"' + word.replace('"', '""') + '"' for word in long_words)
        rows: Select[Any] = select(literal_column("rowid")).select_from(table(search_index.TABLE))
        found = literal_column("users.rowid").in_(rows.where(literal_column("haystack").op("MATCH")(phrases)))
        short = [p for word, p in zip(words, patterns, strict=True) if len(word) < _TRIGRAM]
        return and_(found, *(haystack.like(p, escape="\\") for p in short))
    if connection.dialect.name == "postgresql":  # backslash is its default escape; pg_trgm serves plain LIKE
        # The patterns are written into the statement, not bound: with one statement text for
        # every search, the driver prepares it and PostgreSQL soon plans it once for any
        # pattern, walking the primary key, which reads the whole table for a rare word
        # (155 ms at 100,000 users, against 0.4 ms through the trigram index).
        return and_(*(haystack.like(bindparam(None, p, String(), literal_execute=True)) for p in patterns))
    return and_(*(haystack.like(p, escape="\\") for p in patterns))


def users_matching(session: Session, stmt: Select[Any], query: str) -> Select[Any]:
    """``stmt`` narrowed to users found by ``query``: every word in the e-mail or names
    (``text_contains``), or exactly the id or external id. A query with no word of three
    characters or more matches the start of the e-mail instead (``email_prefix``): no
    trigram index can find shorter words, so looking for them anywhere would read every
    user, and "jo" finding jo@… and john@… is what a person typing it expects."""
    query = query.strip()
    if any(len(word) >= _TRIGRAM for word in query.split()):
        found = text_contains(session, query)
    else:
        found = email_prefix(session, query)
    return stmt.where(or_(found, User.id == query, User.external_id == query))


def organizations_matching(stmt: Select[Any], query: str) -> Select[Any]:
    """Organizations whose id or external_id is ``query``, or whose name contains it (any case)."""
    pattern = f"%{like_escaped(query.lower())}%"
    return stmt.where(
        or_(
            Organization.id == query,
            Organization.external_id == query,
            func.lower(Organization.display_name).like(pattern, escape="\\"),
        )
    )
