"""SCIM filters (RFC 7644 §3.4.2.2) as SQL over the columns a directory indexes.

scim2-models parses the filter (``ScimFilter.ast``); this visitor turns the parts that name
an indexed attribute into a WHERE clause. A filter naming anything else gives ``None``:
the caller then evaluates it with scim2-models on each of the directory's resources, so
every filter the models accept is answered, the common ones (what Okta and Entra ID send)
from the indexes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, not_, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from tenantry.server.db.models import DirectoryGroup, DirectoryGroupMember, DirectoryUser
from tenantry.server.domain.errors import InvalidArgument


class Unsupported(Exception):
    """The filter names an attribute no column holds."""


_OPS = {"gt": "__gt__", "ge": "__ge__", "lt": "__lt__", "le": "__le__"}


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


KEY = "key"  # the column holds the lower-cased value: lower the operand only (index used)
FOLD = "fold"  # case-insensitive on a column kept as sent


def _compare(column: Any, op: str, value: Any, *, fold: str | None = None) -> ColumnElement[bool]:
    if value is None:
        return column.is_(None) if op == "eq" else column.is_not(None)
    if isinstance(value, str) and fold:
        value = value.lower()
        if fold == FOLD:
            column = func.lower(column)
    if op == "eq":
        return column == value
    if op == "ne":
        return or_(column != value, column.is_(None))
    if op in ("co", "sw", "ew"):
        if not isinstance(value, str):
            raise InvalidArgument.field("filter", "invalidFilter", f"'{op}' needs a string")
        pattern = {"co": f"%{_like(value)}%", "sw": f"{_like(value)}%", "ew": f"%{_like(value)}"}[op]
        return column.like(pattern, escape="\\")
    if op in _OPS:
        return getattr(column, _OPS[op])(value)
    raise Unsupported(op)


def _when(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidArgument.field("filter", "invalidFilter", f"{value!r} is not a date-time") from exc


class _Sql:
    """One resource type's attribute → column table, and the walk over the filter tree."""

    columns: dict[str, tuple[InstrumentedAttribute[Any], str | None]] = {}

    def visit(self, node: Any) -> ColumnElement[bool]:
        kind = type(node).__name__
        if kind == "LogicalExpr":
            terms = [self.visit(term) for term in node.terms]
            return and_(*terms) if node.op.value == "and" else or_(*terms)
        if kind == "Not":
            return not_(self.visit(node.expr))
        if kind == "Present":
            column, _ = self._column(node.attr_path)
            return column.is_not(None) if column.type.python_type is not bool else true()
        if kind == "Comparison":
            return self.comparison(node.attr_path, node.op.value, node.value)
        if kind == "ValuePath":
            return self.value_path(node)
        raise Unsupported(kind)

    def _name(self, path: Any) -> str:
        name = path.attr.lower() + (f".{path.sub_attr.lower()}" if path.sub_attr else "")
        if path.uri and path.uri.lower() not in self.core_uris:
            raise Unsupported(name)
        return name

    core_uris: tuple[str, ...] = ()

    def _column(self, path: Any) -> tuple[Any, str | None]:
        found = self.columns.get(self._name(path))
        if found is None:
            raise Unsupported(self._name(path))
        return found

    def comparison(self, path: Any, op: str, value: Any) -> ColumnElement[bool]:
        column, fold = self._column(path)
        if self._name(path).startswith("meta."):
            value = _when(value)
        return _compare(column, op, value, fold=fold)

    def value_path(self, node: Any) -> ColumnElement[bool]:
        raise Unsupported(str(node))


class _UserSql(_Sql):
    core_uris = ("urn:ietf:params:scim:schemas:core:2.0:user",)
    columns = {
        "id": (DirectoryUser.id, None),
        "username": (DirectoryUser.user_name_key, KEY),
        "externalid": (DirectoryUser.external_id, None),
        "displayname": (DirectoryUser.display_name, FOLD),
        "active": (DirectoryUser.active, None),
        "emails": (DirectoryUser.email_key, KEY),
        "emails.value": (DirectoryUser.email_key, KEY),
        "meta.lastmodified": (DirectoryUser.updated_at, None),
        "meta.created": (DirectoryUser.created_at, None),
    }

    def value_path(self, node: Any) -> ColumnElement[bool]:
        """``emails[type eq "work" and value eq "…"]``: the indexed address is the work (or
        primary) one, so only ``value`` comparisons, with ``type eq "work"`` or
        ``primary eq true`` beside them, are answered here."""
        if node.attr_path.attr.lower() != "emails":
            raise Unsupported(str(node))
        terms = node.val_filter.terms if type(node.val_filter).__name__ == "LogicalExpr" else (node.val_filter,)
        if type(node.val_filter).__name__ == "LogicalExpr" and node.val_filter.op.value != "and":
            raise Unsupported(str(node))
        clauses = []
        for term in terms:
            if type(term).__name__ != "Comparison" or term.attr_path.sub_attr:
                raise Unsupported(str(node))
            attr, op, value = term.attr_path.attr.lower(), term.op.value, term.value
            if attr == "type" and op == "eq" and str(value).lower() == "work":
                continue
            if attr == "primary" and op == "eq" and value is True:
                continue
            if attr != "value":
                raise Unsupported(str(node))
            clauses.append(_compare(DirectoryUser.email_key, op, value, fold=KEY))
        return and_(*clauses) if clauses else DirectoryUser.email_key.is_not(None)


class _GroupSql(_Sql):
    core_uris = ("urn:ietf:params:scim:schemas:core:2.0:group",)
    columns = {
        "id": (DirectoryGroup.id, None),
        "displayname": (DirectoryGroup.display_name_key, KEY),
        "externalid": (DirectoryGroup.external_id, None),
        "meta.lastmodified": (DirectoryGroup.updated_at, None),
        "meta.created": (DirectoryGroup.created_at, None),
    }

    def comparison(self, path: Any, op: str, value: Any) -> ColumnElement[bool]:
        if self._name(path) in ("members", "members.value") and op == "eq":
            return self._member(value)
        return super().comparison(path, op, value)

    def value_path(self, node: Any) -> ColumnElement[bool]:
        inner = node.val_filter
        if (
            node.attr_path.attr.lower() == "members"
            and type(inner).__name__ == "Comparison"
            and inner.attr_path.attr.lower() == "value"
            and inner.op.value == "eq"
        ):
            return self._member(inner.value)
        raise Unsupported(str(node))

    @staticmethod
    def _member(value: Any) -> ColumnElement[bool]:
        if not isinstance(value, str):
            return false()
        return exists(
            select(DirectoryGroupMember.group_id).where(
                DirectoryGroupMember.group_id == DirectoryGroup.id, DirectoryGroupMember.directory_user_id == value
            )
        )


def users_where(ast: Any) -> ColumnElement[bool] | None:
    """The WHERE clause for a Users filter, or None when it needs the models to evaluate it."""
    try:
        return _UserSql().visit(ast)
    except Unsupported:
        return None


def groups_where(ast: Any) -> ColumnElement[bool] | None:
    try:
        return _GroupSql().visit(ast)
    except Unsupported:
        return None
