"""Keyset pages over any SELECT of rows with a time-ordered ``id`` column."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tenantry.server.domain.pagination import Page, PageRequest, encode_token

T = TypeVar("T")


def fetch_page(
    session: Session,
    stmt: Select[Any],
    id_column: InstrumentedAttribute[str],
    request: PageRequest,
    count: Select[Any] | None = None,
    *,
    descending: bool = False,
) -> Page[Any]:
    """One page of ``stmt`` ordered by ``id_column`` (newest first when ``descending``), with
    tokens to the pages around it and the total number of rows ``stmt`` selects (``count``
    may compute that number more cheaply)."""
    if count is None:
        count = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = session.scalar(count) or 0
    query = stmt
    # Walking towards larger ids: "next" in ascending order, "prev" in descending order.
    if (request.direction == "next") != descending:
        if request.pivot is not None:
            query = query.where(id_column > request.pivot)
        query = query.order_by(id_column.asc())
    else:
        if request.pivot is not None:
            query = query.where(id_column < request.pivot)
        query = query.order_by(id_column.desc())
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
