"""A real webhook receiver on loopback, workers in-process (on the test's clock) or as
``tenantry worker`` processes, and helpers to read the audit log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import Engine

from tenantry.server.context import Context, build_context
from tenantry.server.settings import Settings
from tenantry.server.worker import Worker
from tests.helpers import Api

# How the receiver answers one request: (status, seconds to wait first).
Behaviour = Callable[["Received"], tuple[int, float]]


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    number: int  # 1 for the first request with this webhook-id, 2 for its retry…

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def event(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    url: str
    behaviour: Behaviour = lambda _r: (200, 0.0)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)  # ends any hang early

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout: float = 60) -> list[Received]:
        """Poll (generously: the machine may be loaded) until ``predicate`` holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                snapshot = list(self.requests)
            if predicate(snapshot):
                return snapshot
            time.sleep(0.05)
        pytest.fail(f"receiver: condition not met within {timeout} s; got {len(snapshot)} requests")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            rec = holder["r"]
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with rec.lock:
                number = 1 + sum(1 for r in rec.requests if r.headers.get("webhook-id") == headers.get("webhook-id"))
                received = Received(headers, body, number)
                rec.requests.append(received)
            status, delay = rec.behaviour(received)
            if delay:
                rec.release.wait(delay)
            try:
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the worker gave up (timeout) or was killed

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    holder["r"] = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder["r"]
    holder["r"].release.set()
    server.shutdown()
    server.server_close()


# The receivers run on loopback, which webhooks may only reach when the deployment allows
# it (SSRF guard): these tests run as an operator with an intranet receiver would.
LOOPBACK_ALLOWED = {"webhook_allowed_targets": "127.0.0.1"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=LOOPBACK_ALLOWED)


FAST = {
    "webhook_timeout_seconds": 1.0,
    "webhook_lease_seconds": 3.0,
    "webhook_retry_base_seconds": 30.0,
    "worker_poll_seconds": 0.05,
}


@pytest.fixture
def worker_context(settings: Settings, clock: Any, engine: Engine) -> Context:
    """The app's database and clock, with a short timeout and lease."""
    return build_context(settings.model_copy(update=FAST), clock, engine=engine)


@pytest.fixture
def worker(worker_context: Context) -> Iterator[Worker]:
    """A worker in the test process; tests call ``run_once`` and move the clock."""
    runner = Worker(worker_context, owner="test-worker")
    yield runner
    runner.close()


def register(api: Api, url: str, **fields: Any) -> dict[str, Any]:
    response = api.post("/api/v1/webhooks", json={"url": url, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


def events(api: Api, **params: Any) -> list[dict[str, Any]]:
    """Every event matching ``params``, walking all pages."""
    found: list[dict[str, Any]] = []
    token = ""
    while True:
        response = api.get("/api/v1/events", params={**params, "page_size": 100, "page_token": token or None})
        assert response.status_code == 200, response.text
        found += response.json()["events"]
        token = response.json()["next_page_token"]
        if not token:
            return found


def deliveries(api: Api, webhook_id: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/webhooks/{webhook_id}/deliveries", params={"page_size": 100, **params})
    assert response.status_code == 200, response.text
    return list(response.json()["deliveries"])


@contextmanager
def worker_process(database_url: str, **settings: str) -> Iterator[subprocess.Popen[bytes]]:
    """``tenantry worker`` in its own process, with short leases and polls; killed after."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENANTRY_")}
    env.update(
        TENANTRY_DATABASE_URL=database_url,
        TENANTRY_WEBHOOK_TIMEOUT_SECONDS="2",
        TENANTRY_WEBHOOK_LEASE_SECONDS="3",
        TENANTRY_WEBHOOK_RETRY_BASE_SECONDS="0.2",
        TENANTRY_WORKER_POLL_SECONDS="0.1",
        TENANTRY_WEBHOOK_ALLOWED_TARGETS="127.0.0.1",
        **settings,
    )
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tenantry", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
            log.seek(0)
            output = log.read().decode(errors="replace")
            if "Traceback" in output:
                print(output)  # shown when the test fails
