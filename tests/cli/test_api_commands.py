"""The CLI's resource commands, through the SDK, against a live server."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tenantry.cli.main import app
from tests.helpers import BOOTSTRAP_ID


def test_organizations_users_and_members(cli):
    org = json.loads(cli("orgs", "create", "Acme", "--external-id", "acme", "--json"))
    assert org["display_name"] == "Acme" and org["external_id"] == "acme"
    assert [o["id"] for o in json.loads(cli("orgs", "list", "--json"))] == [org["id"]]
    assert "Acme" in cli("orgs", "list")  # a table for people
    assert "max_allowed_users: 1" in cli("orgs", "limit", org["id"], "1")

    user = json.loads(cli("users", "invite", org["id"], "ada@example.com", "--role", "admin", "--json"))
    assert user["memberships"][0]["membership_status"] == "PENDING_INVITE"
    refused = cli("users", "invite", org["id"], "bob@example.com", code=1)
    assert "organization_user_limit_reached" in refused
    assert "seats_used: 1" in cli("orgs", "limit", org["id"])

    cli("members", "remove", org["id"], user["id"])
    assert "seats_used: 0" in cli("orgs", "limit", org["id"])
    assert "invitation" in cli("emails", "list", "--to", "ada@example.com")
    cli("users", "delete", user["id"])
    cli("orgs", "delete", org["id"])
    assert "not_found" in cli("orgs", "get", org["id"], code=1)


def test_settings_and_attributes(cli):
    settings = json.loads(cli("settings", "set", "signup_enabled=false", "max_organizations_per_user=3"))
    assert settings["signup_enabled"] is False and settings["max_organizations_per_user"] == 3
    bad = cli("settings", "set", "invitation_expiry_seconds=5", code=1)
    assert "invalid_argument" in bad and "invitation_expiry_seconds" in bad

    cli("attributes", "create", "team", "Team", "--type", "enum", "--option", "red", "--option", "blue")
    assert [a["key"] for a in json.loads(cli("attributes", "list", "--json"))] == ["team"]
    org = json.loads(cli("orgs", "create", "Colors", "--json"))
    cli("users", "invite", org["id"], "red@example.com", "--no-email")
    assert json.loads(cli("users", "list", "--attribute", "team=red", "--json")) == []
    assert "removed its value from 0 profiles" in cli("attributes", "delete", "team")


def test_commands_need_credentials(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("TENANTRY_URL", "TENANTRY_CLIENT_ID", "TENANTRY_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["orgs", "list"])
    assert result.exit_code == 2
    assert "tenantry login" in result.output


def test_login_refuses_wrong_credentials(site, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["login", "--url", site, "--client-id", BOOTSTRAP_ID, "--client-secret", "nope"])
    assert result.exit_code == 1 and "unauthenticated" in result.output
    assert not (tmp_path / "tenantry" / "profile.json").exists()
