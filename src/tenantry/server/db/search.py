"""Finding users and organizations by what an administrator types: an e-mail prefix, part
of a name, an id.

Both work on SQLite and PostgreSQL and stay index-friendly where they can: an e-mail
prefix is a range scan of an index on ``users.email_key`` on both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_
from sqlalchemy.orm import Session

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
        return User.email_key.like(like_escaped(key) + "%", escape="\\")
    return and_(User.email_key >= key, User.email_key < key + _LAST_CODE_POINT)


def name_contains(session: Session, text: str) -> ColumnElement[bool]:
    """Users with every word of ``text`` in their name, given name or family name, in any
    case ("ada love" finds Ada Lovelace; so does "lovelace ada")."""
    # One string per row, lower-cased once, costs less than a case-insensitive LIKE per
    # column. SQLite's LIKE ignores (ASCII) case by itself; PostgreSQL's needs lower().
    names = (
        func.coalesce(User.name, "")
        + " "
        + func.coalesce(User.given_name, "")
        + " "
        + func.coalesce(User.family_name, "")
    )
    postgres = session.get_bind().dialect.name == "postgresql"
    haystack = func.lower(names) if postgres else names
    return and_(*(haystack.like("%" + like_escaped(word.lower()) + "%", escape="\\") for word in text.split()))


def users_matching(session: Session, stmt: Select[Any], query: str) -> Select[Any]:
    """``stmt`` narrowed to users found by ``query``: an e-mail prefix when it holds an ``@``;
    otherwise part of a name, the start of the e-mail, or exactly the id or external id."""
    query = query.strip()
    if "@" in query:
        return stmt.where(email_prefix(session, query))
    return stmt.where(
        or_(name_contains(session, query), email_prefix(session, query), User.id == query, User.external_id == query)
    )


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
