"""Queries over users' custom attribute values, for SQLite (JSON1) and PostgreSQL (JSONB).

Keys are limited to ``[a-z][a-z0-9_]*`` by the domain, so they are safe inside a JSON path.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, func, literal, type_coerce, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from tenantry.server.db.models import User


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _jsonb() -> Any:
    # The column is JSON with a JSONB variant; its comparator is the generic one, so
    # coerce to reach JSONB's operators (?, @>, -).
    return type_coerce(User.custom_attributes, JSONB)


def _path(key: str) -> str:
    return f'$."{key}"'


def has_value(session: Session, key: str) -> ColumnElement[bool]:
    """Users holding a value for ``key``."""
    if _is_postgres(session):
        return _jsonb().has_key(key)
    return func.json_type(User.custom_attributes, _path(key)).is_not(None)


def equals(session: Session, key: str, value: Any) -> ColumnElement[bool]:
    """Users whose value for ``key`` is ``value`` (already normalised for its definition).

    PostgreSQL answers with JSONB containment, served by the GIN index on
    ``users.custom_attributes``; SQLite compares ``json_extract``.
    """
    if _is_postgres(session):
        return _jsonb().contains({key: value})
    if isinstance(value, bool):
        return func.json_extract(User.custom_attributes, _path(key)) == int(value)
    return func.json_extract(User.custom_attributes, _path(key)) == value


def remove_everywhere(session: Session, key: str) -> int:
    """Delete ``key`` from every profile in one statement; returns how many users had it."""
    new_value: ColumnElement[Any]
    if _is_postgres(session):
        new_value = _jsonb().op("-")(literal(key, String))
    else:
        new_value = func.json_remove(User.custom_attributes, _path(key))
    result = session.execute(
        update(User).where(has_value(session, key)).values(custom_attributes=new_value),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
