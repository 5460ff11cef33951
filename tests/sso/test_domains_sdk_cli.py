"""Domains through the Python SDK and the CLI, against a served Tenantry."""

from __future__ import annotations

import json

import pytest

from tenantry.sdk import Client
from tenantry.sdk.errors import TenantryError
from tests.cli.conftest import cli  # noqa: F401 (fixture)
from tests.dns_server import LoopbackDns
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, Api


def test_the_sdk_manages_and_verifies_domains(site: str, site_api: Api, dns: LoopbackDns) -> None:
    org = site_api.org("Acme")
    with Client(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET) as sdk:
        created = sdk.domains.create(org["id"], "sdk-acme.com")
        assert created.verification_status == "PENDING"
        with pytest.raises(TenantryError) as refused:
            sdk.domains.verify(org["id"], created.id)
        assert refused.value.error_code == "domain_verification_failed"
        dns.txt[created.txt_record_key] = [created.txt_record_secret]
        assert sdk.domains.verify(org["id"], created.id).verification_status == "VERIFIED"
        assert [d.domain for d in sdk.domains.list(org["id"])] == ["sdk-acme.com"]
        assert sdk.domains.update_settings(org["id"], domain_join="suggest").domain_join == "suggest"
        assert sdk.domains.get_settings(org["id"]).sso_required is False
        with pytest.raises(TenantryError) as public:
            sdk.domains.create(org["id"], "gmail.com")
        assert public.value.error_code == "invalid_argument"
        sdk.domains.delete(org["id"], created.id)
        assert sdk.domains.list(org["id"]) == []


def test_the_cli_adds_verifies_and_sets_domain_join(cli, site_api: Api) -> None:  # noqa: F811
    org = site_api.org("Acme")
    added = cli("domains", "add", org["id"], "cli-acme.com")
    assert "_tenantry-challenge.cli-acme.com" in added
    listed = json.loads(cli("domains", "list", org["id"], "--json", stdout=True))
    assert listed[0]["verification_status"] == "PENDING"
    failed = cli("domains", "verify", org["id"], listed[0]["id"], code=1)
    assert "domain_verification_failed" in failed
    verified = json.loads(cli("domains", "verify", org["id"], listed[0]["id"], "--admin", "--json", stdout=True))
    assert verified["verification_method"] == "ADMIN"
    settings = json.loads(cli("domains", "settings", org["id"], "--join", "auto", "--json", stdout=True))
    assert settings == {"domain_join": "auto", "sso_required": False}
    assert "invalid_argument" in cli("domains", "settings", org["id"], "--join", "always", code=1)
    cli("domains", "remove", org["id"], listed[0]["id"])
    assert json.loads(cli("domains", "list", org["id"], "--json", stdout=True)) == []


def test_the_sdk_and_cli_manage_connections(cli, site: str, site_api: Api, fake_oidc) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    org = site_api.org("Acme")
    with Client(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET) as sdk:
        created = sdk.connections.create(
            org["id"], "OIDC", oidc_config={"issuer": fake_oidc.issuer, "client_id": "c", "client_secret": "s" * 20}
        )
        assert created.status == "COMPLETED" and created.enabled is False
        assert sdk.connections.enable(org["id"], created.id).enabled is True
        assert [c.id for c in sdk.connections.list(org["id"])] == [created.id]
    added = cli("connections", "add-oidc", org["id"], "--issuer", fake_oidc.issuer, "--client-id", "c2")
    assert "/sso/oidc/" in added and "callback" in added
    listed = json.loads(cli("connections", "list", org["id"], "--json", stdout=True))
    second = next(c for c in listed if c["id"] != created.id)
    mapped = json.loads(
        cli(
            "connections",
            "map",
            org["id"],
            second["id"],
            "--attribute",
            "given_name=first",
            "--group",
            "admins=admin",
            "--group",
            "admins=member",
            "--json",
            stdout=True,
        )
    )
    assert mapped["attribute_mapping"] == {"given_name": "first"}
    assert mapped["group_roles"] == {"admins": ["admin", "member"]}
    assert json.loads(cli("connections", "enable", org["id"], second["id"], "--json", stdout=True))["enabled"] is True
    cli("connections", "remove", org["id"], second["id"])
    assert "failed_precondition" not in cli("connections", "disable", org["id"], created.id)


def test_the_sdk_and_cli_manage_social_connections(cli, site: str, site_api: Api, fake_oidc) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    with Client(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET) as sdk:
        github = sdk.social_connections.create("GITHUB", oauth_config={"client_id": "gh", "client_secret": "s" * 20})
        assert github.type == "OAUTH" and github.status == "COMPLETED" and github.enabled is False
        assert sdk.social_connections.enable(github.id).enabled is True
        assert sdk.social_connections.update(github.id, ui_button_title="GitHub").ui_button_title == "GitHub"
        with pytest.raises(TenantryError) as twice:
            sdk.social_connections.create("GITHUB")
        assert twice.value.error_code == "failed_precondition"
    added = cli("social", "add", "custom", "--type", "oidc", "--issuer", fake_oidc.issuer, "--client-id", "c2")
    assert "/login/social/" in added and "callback" in added
    listed = json.loads(cli("social", "list", "--json", stdout=True))
    custom = next(c for c in listed if c["id"] != github.id)
    assert custom["oauth_config"]["jwks_uri"] == f"{fake_oidc.issuer}/jwks"
    assert json.loads(cli("social", "enable", custom["id"], "--json", stdout=True))["enabled"] is True
    cli("social", "remove", github.id)
    assert [c["id"] for c in json.loads(cli("social", "list", "--json", stdout=True))] == [custom["id"]]
