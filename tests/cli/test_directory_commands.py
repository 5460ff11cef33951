"""``tenantry directories …`` against a live server."""

from __future__ import annotations

import json

import httpx

from tests.scim.scim import user_body


def test_directory_commands(cli, site):
    org = json.loads(cli("orgs", "create", "Acme", "--json"))["id"]
    created = cli("directories", "create", org, "--provider", "OKTA")
    assert "SCIM base URL:" in created and "Bearer token (shown only now" in created
    (directory,) = json.loads(cli("directories", "list", org, "--json"))
    assert directory["directory_provider"] == "OKTA" and "scim_" not in json.dumps(directory["secrets"])
    rotated = json.loads(cli("directories", "rotate-token", org, directory["id"], "--json"))
    assert rotated["plain_secret"].startswith("scim_")
    pushed = httpx.post(
        f"{site}/scim/v2/{directory['id']}/Users",
        headers={"Authorization": f"Bearer {rotated['plain_secret']}"},
        json=user_body("ada@example.com"),
    )
    assert pushed.status_code == 201, pushed.text
    (entry,) = json.loads(cli("directories", "log", org, directory["id"], "--operation", "create", "--json"))
    assert (entry["subject"], entry["outcome"], entry["succeeded"]) == ("ada@example.com", "created", True)
    assert json.loads(cli("directories", "log", org, directory["id"], "--failed", "--json")) == []
    assert "CREATE" in cli("directories", "log", org, directory["id"], "--since", "2000-01-01T00:00:00")
    assert f"Disabled {directory['id']}" in cli("directories", "disable", org, directory["id"])
    assert json.loads(cli("directories", "get", org, directory["id"], "--json"))["enabled"] is False
    assert "GROUP_ID=ROLE_NAME" in cli("directories", "map-role", org, directory["id"], "nonsense", code=2)
    (user,) = json.loads(cli("directories", "users", org, directory["id"], "--json"))
    assert user["preferred_username"] == "ada@example.com"
    assert f"Deleted {directory['id']}" in cli("directories", "delete", org, directory["id"])
