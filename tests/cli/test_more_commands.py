"""Every API operation from the shell: update commands, invitations, sign-up, attribute
definitions, and apps / clients / keys through the API (and on the database)."""

from __future__ import annotations

import json

import pytest

from tenantry import Client
from tenantry.sdk.errors import Unauthenticated
from tests.helpers import TOKEN_IN_LINK


def test_update_commands_change_only_what_they_name(cli):
    cli("attributes", "create", "level", "Level", "--type", "integer", "--minimum", "1", "--maximum", "5")
    assert json.loads(cli("attributes", "get", "level", "--json"))["maximum"] == 5
    org = json.loads(cli("orgs", "create", "Acme", "--external-id", "acme", "--metadata", '{"plan": "pro"}', "--json"))
    renamed = json.loads(cli("orgs", "update", org["id"], "--display-name", "Acme Inc", "--json"))
    assert renamed["display_name"] == "Acme Inc" and renamed["metadata"] == {"plan": "pro"}
    assert json.loads(cli("orgs", "get", "acme", "--external", "--json"))["display_name"] == "Acme Inc"
    assert json.loads(cli("orgs", "update", org["id"], "--external-id", "", "--json"))["external_id"] is None
    assert "--metadata" in cli("orgs", "update", org["id"], "--metadata", "{nope", code=2)

    user = json.loads(
        cli("users", "invite", org["id"], "ada@example.com", "--no-email", "--external-id", "ada-1",
            "--given-name", "Ada", "--attribute", "level=3", "--json")
    )  # fmt: skip
    assert user["user_profile"]["custom_attributes"] == {"level": 3}
    updated = json.loads(
        cli("users", "update", user["id"], "--family-name", "Lovelace", "--attribute", "level=4",
            "--metadata", '{"team": "engines"}', "--json")
    )  # fmt: skip
    assert updated["user_profile"]["given_name"] == "Ada" and updated["user_profile"]["family_name"] == "Lovelace"
    assert updated["user_profile"]["custom_attributes"] == {"level": 4} and updated["metadata"] == {"team": "engines"}
    refused = cli("users", "update", user["id"], "--attribute", "level=9", code=1)
    assert "user_profile.custom_attributes.level" in refused and "invalid_argument" in refused
    cleared = json.loads(cli("users", "update", user["id"], "--attribute", "level=", "--json"))
    assert cleared["user_profile"]["custom_attributes"] == {}
    assert json.loads(cli("users", "get", "ada-1", "--external", "--json"))["id"] == user["id"]

    cli("users", "update", user["id"], "--attribute", "level=5")
    assert "incompatible_attribute_values" in cli("attributes", "update", "level", "--maximum", "4", code=1)
    assert "Cleared 1 stored values" in cli("attributes", "update", "level", "--maximum", "4", "--force")
    assert json.loads(cli("attributes", "update", "level", "--required", "--json"))["required"] is True


def test_invitations_and_signup_from_the_shell(cli):
    org = json.loads(cli("orgs", "create", "Acme", "--json"))
    bob = json.loads(
        cli("users", "invite", org["id"], "bob@example.com", "--inviter-email", "ada@example.com", "--json")
    )
    assert json.loads(cli("invites", "resend", org["id"], bob["id"], "--json"))["resent_count"] == 1
    outbox = json.loads(cli("emails", "list", "--to", "bob@example.com", "--json"))
    token = TOKEN_IN_LINK.search(outbox[-1]["text"]).group(1)
    accepted = json.loads(cli("invites", "accept", token, "--password", "bob's long passphrase", "--json"))
    assert accepted["memberships"][0]["membership_status"] == "ACTIVE"
    assert "invitation_invalid" in cli("invites", "accept", token, code=1)
    # A token may begin with "-" (URL-safe base64): the command takes it as the token, not as an option.
    assert "invitation_invalid" in cli("invites", "accept", "-" + token[1:], "--json", code=1)

    signed = json.loads(
        cli("signup", "eve@example.com", "--password", "eve's long passphrase", "--org", "Eve's", "--json")
    )
    assert signed["memberships"][0]["name"] == "Eve's"
    cli("settings", "set", "signup_enabled=false")
    assert "signup_disabled" in cli("signup", "mallory@example.com", "--password", "a long passphrase", code=1)


def test_apps_through_the_api_and_on_the_database(cli, database_url, monkeypatch):
    created = json.loads(
        cli("apps", "create", "--name", "Web", "--redirect-uri", "https://app.example.com/cb", "--json")
    )
    assert created["client_id"].startswith("app_") and created["client_secret"]
    app_id = created["client_id"]
    updated = json.loads(
        cli("apps", "update", app_id, "--name", "Web app", "--post-logout-redirect-uri", "https://app.example.com/",
            "--json")
    )  # fmt: skip
    assert updated["name"] == "Web app" and updated["redirect_uris"] == ["https://app.example.com/cb"]
    assert updated["post_logout_redirect_uris"] == ["https://app.example.com/"]
    assert json.loads(cli("apps", "get", app_id, "--json"))["name"] == "Web app"
    rotated = json.loads(cli("apps", "rotate-secret", app_id, "--json"))
    assert rotated["client_secret"] not in (None, created["client_secret"])
    assert "invalid_argument" in cli("apps", "update", app_id, "--redirect-uri", "not a url", code=1)

    monkeypatch.setenv("TENANTRY_DATABASE_URL", database_url)  # the server's machine
    on_database = json.loads(cli("apps", "list", "--database", "--json"))
    assert [a["id"] for a in on_database] == [app_id]
    assert [a["id"] for a in json.loads(cli("apps", "list", "--json"))] == [app_id]
    cli("apps", "delete", app_id)
    assert "not_found" in cli("apps", "get", app_id, code=1)
    assert "New signing key" in cli("keys", "rotate")


def test_api_clients_through_the_api(cli, site):
    created = json.loads(cli("clients", "create", "--name", "nightly sync", "--json"))
    listed = json.loads(cli("clients", "list", "--json"))
    assert {"id": created["client_id"], "name": "nightly sync"}.items() <= next(
        c for c in listed if c["id"] == created["client_id"]
    ).items()
    assert created["client_secret"] not in json.dumps(listed)
    with Client(site, created["client_id"], created["client_secret"]) as robot:
        assert robot.settings.get().signup_enabled is True
    rotated = json.loads(cli("clients", "rotate-secret", created["client_id"], "--json"))["client_secret"]
    with Client(site, created["client_id"], created["client_secret"]) as robot, pytest.raises(Unauthenticated):
        robot.settings.get()
    with Client(site, created["client_id"], rotated) as robot:
        assert robot.settings.get()
    cli("clients", "delete", created["client_id"])
    assert created["client_id"] not in cli("clients", "list")
    assert "not_found" in cli("clients", "delete", created["client_id"], code=1)
