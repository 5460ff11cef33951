"""Keyset pages over any SELECT of rows with a time-ordered ``id`` column."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tenantry.server.domain.pagination import Page, PageRequest, encode_token

T = TypeVar("T")


def _after(sort_column: Any, id_column: InstrumentedAttribute[str], pivot: str, larger: bool) -> Any:
    """Rows past the pivot row in (sort_column, id) order. Tokens carry only the pivot's id;
    its sort value is read back from the table (so tokens stay ids, whatever the order)."""
    value = select(sort_column).where(id_column == pivot).scalar_subquery()
    if larger:
        return or_(sort_column > value, and_(sort_column == value, id_column > pivot))
    return or_(sort_column < value, and_(sort_column == value, id_column < pivot))


def fetch_page(
    session: Session,
    stmt: Select[Any],
    id_column: InstrumentedAttribute[str],
    request: PageRequest,
    count: Select[Any] | None = None,
    *,
    descending: bool = False,
    sort_column: Any = None,
) -> Page[Any]:
    """One page of ``stmt`` ordered by ``id_column`` (newest first when ``descending``), or by
    a non-null ``sort_column`` then the id, with tokens to the pages around it and the total
    number of rows ``stmt`` selects (``count`` may compute that number more cheaply)."""
    if count is None:
        count = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = session.scalar(count) or 0
    query = stmt
    keys = [id_column] if sort_column is None else [sort_column, id_column]
    # Walking towards larger keys: "next" in ascending order, "prev" in descending order.
    larger = (request.direction == "next") != descending
    if request.pivot is not None:
        if sort_column is None:
            query = query.where(id_column > request.pivot if larger else id_column < request.pivot)
        else:
            query = query.where(_after(sort_column, id_column, request.pivot, larger))
    query = query.order_by(*(key.asc() if larger else key.desc() for key in keys))
    rows = list(session.scalars(query.limit(request.size + 1)))
    more = len(rows) > request.size
    rows = rows[: request.size]
    if request.direction == "prev":
        rows.reverse()
    if not rows:
        return Page([], "", "", int(total))
    first, last = getattr(rows[0], id_column.key), getattr(rows[-1], id_column.key)
    has_next = more if request.direction == "next" else True
    has_prev = (request.pivot is not None) if request.direction == "next" else more
    return Page(
        rows,
        encode_token("next", last) if has_next else "",
        encode_token("prev", first) if has_prev else "",
        int(total),
    )
