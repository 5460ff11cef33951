"""Management API clients through the API (/api/v1/clients) and the SDK."""

from __future__ import annotations

import httpx
import pytest

from tenantry import Client
from tenantry.sdk.errors import InvalidArgument, NotFound, Unauthenticated
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET


@pytest.fixture
def admin(site):
    with Client(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET) as sdk:
        yield sdk


def test_a_created_client_works_until_its_secret_is_rotated_or_it_is_deleted(site, admin):
    created, secret = admin.clients.create("billing job")
    assert created.id.startswith("cli_") and created.name == "billing job" and secret
    listed = {c.id: c for c in admin.clients.list()}
    assert listed[created.id].name == "billing job" and BOOTSTRAP_ID in listed
    assert secret not in httpx.get(f"{site}/api/v1/clients", headers=bearer(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET)).text

    with Client(site, created.id, secret) as robot:
        robot.organizations.create("Made by the robot")
        old_token = bearer(site, created.id, secret)
        new_secret = admin.clients.rotate_secret(created.id)
        assert new_secret != secret
        assert httpx.get(f"{site}/api/v1/organizations", headers=old_token).status_code == 401
        with pytest.raises(Unauthenticated):  # renews its token with the old secret: refused
            robot.organizations.list().__next__()
    with Client(site, created.id, new_secret) as robot:
        assert [o.display_name for o in robot.organizations.list()] == ["Made by the robot"]
        admin.clients.delete(created.id)
        with pytest.raises(Unauthenticated):
            robot.organizations.list().__next__()
    assert created.id not in {c.id for c in admin.clients.list()}
    with pytest.raises(NotFound):
        admin.clients.delete(created.id)
    with pytest.raises(NotFound):
        admin.clients.rotate_secret(created.id)


def test_bad_names_are_refused(admin):
    with pytest.raises(InvalidArgument) as blank:
        admin.clients.create("   ")
    assert blank.value.details[0].field == "name"
    assert admin.request("POST", "/api/v1/clients", json={})["client"]["name"] == "API client"


def bearer(site: str, client_id: str, secret: str) -> dict[str, str]:
    token = httpx.post(
        f"{site}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}
