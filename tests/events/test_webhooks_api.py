"""Webhook endpoints through the API: the secret shown once, validation, filters, deliveries
and attempts listed, replay, secret rotation."""

from __future__ import annotations

import base64

from tests.events.conftest import deliveries, register
from tests.helpers import assert_problem


def test_create_shows_a_standard_webhooks_secret_once(api):
    created = register(api, "https://example.com/hook", event_types=["user.created"], description="CRM sync")
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    hook = created["webhook"]
    assert hook["url"] == "https://example.com/hook" and hook["enabled"] is True
    assert hook["event_types"] == ["user.created"] and hook["description"] == "CRM sync"

    fetched = api.get(f"/api/v1/webhooks/{hook['id']}")
    assert fetched.status_code == 200 and fetched.json() == {"webhook": hook}
    assert "whsec_" not in fetched.text
    listed = api.get("/api/v1/webhooks").json()
    assert listed["webhooks"] == [hook] and listed["total_size"] == 1
    assert secret not in api.get("/api/v1/webhooks").text


def test_update_rotate_and_delete(api):
    hook = register(api, "https://example.com/a")
    hook_id = hook["webhook"]["id"]
    changed = api.patch(f"/api/v1/webhooks/{hook_id}", json={"url": "https://example.com/b", "enabled": False})
    assert changed.status_code == 200
    assert changed.json()["webhook"]["url"] == "https://example.com/b" and changed.json()["webhook"]["enabled"] is False
    assert changed.json()["webhook"]["event_types"] == []  # untouched

    rotated = api.post(f"/api/v1/webhooks/{hook_id}/secret:rotate")
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_") and rotated.json()["secret"] != hook["secret"]

    assert api.delete(f"/api/v1/webhooks/{hook_id}").status_code == 200
    assert_problem(api.get(f"/api/v1/webhooks/{hook_id}"), 404, "not_found")
    assert_problem(api.delete(f"/api/v1/webhooks/{hook_id}"), 404, "not_found")


def test_bad_input_is_refused_with_field_details(api, http):
    for body, field in [
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://example.com/x"}, "url"),
        ({}, "url"),
        ({"url": "https://example.com", "event_types": ["user.created", "user.exploded"]}, "event_types.1"),
        ({"url": "https://example.com", "event_types": "user.created"}, "event_types"),
        ({"url": "https://example.com", "colour": "red"}, "colour"),
    ]:
        problem = assert_problem(api.post("/api/v1/webhooks", json=body), 400, "invalid_argument")
        assert any(d["field"] == field for d in problem["details"]), (body, problem)
    assert api.get("/api/v1/webhooks").json()["total_size"] == 0  # nothing half-written
    hook_id = register(api, "https://example.com")["webhook"]["id"]
    assert_problem(api.patch(f"/api/v1/webhooks/{hook_id}", json={"enabled": "perhaps"}), 400, "invalid_argument")
    assert_problem(http.get("/api/v1/webhooks"), 401, "unauthenticated")
    assert_problem(api.get("/api/v1/webhooks/whk_nope/deliveries"), 404, "not_found")
    assert_problem(api.post(f"/api/v1/webhooks/{hook_id}/deliveries/msg_nope:replay"), 404, "not_found")
    assert_problem(api.get(f"/api/v1/webhooks/{hook_id}/deliveries/msg_nope/attempts"), 404, "not_found")
    assert_problem(
        api.get(f"/api/v1/webhooks/{hook_id}/deliveries", params={"status": "LOST"}), 400, "invalid_argument"
    )


def test_each_endpoint_queues_the_events_its_filter_selects(api):
    everything = register(api, "https://example.com/all")["webhook"]["id"]
    orgs_only = register(api, "https://example.com/orgs", event_types=["organization.created"])["webhook"]["id"]
    off = register(api, "https://example.com/off", enabled=False)["webhook"]["id"]
    org = api.org()
    api.user_in(org["id"], "gina@example.com")

    assert [d["event_type"] for d in deliveries(api, orgs_only)] == ["organization.created"]
    queued = deliveries(api, everything)
    assert [d["event_type"] for d in queued] == [
        "organization.created",
        "user.created",
        "user.organization_membership_created",
        "user.organization_invitation",
    ]
    assert {d["status"] for d in queued} == {"PENDING"} and {d["attempts"] for d in queued} == {0}
    assert deliveries(api, off) == []
    assert deliveries(api, everything, status="DELIVERED") == []
