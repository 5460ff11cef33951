"""Portal links through the Python SDK and the CLI, against a served Tenantry."""

from __future__ import annotations

import pytest

from tenantry.sdk import Client
from tenantry.sdk.errors import TenantryError
from tests.cli.conftest import cli  # noqa: F401 (fixture)
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, Api


def test_the_sdk_and_the_cli_create_list_and_revoke_portal_links(cli, site: str, site_api: Api) -> None:  # noqa: F811
    org = site_api.org("Acme")
    with Client(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET) as sdk:
        link = sdk.portal_links.create(org["id"], features=["sso", "dir_sync"], expires_in_days=2)
        assert link.features == ["sso", "directory_sync"] and link.location.startswith(site + "/portal/open?token=")
        with pytest.raises(TenantryError) as refused:
            sdk.portal_links.create(org["id"], expires_in_days=45)
        assert refused.value.error_code == "invalid_argument"
        sdk.portal_links.revoke(org["id"], link.id)
        assert [(entry.id, entry.state) for entry in sdk.portal_links.list(org["id"])] == [(link.id, "revoked")]
    made = cli("portal-links", "create", org["id"], "--feature", "domains", "--days", "3")
    assert "/portal/open?token=ptl_" in made
    cli("portal-links", "revoke", org["id"])
    with Client(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET) as sdk:
        listed = sdk.portal_links.list(org["id"])
    assert [(entry.features, entry.state) for entry in listed] == [
        (["domains"], "revoked"),
        (["sso", "directory_sync"], "revoked"),
    ]
