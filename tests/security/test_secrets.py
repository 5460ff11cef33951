"""Secrets are stored as digests (a test reads every table) and never reach the logs (a
real ``tenantry serve`` with its default logging, access log included)."""

from __future__ import annotations

import hashlib
import logging

import pytest
from sqlalchemy import inspect, text

from tests.faults.conftest import ServerProcess
from tests.helpers import BOOTSTRAP_SECRET
from tests.security.flow import secrets_flow

# The local outbox (no SMTP configured) is the mailbox of development set-ups: it keeps the
# links it was asked to send. With SMTP, only envelopes are kept (tests/api/test_email_delivery.py).
OUTBOX = "emails"


def test_no_table_holds_a_secret_in_clear(site, engine):
    found = secrets_flow(site)
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            if table in (OUTBOX, "alembic_version"):
                continue
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                cells = " ".join(str(value) for value in row)
                for name, secret in found.items():
                    assert secret not in cells, f"{name} stored in clear in {table}"
        stored = connection.execute(text("SELECT secret_hash FROM api_clients")).scalars().all()
        assert hashlib.sha256(BOOTSTRAP_SECRET.encode()).hexdigest() in stored
        hashes = connection.execute(text("SELECT password_hash FROM users")).scalars().all()
        assert hashes and all(value.startswith("$argon2id$") for value in hashes)


@pytest.mark.live
def test_no_secret_reaches_the_logs(database_url, engine, caplog):
    server = ServerProcess(database_url)
    server.env["TENANTRY_PUBLIC_URL"] = server.url  # loopback: the OIDC flow runs without TLS
    server.start()
    try:
        found = secrets_flow(server.url)
    finally:
        server.stop()
    log = server.output()
    assert "GET /reset-password" in log and "POST /oauth/token" in log  # the access log was on
    for name, secret in found.items():
        assert secret not in log, f"{name} logged"


def test_no_secret_reaches_the_logs_in_process(site, caplog):
    """The same through every logger of the process (ours, uvicorn's, SQLAlchemy's) at DEBUG."""
    caplog.set_level(logging.DEBUG)
    found = secrets_flow(site)
    logged = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith(("httpx", "httpcore"))
    )  # the test's own HTTP client logs the URLs it requests
    for name, secret in found.items():
        assert secret not in logged, f"{name} logged"
