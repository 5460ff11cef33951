"""The events and webhooks routes, with real ids, fed the malformed and hostile input of the
API-wide sweep (tests/api/test_bad_input.py) plus their own: never a 500."""

from __future__ import annotations

import json

from tests.api.test_bad_input import BODIES, QUERIES, assert_problem, concrete, routes
from tests.events.conftest import deliveries, register

OWN_BODIES = [
    json.dumps({"url": "http://" + "a" * 3000 + ".example"}).encode(),
    json.dumps({"url": "https://example.com/\u0000"}).encode(),
    json.dumps({"url": "https://example.com", "event_types": [None, 5, {}]}).encode(),
    json.dumps({"url": "https://example.com", "event_types": ["user.created"] * 1000}).encode(),
    json.dumps({"url": "https://example.com", "description": "x" * 10_000}).encode(),
    json.dumps({"url": None, "enabled": None, "event_types": None}).encode(),
]
OWN_QUERIES = [
    {"since": "2026-13-45"},
    {"since": "\u0000"},
    {"type": "\u0000"},
    {"user_id": "\u0000"},
    {"organization_id": "x" * 5000},
    {"status": "pending"},
]


def test_events_and_webhooks_routes_never_answer_a_server_error(api):
    hook_id = register(api, "https://example.com/hook")["webhook"]["id"]
    api.org()
    (delivery,) = deliveries(api, hook_id)
    ids = {"webhook_id": hook_id, "delivery_id": delivery["id"], "event_id": delivery["event_id"]}
    checked = 0
    for method, path in routes(api.http):
        if not path.startswith(("/api/v1/events", "/api/v1/webhooks")):
            continue
        for url in concrete(path, ids):
            bodies = [*BODIES, *OWN_BODIES] if method in ("POST", "PATCH") else [b""]
            cases = [(query, bodies[-1]) for query in [*QUERIES, *OWN_QUERIES]] + [({}, body) for body in bodies]
            for query, body in cases:
                if method == "DELETE":
                    continue  # deleting is not about input; covered in test_webhooks_api
                response = api.http.request(
                    method, url, params=query, content=body, headers={**api.headers, "Content-Type": "application/json"}
                )
                assert_problem(response, f"{method} {url} {query} {body[:40]!r}")
                checked += 1
    assert checked > 200
