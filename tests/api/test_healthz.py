"""``GET /healthz``: a liveness probe that needs no token and never touches the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event


def test_healthz_answers_ok_without_a_token_or_a_database_query(http, context):
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(context.engine, "before_cursor_execute", record)
    try:
        response = http.get("/healthz")
    finally:
        event.remove(context.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert statements == []
