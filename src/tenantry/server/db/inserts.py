"""Writing a new row at once, without the ORM's unit of work (issue 18).

``session.add`` followed by ``session.flush`` runs the whole unit of work (collecting the
session's changes, sorting mappers, building the INSERT per object) for one row; on the
invitation path that was three flushes and a fifth of its CPU. ``insert_now`` sends one
Core ``INSERT`` of the object's columns (the Python column defaults applied to those it
leaves unset, as a flush would) and then attaches the object to the session as a loaded
row: the identity map answers ``session.get``, a later change to it is an ``UPDATE``, and
nothing is inserted twice. Rows the ORM still has pending are flushed first, so the
foreign keys a caller relies on are in place; a duplicate raises ``IntegrityError`` here,
as the flush did. ``insert_row`` is the same INSERT without any ORM object: it answers the
row written (a ``Row``, attributes named as the model's) for a caller that only reads it
afterwards (the invitation's new user and membership, the outbox e-mail).
"""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Column, Insert, Table, insert, inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict

from tenantry.server.db.base import Base


@cache
def _columns(model: type[Base]) -> tuple[Insert, tuple[tuple[str, Column[Any]], ...]]:
    mapper = inspect(model)
    table = mapper.local_table
    assert isinstance(table, Table)
    columns = []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        assert isinstance(column, Column) and column.table is table, (model, prop.key)
        assert column.server_default is None or column.default is not None, (model, prop.key)  # set it here
        columns.append((prop.key, column))
    return insert(table), tuple(columns)  # the statement built once: its cache key is memoized


def _default(column: Column[Any]) -> Any:
    default = column.default
    if default is None:
        return None
    if default.is_scalar:
        return default.arg  # type: ignore[attr-defined]
    if default.is_callable:
        return default.arg(None)  # type: ignore[attr-defined]
    raise TypeError(f"{column}: a default insert_now cannot compute")


def insert_now(session: Session, obj: Base) -> None:
    """INSERT ``obj`` (a new mapped object, not added to any session) now and make it a
    persistent object of ``session``."""
    _, columns = _columns(type(obj))
    values = instance_dict(obj)
    for key, column in columns:
        if key not in values:
            setattr(obj, key, _default(column))
    _insert(session, type(obj), values)
    make_transient_to_detached(obj)
    session.add(obj)


class Row(SimpleNamespace):
    """A row ``insert_row`` wrote: every column an attribute named as the model's (``metadata_``),
    readable wherever the model's attributes are read (the views take either)."""


def insert_row(session: Session, model: type[Base], **values: Any) -> Row:
    """INSERT one row of ``model`` now, the Python column defaults applied to the columns
    ``values`` (by attribute name) leaves out, without building an ORM object: for a row
    nothing in the unit of work changes afterwards or looks up by key (an outbox e-mail, a
    new user or membership on the invitation path, issue 18). Answers the row written."""
    unknown = values.keys() - _column_keys(model)
    if unknown:  # a misspelt attribute would otherwise be dropped without a word
        raise TypeError(f"{model.__name__} has no column attribute {', '.join(sorted(unknown))}")
    return Row(**_insert(session, model, values))


@cache
def _column_keys(model: type[Base]) -> frozenset[str]:
    return frozenset(key for key, _ in _columns(model)[1])


def _insert(session: Session, model: type[Base], values: dict[str, Any]) -> dict[str, Any]:
    """The INSERT of both; answers every column's value by attribute name."""
    statement, columns = _columns(model)
    row = {key: values[key] if key in values else _default(column) for key, column in columns}
    session.flush()  # nothing to do unless the ORM holds pending rows (this one may refer to them)
    renamed = _renamed(model)
    session.connection().execute(
        statement, {renamed.get(key, key): value for key, value in row.items()} if renamed else row
    )
    return row


@cache
def _renamed(model: type[Base]) -> dict[str, str]:
    """Attribute name -> column key, where they differ (``metadata_`` -> ``metadata``)."""
    return {key: column.key for key, column in _columns(model)[1] if key != column.key}
