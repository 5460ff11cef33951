"""Structured logs (``TENANTRY_LOG_FORMAT=json``) and OpenTelemetry traces, on a real server."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.helpers import Api, free_port
from tests.live.conftest import server_env
from tests.serving import ServeProcess


def json_lines(output: str) -> list[dict]:  # type: ignore[type-arg]
    lines = []
    for line in output.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_json_logs_carry_the_request_id_and_no_secrets(database_url, engine):
    server = ServeProcess(server_env(database_url, TENANTRY_LOG_FORMAT="json"), free_port())
    try:
        server.start()
        with httpx.Client(base_url=server.url, timeout=30) as http:
            answered = http.get(
                "/invitations/accept", params={"token": "tok_secret_value"}, headers={"X-Request-ID": "req-123"}
            )
            assert answered.headers["x-request-id"] == "req-123"
            Api.login(http).org("Logged")
    finally:
        assert server.stop() == 0
    records = json_lines(server.output())
    access = [r for r in records if r["logger"] == "uvicorn.access" and r.get("request_id") == "req-123"]
    assert len(access) == 1, records
    assert access[0]["method"] == "GET" and access[0]["status"] in (200, 400, 410)
    assert access[0]["path"].startswith("/invitations/accept?token=[redacted]")
    assert {"time", "level", "message"} <= set(access[0])
    assert all(r.get("request_id") for r in records if r["logger"] == "uvicorn.access")
    assert "tok_secret_value" not in server.output()


def test_no_opentelemetry_sdk_is_loaded_without_an_endpoint(settings):
    script = (
        "import sys; from tenantry.server.app import create_app; from tenantry.server.settings import Settings; "
        f"create_app(Settings(database_url={settings.database_url!r})); "
        "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry.sdk', 'opentelemetry.exporter'))))"
    )
    env = {k: v for k, v in server_env(settings.database_url).items() if not k.startswith("OTEL_")}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[]", result.stderr


@pytest.fixture
def collector() -> Iterator[tuple[str, list[bytes]]]:
    """An OTLP/HTTP endpoint on loopback that keeps every export it is sent."""
    exports: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            exports.append(self.rfile.read(int(self.headers.get("content-length", "0"))))
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", exports
    server.shutdown()
    server.server_close()


def test_requests_are_traced_to_an_otlp_endpoint_continuing_the_callers_trace(database_url, engine, collector):
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    endpoint, exports = collector
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    server = ServeProcess(server_env(database_url, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint), free_port())
    try:
        server.start()
        with httpx.Client(base_url=server.url, timeout=30) as http:
            api = Api.login(http)
            org = api.org("Traced")
            traceparent = f"00-{trace_id}-00f067aa0ba902b7-01"
            headers = {**api.headers, "traceparent": traceparent}
            assert http.get(f"/api/v1/organizations/{org['id']}", headers=headers).status_code == 200
    finally:
        assert server.stop() == 0, server.output()  # the stop flushes what is buffered
    spans = []
    for body in exports:
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        spans += [span for rs in request.resource_spans for ss in rs.scope_spans for span in ss.spans]
    traced = [s for s in spans if s.trace_id.hex() == trace_id]
    assert [s.name for s in traced] == ["GET /api/v1/organizations/{organization_id}"], [s.name for s in spans]
    attributes = {a.key: a.value for a in traced[0].attributes}
    assert attributes["http.response.status_code"].int_value == 200
    assert attributes["http.route"].string_value == "/api/v1/organizations/{organization_id}"
    assert org["id"] not in traced[0].name
