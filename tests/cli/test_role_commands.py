"""`tenantry roles …` and `tenantry permissions …` through the SDK against a live server."""

from __future__ import annotations

import json


def test_roles_and_permissions_commands(cli):
    cli("permissions", "create", "invoices:read", "--description", "See invoices")
    assert "invoices:read" in [p["name"] for p in json.loads(cli("permissions", "list", "--json"))]
    role = json.loads(
        cli("roles", "create", "billing", "--display-name", "Billing", "--permission", "invoices:read", "--json")
    )
    assert role["name"] == "billing" and role["display_name"] == "Billing"
    cli("roles", "create", "clerk", "--display-name", "Clerk", "--extends", "billing")
    shown = json.loads(cli("roles", "get", "clerk", "--json"))
    assert [(p["name"], p["role_name"]) for p in shown["permissions"]] == [("invoices:read", "billing")]  # inherited
    assert "role_inheritance_cycle" in cli("roles", "update", "billing", "--extends", "clerk", code=1)

    org = json.loads(cli("orgs", "create", "Acme", "--json"))
    user = json.loads(cli("users", "invite", org["id"], "ada@example.com", "--no-email", "--role", "clerk", "--json"))
    assert [r["name"] for r in user["memberships"][0]["roles"]] == ["clerk"]
    cli("roles", "update", "clerk", "--rename", "bookkeeper")
    assert "role_in_use" in cli("roles", "delete", "bookkeeper", code=1)
    cli("roles", "delete", "bookkeeper", "--reassign-to", "member")
    assert "Default creator role: admin; default member role: billing." in cli(
        "roles", "defaults", "--member", "billing"
    )
    assert [r["name"] for r in json.loads(cli("roles", "list", "--json"))] == ["admin", "billing", "member"]
    cli("roles", "defaults", "--member", "member")
    cli("permissions", "delete", "invoices:read")
    assert "invoices:read" not in [p["name"] for p in json.loads(cli("permissions", "list", "--json"))]
