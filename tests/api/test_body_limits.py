"""Request bodies are capped before anything parses them (issue 15 item 5): 1 MiB for the API's
JSON, 64 KiB for forms, both settings; over the cap is 413 ``payload_too_large`` (problem JSON
for the API, a page for hosted forms), with or without a Content-Length."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tests.helpers import assert_problem
from tests.oidc.conftest import form_token

MIB = 1024 * 1024
JSON = {"content-type": "application/json"}


def signup_body(size: int) -> bytes:
    """A sign-up request of about ``size`` bytes (the padding is in the password)."""
    return json.dumps({"email": "big@example.com", "password": "p" * size}).encode()


def chunks(body: bytes, size: int = 64 * 1024):
    """The body as a generator: the client sends it chunked, without a Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_a_json_body_over_a_mebibyte_is_refused_with_413(http, api):
    body = signup_body(MIB + 10)
    response = http.post("/api/v1/signup", content=body, headers={"content-type": "application/json"})
    problem = assert_problem(response, 413, "payload_too_large")
    assert "1 MiB" in problem["message"]
    assert api.get("/api/v1/users").json()["users"] == []  # nothing was created


def test_a_chunked_body_is_counted_as_it_arrives(http, api):
    response = http.post(
        "/api/v1/signup", content=chunks(signup_body(2 * MIB)), headers={"content-type": "application/json"}
    )
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert_problem(response, 413, "payload_too_large")
    assert api.get("/api/v1/users").json()["users"] == []


def test_bodies_under_the_cap_still_work(http):
    body = json.dumps({"email": "ok@example.com", "password": "a long and unusual passphrase", "pad": "x"}).encode()
    response = http.post("/api/v1/signup", content=body, headers={"content-type": "application/json"})
    assert_problem(response, 400, "invalid_argument")  # parsed: an unknown field, not a size problem
    small = {"email": "ok@example.com", "password": "a long and unusual passphrase"}
    chunked = http.post("/api/v1/signup", content=chunks(json.dumps(small).encode(), 8), headers=JSON)
    assert chunked.status_code == 201, chunked.text


def test_a_form_over_64_kib_gets_a_page_and_the_token_endpoint_json(http):
    token = form_token(http, "/login")
    page = http.post("/login", data={"email": "a@example.com", "password": "x" * 70_000, "csrf_token": token})
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert "Too much to send" in page.text
    under = http.post("/login", data={"email": "a@example.com", "password": "x" * 60_000, "csrf_token": token})
    assert under.status_code != 413
    oauth = http.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "x" * 70_000})
    assert_problem(oauth, 413, "payload_too_large")


def test_the_caps_are_settings(settings, clock, engine):
    small = settings.model_copy(update={"max_api_body_bytes": 2048, "max_form_body_bytes": 1024})
    with TestClient(create_app(context=build_context(small, clock, engine=engine))) as http:
        big = http.post("/api/v1/signup", content=signup_body(3000), headers=JSON)
        assert_problem(big, 413, "payload_too_large")
        assert http.post("/login", data={"email": "a@example.com", "password": "x" * 2000}).status_code == 413


def test_a_declared_oversize_body_is_refused_without_being_read(site):
    """50 MB announced, a few bytes sent: the answer comes at once (the server does not wait for,
    let alone buffer, the rest)."""
    address = urlsplit(site)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 52428800\r\n\r\n{"email": "'
        )
        began = time.monotonic()
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - began < 10
