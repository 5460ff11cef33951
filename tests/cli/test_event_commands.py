"""``tenantry webhooks …`` and ``tenantry events …`` against a live server."""

from __future__ import annotations

import json


def test_webhook_commands(cli):
    created = json.loads(
        cli("webhooks", "create", "https://example.com/hook", "--event-type", "organization.created", "--json")
    )
    hook_id = created["webhook"]["id"]
    assert created["secret"].startswith("whsec_")
    assert "whsec_" in cli("webhooks", "create", "https://example.com/other")  # the table shows it once too
    assert json.loads(cli("webhooks", "list", "--json"))[0]["id"] == hook_id
    updated = json.loads(cli("webhooks", "update", hook_id, "--disable", "--all-types", "--json"))
    assert updated["enabled"] is False and updated["event_types"] == []
    assert "unknown" not in cli("webhooks", "get", hook_id)
    refused = cli("webhooks", "create", "https://example.com", "--event-type", "user.exploded", code=1)
    assert "invalid_argument" in refused and "event_types.0" in refused

    cli("webhooks", "update", hook_id, "--enable")
    cli("orgs", "create", "Acme")
    (delivery,) = json.loads(cli("webhooks", "deliveries", hook_id, "--json"))
    assert delivery["event_type"] == "organization.created" and delivery["status"] == "PENDING"
    assert json.loads(cli("webhooks", "attempts", hook_id, delivery["id"], "--json")) == []
    assert json.loads(cli("webhooks", "replay", hook_id, delivery["id"], "--json"))["status"] == "PENDING"
    rotated = json.loads(cli("webhooks", "rotate-secret", hook_id, "--json"))
    assert rotated["secret"] != created["secret"]
    assert f"Deleted {hook_id}" in cli("webhooks", "delete", hook_id)
    assert "not_found" in cli("webhooks", "get", hook_id, code=1)


def test_events_list(cli):
    org = json.loads(cli("orgs", "create", "Acme", "--json"))
    listed = json.loads(cli("events", "list", "--type", "organization.created", "--json"))
    assert [(e["type"], e["organization_id"]) for e in listed] == [("organization.created", org["id"])]
    assert listed[0]["actor"]["type"] == "API_CLIENT"
    assert len(json.loads(cli("events", "list", "--organization-id", org["id"], "--json"))) == 1
    assert "actor" in cli("events", "list")  # a table for people
    assert json.loads(cli("events", "list", "--since", "2999-01-01T00:00:00Z", "--json")) == []
