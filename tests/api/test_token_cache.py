"""Management API tokens are looked up once per few seconds, not on every request, and
a deleted client's tokens stop working within that bound (TENANTRY_API_TOKEN_CACHE_SECONDS)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.services.integration import clients
from tests.helpers import token_for


@contextmanager
def token_lookups(engine: Any) -> Iterator[list[str]]:
    """The SQL statements that check access tokens while the block runs: a signed token is
    checked against its client's row, a token stored before tokens were signed against its own."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM access_tokens" in statement or "FROM api_clients" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_token_is_looked_up_once_per_cache_period_not_on_every_request(http, context, clock):
    headers = {"Authorization": f"Bearer {token_for(http)}"}
    with token_lookups(context.engine) as lookups:
        for _ in range(5):
            assert http.get("/api/v1/organizations", headers=headers).status_code == 200
        assert len(lookups) == 1
        clock.advance(seconds=2)
        assert http.get("/api/v1/organizations", headers=headers).status_code == 200
        assert len(lookups) == 2


def test_a_deleted_clients_token_stops_working_within_the_cache_period(http, context, clock):
    client = clients.create_client(context, "short-lived")
    headers = {"Authorization": f"Bearer {token_for(http, client.id, client.secret)}"}
    assert http.get("/api/v1/organizations", headers=headers).status_code == 200
    clients.delete_client(context, client.id)  # as `tenantry clients delete` does, from outside the server
    clock.advance(seconds=2)
    response = http.get("/api/v1/organizations", headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_a_rotated_secret_cuts_off_old_tokens_within_the_cache_period(http, context, clock):
    client = clients.create_client(context, "rotated")
    headers = {"Authorization": f"Bearer {token_for(http, client.id, client.secret)}"}
    assert http.get("/api/v1/organizations", headers=headers).status_code == 200
    clients.rotate_client_secret(context, client.id)
    clock.advance(seconds=2)
    assert http.get("/api/v1/organizations", headers=headers).status_code == 401


def test_a_cached_token_still_expires_on_time(http, clock):
    headers = {"Authorization": f"Bearer {token_for(http)}"}
    clock.advance(seconds=3599.5)
    assert http.get("/api/v1/organizations", headers=headers).status_code == 200  # remembered until 3600 s, not 3601.5
    clock.advance(seconds=0.5)
    assert http.get("/api/v1/organizations", headers=headers).status_code == 401


def test_a_cache_period_of_zero_looks_every_token_up(settings, clock, engine):
    context = build_context(settings.model_copy(update={"api_token_cache_seconds": 0}), clock, engine=engine)
    with TestClient(create_app(context=context)) as http:
        headers = {"Authorization": f"Bearer {token_for(http)}"}
        client = clients.create_client(context, "uncached")
        other = {"Authorization": f"Bearer {token_for(http, client.id, client.secret)}"}
        with token_lookups(engine) as lookups:
            for _ in range(3):
                assert http.get("/api/v1/organizations", headers=headers).status_code == 200
            assert len(lookups) == 3
        assert http.get("/api/v1/organizations", headers=other).status_code == 200
        clients.delete_client(context, client.id)
        assert http.get("/api/v1/organizations", headers=other).status_code == 401  # at once


def test_deleting_or_rotating_through_the_api_cuts_tokens_off_at_once(http):
    admin = {"Authorization": f"Bearer {token_for(http)}"}
    for action in ("delete", "rotate"):
        created = http.post("/api/v1/clients", json={"name": action}, headers=admin).json()
        client_id, secret = created["client"]["id"], created["client_secret"]
        headers = {"Authorization": f"Bearer {token_for(http, client_id, secret)}"}
        assert http.get("/api/v1/organizations", headers=headers).status_code == 200  # now remembered
        if action == "delete":
            assert http.delete(f"/api/v1/clients/{client_id}", headers=admin).status_code == 200
        else:
            assert http.post(f"/api/v1/clients/{client_id}:rotate-secret", headers=admin).status_code == 200
        assert http.get("/api/v1/organizations", headers=headers).status_code == 401, action  # no waiting


def test_a_secret_rotated_by_another_process_works_at_once_and_the_old_one_reaches_nothing(
    http, context, settings, clock, engine
):
    client = clients.create_client(context, "rotated elsewhere")
    assert token_for(http, client.id, client.secret)  # the server now remembers the client's credentials
    elsewhere = build_context(settings, clock, engine=engine)  # `tenantry clients rotate-secret`, say
    rotated = clients.rotate_client_secret(elsewhere, client.id)
    headers = {"Authorization": f"Bearer {token_for(http, client.id, rotated.secret)}"}  # no waiting
    assert http.get("/api/v1/organizations", headers=headers).status_code == 200
    old = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client.id, "client_secret": client.secret},
    )
    if old.status_code == 200:  # minted from remembered credentials: it names the old token generation
        stale = {"Authorization": f"Bearer {old.json()['access_token']}"}
        assert http.get("/api/v1/organizations", headers=stale).status_code == 401
    else:
        assert old.status_code == 401
