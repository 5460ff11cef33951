"""``/readyz`` asks the database; ``/healthz`` (liveness) never does; every answer carries a
request id."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import make_url

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.db.engine import create_db_engine, normalize_database_url
from tests.helpers import free_port


def unreachable(database_url: str, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The same kind of database, somewhere nothing answers."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/no/such/directory/tenantry.db"
    url = make_url(normalize_database_url(database_url))
    return url.set(host="127.0.0.1", port=free_port()).render_as_string(hide_password=False)


def test_ready_when_the_database_answers(http):
    response = http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_not_ready_but_alive_when_the_database_is_unreachable(settings, clock, database_url, tmp_path):
    engine = create_db_engine(unreachable(database_url, tmp_path))
    app = create_app(context=build_context(settings, clock, engine=engine))
    http = TestClient(app)  # no lifespan: start-up would try to create the bootstrap client
    ready = http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "code": "database_unavailable"}
    assert ready.headers["retry-after"]
    assert http.get("/healthz").status_code == 200
    engine.dispose()


def test_every_answer_carries_a_request_id_and_keeps_a_sane_incoming_one(http):
    generated = http.get("/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert http.get("/healthz").headers["x-request-id"] != generated
    assert http.get("/healthz", headers={"X-Request-ID": "lb-7f3a:42"}).headers["x-request-id"] == "lb-7f3a:42"
    for insane in ("has space", 'quote"d', "x" * 200, "<script>"):
        echoed = http.get("/healthz", headers={"X-Request-ID": insane}).headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", echoed), insane
    assert "x-request-id" in http.get("/api/v1/organizations").headers  # errors too (401 here)
