"""``tenantry directories …`` against a live server."""

from __future__ import annotations

import json


def test_directory_commands(cli):
    org = json.loads(cli("orgs", "create", "Acme", "--json"))["id"]
    created = cli("directories", "create", org, "--provider", "OKTA")
    assert "SCIM base URL:" in created and "Bearer token (shown only now" in created
    (directory,) = json.loads(cli("directories", "list", org, "--json"))
    assert directory["directory_provider"] == "OKTA" and "scim_" not in json.dumps(directory["secrets"])
    rotated = json.loads(cli("directories", "rotate-token", org, directory["id"], "--json"))
    assert rotated["plain_secret"].startswith("scim_")
    assert f"Disabled {directory['id']}" in cli("directories", "disable", org, directory["id"])
    assert json.loads(cli("directories", "get", org, directory["id"], "--json"))["enabled"] is False
    assert "GROUP_ID=ROLE_NAME" in cli("directories", "map-role", org, directory["id"], "nonsense", code=2)
    assert json.loads(cli("directories", "users", org, directory["id"], "--json")) == []
    assert f"Deleted {directory['id']}" in cli("directories", "delete", org, directory["id"])
