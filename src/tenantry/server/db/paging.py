"""Keyset pages over any SELECT of rows with a time-ordered ``id`` column."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ClauseElement, Executable, Select, and_, func, or_, select
from sqlalchemy.ext.compiler import compiles
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


class _Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON)`` of a statement, its parameters bound as in the statement."""

    inherit_cache = False

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


@compiles(_Explain, "postgresql")
def _explain_sql(element: _Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + str(compiler.process(element.statement, **kw))


def _total(session: Session, stmt: Select[Any], count: Select[Any] | None, exact_up_to: int | None) -> tuple[int, bool]:
    """The number of rows ``stmt`` selects, and whether it is an estimate. With
    ``exact_up_to`` on PostgreSQL, counting stops past that many rows and a larger total is
    the planner's estimate (never below what was counted): counting every match of a common
    word costs as much as reading them all (~17 ms per 10,000 users), for a figure people
    read as "about"."""
    if count is not None:
        return int(session.scalar(count) or 0), False
    rows = stmt.order_by(None)
    if exact_up_to is None or session.get_bind().dialect.name != "postgresql":
        return int(session.scalar(select(func.count()).select_from(rows.subquery())) or 0), False
    counted = int(session.scalar(select(func.count()).select_from(rows.limit(exact_up_to + 1).subquery())) or 0)
    if counted <= exact_up_to:
        return counted, False
    [plan] = session.execute(_Explain(rows)).scalar_one()
    return max(int(plan["Plan"]["Plan Rows"]), counted), True


def fetch_page(
    session: Session,
    stmt: Select[Any],
    id_column: InstrumentedAttribute[str],
    request: PageRequest,
    count: Select[Any] | None = None,
    *,
    descending: bool = False,
    sort_column: Any = None,
    exact_up_to: int | None = None,
    joined_id: Any = None,
) -> Page[Any]:
    """One page of ``stmt`` ordered by ``id_column`` (newest first when ``descending``), or by
    a non-null ``sort_column`` then the id, with tokens to the pages around it and the total
    number of rows ``stmt`` selects (``count`` may compute that number more cheaply; with
    ``exact_up_to``, a larger total may be an estimate, flagged: ``_total``). ``joined_id``: a
    column ``stmt`` joins equal to ``id_column`` (``memberships.user_id`` when listing an
    organization's users), given the token's bound too: the database does not carry a range
    across a join, and without it walks the joined table's index from the start to the
    token's row, a cost that grows with the page number (issue 18)."""
    total, estimated = _total(session, stmt, count, exact_up_to)
    query = stmt
    keys = [id_column] if sort_column is None else [sort_column, id_column]
    # Walking towards larger keys: "next" in ascending order, "prev" in descending order.
    larger = (request.direction == "next") != descending
    if request.pivot is not None:
        if sort_column is None:
            query = query.where(id_column > request.pivot if larger else id_column < request.pivot)
            if joined_id is not None:
                query = query.where(joined_id > request.pivot if larger else joined_id < request.pivot)
        else:
            query = query.where(_after(sort_column, id_column, request.pivot, larger))
    query = query.order_by(*(key.asc() if larger else key.desc() for key in keys))
    rows = list(session.scalars(query.limit(request.size + 1)))
    more = len(rows) > request.size
    rows = rows[: request.size]
    if request.direction == "prev":
        rows.reverse()
    if not rows:
        return Page([], "", "", total, estimated)
    first, last = getattr(rows[0], id_column.key), getattr(rows[-1], id_column.key)
    has_next = more if request.direction == "next" else True
    has_prev = (request.pivot is not None) if request.direction == "next" else more
    return Page(
        rows,
        encode_token("next", last) if has_next else "",
        encode_token("prev", first) if has_prev else "",
        total,
        estimated,
    )
