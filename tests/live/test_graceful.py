"""SIGTERM is a graceful stop: requests and webhook deliveries in flight finish, then the process
exits 0; two processes restarted one after the other lose no acknowledged write. And starting:
connections that arrive while the server starts wait and are answered, never refused."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.events.conftest import deliveries, receiver, register  # noqa: F401 -- receiver is a fixture
from tests.helpers import Api, free_port, token_for
from tests.live.conftest import server_env
from tests.serving import ServeProcess

WRITERS = 4


@pytest.fixture
def pair(database_url: str, engine) -> Iterator[list[ServeProcess]]:  # type: ignore[no-untyped-def]
    servers = [ServeProcess(server_env(database_url), free_port()) for _ in range(2)]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.close()


class Writers:
    """Threads creating organizations through both processes, each write with its own
    external_id. A write goes to one process; refused there (not listening) or dropped before
    any answer (uvicorn closes connections that have not sent a whole request yet), it is sent
    again to the other. Each request opens its own connection, as a fresh client would."""

    def __init__(self, urls: list[str], token: str) -> None:
        self.urls, self.headers = urls, {"Authorization": f"Bearer {token}", "Connection": "close"}
        self.acknowledged: list[str] = []
        self.unexpected: list[Any] = []
        self.retried = {"refused": 0, "dropped before an answer": 0}
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(i,)) for i in range(WRITERS)]

    def __enter__(self) -> Writers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=120)

    def _run(self, writer: int) -> None:
        deadline = time.monotonic() + 240  # bounded, whatever happens
        number = 0
        while not self.stop.is_set() and time.monotonic() < deadline:
            number += 1
            self._write(f"w{writer}-{number}", first=(writer + number) % 2)

    def _write(self, external_id: str, first: int) -> None:
        for attempt in range(200):
            url = self.urls[(first + attempt) % 2]
            try:
                response = httpx.post(
                    f"{url}/api/v1/organizations",
                    json={"display_name": external_id, "external_id": external_id},
                    headers=self.headers,
                    timeout=60,
                )
            except httpx.ConnectError:
                self._count("refused")
                time.sleep(0.01)
                continue
            except httpx.RemoteProtocolError as exc:  # "Server disconnected without sending a response"
                self._count("dropped before an answer")
                if "without sending a response" not in str(exc):
                    self.unexpected.append((external_id, repr(exc)))
                continue
            except httpx.HTTPError as exc:
                self.unexpected.append((external_id, repr(exc)))
                return
            if response.status_code == 201:
                with self._lock:
                    self.acknowledged.append(external_id)
            else:  # 409 would mean a write without an answer landed before this retry
                self.unexpected.append((external_id, response.status_code, response.text))
            return
        self.unexpected.append((external_id, "no process answered"))

    def _count(self, kind: str) -> None:
        with self._lock:
            self.retried[kind] += 1

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 120
        while len(self.acknowledged) < count and time.monotonic() < deadline and not self.unexpected:
            time.sleep(0.02)


def test_a_rolling_restart_of_two_processes_loses_no_acknowledged_write(pair, record_property):
    with httpx.Client(base_url=pair[0].url, timeout=30) as client:
        token = token_for(client)
    with Writers([server.url for server in pair], token) as writers:
        for server in pair:
            writers.wait_for(len(writers.acknowledged) + 25)
            assert server.stop() == 0, server.output()  # SIGTERM: graceful, exit status 0
            server.start()  # same port
        writers.wait_for(len(writers.acknowledged) + 25)
    assert writers.unexpected == []
    assert writers.retried["refused"] > 0  # the switch happened under traffic

    with httpx.Client(base_url=pair[1].url, timeout=30) as client:
        api = Api(client, token)
        stored = set()
        page: dict[str, Any] = {"page_size": 100}
        while True:
            body = api.get("/api/v1/organizations", params=page).json()
            stored |= {org["external_id"] for org in body["organizations"]}
            if not body["next_page_token"]:
                break
            page["page_token"] = body["next_page_token"]
    assert stored == set(writers.acknowledged)  # every answered write is there, and nothing unanswered
    record_property("reliability: acknowledged writes checked", len(writers.acknowledged))
    record_property("reliability: acknowledged writes lost", len(set(writers.acknowledged) - stored))
    record_property("reliability: faults injected", 2)
    for kind, count in writers.retried.items():
        record_property(f"reliability: rolling restart, writes {kind} and resent", count)


def slow_body(first_part_sent: threading.Event, wait: float) -> Iterator[bytes]:
    yield b'{"display_name": "In flight", '
    first_part_sent.set()
    time.sleep(wait)
    yield b'"external_id": "in-flight"}'


def test_sigterm_finishes_a_request_and_a_webhook_delivery_in_flight(database_url, engine, receiver):  # noqa: F811
    receiver.behaviour = lambda _received: (200, 3.0)  # the receiver takes its time
    server = ServeProcess(
        server_env(
            database_url,
            TENANTRY_WORKER_POLL_SECONDS="0.1",
            TENANTRY_WEBHOOK_TIMEOUT_SECONDS="10",
            TENANTRY_WEBHOOK_ALLOWED_TARGETS="127.0.0.1",  # the receiver runs on loopback
        ),
        free_port(),
    )
    try:
        server.start()
        with httpx.Client(base_url=server.url, timeout=60) as client:
            api = Api.login(client)
            hook = register(api, receiver.url, event_types=["organization.created"])
            api.org("Announced")
            (in_flight,) = receiver.wait_for(lambda got: len(got) == 1)  # the delivery is in flight now

            sent, answer = threading.Event(), {}
            content = slow_body(sent, 2.0)
            request = threading.Thread(
                target=lambda: answer.update(
                    response=httpx.post(
                        f"{server.url}/api/v1/organizations",
                        content=content,
                        headers={**api.headers, "Content-Type": "application/json", "Connection": "close"},
                        timeout=60,
                    )
                )
            )
            request.start()
            assert sent.wait(30)
            time.sleep(0.3)  # the request's headers are in: it is in flight
            server.send()  # SIGTERM
            request.join(timeout=60)
            assert server.wait(timeout=60) == 0, server.output()
        assert answer["response"].status_code == 201, answer["response"].text
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{server.url}/healthz", timeout=5)
        server.start()
        with httpx.Client(base_url=server.url, timeout=60) as client:
            api = Api.login(client)
            assert api.get("/api/v1/organizations:external/in-flight").status_code == 200
            (delivery,) = [d for d in deliveries(api, hook["webhook"]["id"]) if d["id"] == in_flight.id]
            assert (delivery["status"], delivery["attempts"]) == ("DELIVERED", 1), delivery  # finished, not cut
    finally:
        server.close()


def test_a_connection_made_while_the_server_starts_waits_and_is_answered(database_url, engine):
    # The socket listens before the application is built. It once listened only after READY
    # was printed, so a client told "ready" could be refused (a CI failure of the test above).
    server = ServeProcess(server_env(database_url), free_port())
    try:
        server.launch()
        deadline = time.monotonic() + 120
        while True:
            assert not server.ready, "the socket did not listen before the application started"
            assert server.process is not None and server.process.poll() is None, server.output()
            assert time.monotonic() < deadline, server.output()
            try:
                early = socket.create_connection(("127.0.0.1", server.port), timeout=60)
                break
            except ConnectionRefusedError:
                time.sleep(0.005)
        with early:
            early.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := early.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200"), answer
    finally:
        server.close()
