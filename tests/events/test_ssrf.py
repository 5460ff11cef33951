"""Webhooks cannot be aimed at the server's own network (SSRF, issue 15 item 4): private,
loopback, link-local and other non-public targets are refused when an endpoint is registered
or changed, and again at every delivery after resolving the name, with the connection made to
the address that was checked; an allow-list lets an operator reach intranet receivers."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.worker import Worker
from tests.events.conftest import FAST, deliveries, register
from tests.helpers import Api, assert_problem

LOOPBACK_FORMS = [
    "http://127.0.0.1/hook",
    "http://[::1]/hook",
    "http://localhost/hook",
    "http://LOCALHOST./hook",
    "http://api.localhost/hook",
    "http://127.1/hook",
    "http://0x7f000001/hook",
    "http://2130706433/hook",
    "http://0177.0.0.1/hook",
    "http://127.0.0.2:8080/hook",
    "http://[::ffff:127.0.0.1]/hook",
]
INTERNAL = [
    "http://10.0.0.5/hook",
    "http://172.16.3.4/hook",
    "http://192.168.0.10/hook",
    "https://[fd00::1]/hook",  # unique local (ULA)
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[fe80::1]/hook",
    "http://100.64.0.1/hook",  # carrier-grade NAT
    "http://224.0.0.1/hook",
    "http://0.0.0.0/hook",
    "http://[::]/hook",
    "http://[::ffff:10.0.0.1]/hook",
    "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 form of 169.254.169.254
    "http://[2002:a00:1::]/hook",  # 6to4 form of 10.0.0.1
]


@contextmanager
def api_allowing(settings, clock, engine, allowed: str) -> Iterator[Api]:
    """A management API client of an app whose allow-list is ``allowed``."""
    served = settings.model_copy(update={"webhook_allowed_targets": allowed})
    with TestClient(create_app(context=build_context(served, clock, engine=engine))) as http:
        yield Api.login(http)


def deliver_once(settings, clock, engine, allowed: str, **kw) -> int:
    """One round of a worker whose allow-list is ``allowed``; how many attempts it made."""
    served = settings.model_copy(update={**FAST, "webhook_allowed_targets": allowed})
    worker = Worker(build_context(served, clock, engine=engine), owner="ssrf-test", **kw)
    try:
        return worker.run_once()
    finally:
        worker.close()


def attempts(api, hook_id: str) -> list[dict]:
    (delivery,) = deliveries(api, hook_id)
    response = api.get(f"/api/v1/webhooks/{hook_id}/deliveries/{delivery['id']}/attempts")
    assert response.status_code == 200, response.text
    return list(response.json()["attempts"])


@pytest.mark.parametrize("url", LOOPBACK_FORMS + INTERNAL)
def test_non_public_targets_are_refused_when_registered(settings, clock, engine, url):
    with api_allowing(settings, clock, engine, "") as api:
        body = assert_problem(api.post("/api/v1/webhooks", json={"url": url}), 400, "invalid_argument")
        assert [(d["field"], d["code"]) for d in body["details"]] == [("url", "forbidden_target")], body
        assert "TENANTRY_WEBHOOK_ALLOWED_TARGETS" in body["details"][0]["message"] or "never" in body["message"]
        assert api.get("/api/v1/webhooks").json()["webhooks"] == []


def test_a_registered_endpoint_cannot_be_moved_to_an_internal_target(settings, clock, engine):
    with api_allowing(settings, clock, engine, "") as api:
        hook = register(api, "https://hooks.example/in")["webhook"]
        for url in ("http://169.254.169.254/latest/meta-data/", "http://localhost:6379/"):
            response = api.patch(f"/api/v1/webhooks/{hook['id']}", json={"url": url})
            assert_problem(response, 400, "invalid_argument")
        assert api.get(f"/api/v1/webhooks/{hook['id']}").json()["webhook"]["url"] == "https://hooks.example/in"


def test_the_allow_list_lets_an_intranet_receiver_in(settings, clock, engine, receiver):
    with api_allowing(settings, clock, engine, "10.0.0.0/8, 127.0.0.1 intranet.localhost") as api:
        for url in ("http://10.1.2.3/hook", "http://intranet.localhost/hook", receiver.url):
            assert api.post("/api/v1/webhooks", json={"url": url}).status_code == 201, url
        # …and only what it names: other private and loopback addresses stay refused.
        for url in ("http://192.168.1.1/hook", "http://127.0.0.2/hook", "http://localhost/hook"):
            assert_problem(api.post("/api/v1/webhooks", json={"url": url}), 400, "invalid_argument")


def test_delivery_checks_the_target_again_and_sends_nothing_when_refused(settings, clock, engine, receiver):
    """Registered while the operator allowed loopback; the allow-list was then emptied. The
    worker refuses at delivery time: nothing reaches the receiver, the attempt says why."""
    with api_allowing(settings, clock, engine, "127.0.0.1") as api:
        hook_id = register(api, receiver.url)["webhook"]["id"]
        api.org("Acme")
        assert deliver_once(settings, clock, engine, "") == 1
        assert receiver.requests == []
        (attempt,) = attempts(api, hook_id)
        assert attempt["succeeded"] is False and attempt["status_code"] is None
        assert "loopback" in attempt["error"] and attempt["response_body"] is None


def test_the_connection_goes_to_the_checked_address_with_the_names_host_header(settings, clock, engine, receiver):
    """DNS rebinding: the worker resolves once, checks, and connects to that address. The
    name below does not resolve on this machine at all, so the delivery can only arrive if
    the connection used the checked address rather than a second lookup."""
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    lookups: list[str] = []

    def resolve(host: str, _port: int) -> list:
        lookups.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    with api_allowing(settings, clock, engine, "127.0.0.1") as api:
        register(api, f"http://hooks.rebind.test:{port}/hook")  # does not resolve now: checked later
        api.org("Acme")
        assert deliver_once(settings, clock, engine, "127.0.0.1", resolve=resolve) == 1
    (request,) = receiver.requests
    assert request.headers["host"] == f"hooks.rebind.test:{port}"
    assert lookups == ["hooks.rebind.test"]  # one lookup, the one that was checked


@pytest.mark.parametrize(
    "answers",
    [["10.0.0.7"], ["169.254.169.254"], ["203.0.113.9", "127.0.0.1"], ["::ffff:192.168.0.1"]],
    ids=["private", "metadata", "public-and-loopback", "mapped-private"],
)
def test_a_name_that_resolves_to_an_internal_address_is_never_called(settings, clock, engine, answers):
    """The resolver answers with internal addresses (a rebinding DNS server would): the
    worker refuses before connecting to anything."""
    with api_allowing(settings, clock, engine, "") as api:
        hook_id = register(api, "https://hooks.rebind.test/in")["webhook"]["id"]
        api.org("Acme")
        rebinding = [ipaddress.ip_address(a) for a in answers]
        assert deliver_once(settings, clock, engine, "", resolve=lambda _h, _p: rebinding) == 1
        (attempt,) = attempts(api, hook_id)
        assert attempt["status_code"] is None and "hooks.rebind.test resolves to" in attempt["error"]


@contextmanager
def chatty_receiver(status: int, body: bytes, headers: dict[str, str] | None = None) -> Iterator[tuple[str, list]]:
    """A receiver that answers every POST with ``status``, ``headers`` and ``body``."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            seen.append(self.path)
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_redirects_are_not_followed_and_only_a_kib_of_the_answer_is_kept(settings, clock, engine):
    with (
        chatty_receiver(200, b"x" * 100_000) as (inner, inner_seen),
        chatty_receiver(307, b"moved", {"location": f"{inner}/secret"}) as (outer, _),
        api_allowing(settings, clock, engine, "127.0.0.1") as api,
    ):
        redirecting = register(api, f"{outer}/hook", event_types=["organization.created"])["webhook"]["id"]
        big = register(api, f"{inner}/hook", event_types=["organization.created"])["webhook"]["id"]
        api.org("Acme")
        assert deliver_once(settings, clock, engine, "127.0.0.1") == 2
        (moved,) = attempts(api, redirecting)
        assert moved["status_code"] == 307 and moved["succeeded"] is False
        assert inner_seen == ["/hook"]  # the redirect to /secret was not followed
        (answered,) = attempts(api, big)
        assert answered["succeeded"] is True and len(answered["response_body"]) == 1024
