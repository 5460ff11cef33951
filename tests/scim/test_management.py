"""Directories through the SDK: the token is shown once, kept only as a keyed digest, works
for its own directory only, and stops at rotation; disabling a directory stops provisioning."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from sqlalchemy import Engine, text

from tenantry import Client
from tenantry.sdk.errors import InvalidArgument, NotFound
from tenantry.server.context import Context
from tenantry.server.domain import errors
from tenantry.server.services.commands import CreateOrganization
from tenantry.server.services.directory import organizations
from tenantry.server.services.provisioning import directories, tokens
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET
from tests.scim.scim import CORE_GROUP, user_body


def _scim(site: str, directory_id: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{site}/scim/v2/{directory_id}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def test_directory_lifecycle_and_its_token(site: str, engine: Engine) -> None:
    with Client(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET) as sdk:
        org = sdk.organizations.create("Acme").id
        other_org = sdk.organizations.create("Other").id
        found = sdk.directories.create(org, provider="OKTA", name="Okta")
        assert found.directory_endpoint == f"{site}/scim/v2/{found.id}" and found.status == "DRAFT"
        first = sdk.directories.create_secret(org, found.id)
        assert first.plain_secret.startswith("scim_") and first.secret.secret_suffix == first.plain_secret[-4:]
        listed = sdk.directories.list(org)
        assert [d.id for d in listed] == [found.id] and first.plain_secret not in listed[0].model_dump_json()
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT secret_hash FROM directories")).scalar_one()
        assert first.plain_secret not in stored
        assert stored != hashlib.sha256(first.plain_secret.encode()).hexdigest()  # keyed, not a bare hash

        with _scim(site, found.id, first.plain_secret) as scim:
            assert scim.post("/Users", json=user_body("ada@example.com")).status_code == 201
        other = sdk.directories.create(other_org)
        with _scim(site, other.id, first.plain_secret) as wrong:  # a token opens its own directory only
            refused = wrong.get("/Users")
            assert refused.status_code == 401 and refused.json()["status"] == "401"

        second = sdk.directories.regenerate_secret(org, found.id)
        with _scim(site, found.id, first.plain_secret) as old, _scim(site, found.id, second.plain_secret) as new:
            assert old.get("/Users").status_code == 401
            assert new.get("/Users").json()["totalResults"] == 1
            group = new.post("/Groups", json={"schemas": [CORE_GROUP], "displayName": "Eng"}).json()
            assert sdk.directories.disable(org, found.id) is False
            stopped = new.post("/Users", json=user_body("bob@example.com"))
            assert stopped.status_code == 403 and stopped.json()["status"] == "403"
            assert sdk.directories.enable(org, found.id) is True
            assert new.post("/Users", json=user_body("bob@example.com")).status_code == 201

        assert [u.preferred_username for u in sdk.directories.users(org, found.id)] == [
            "ada@example.com",
            "bob@example.com",
        ]
        assert [g.display_name for g in sdk.directories.groups(org, found.id)] == ["Eng"]
        assert sdk.directories.assign_roles(org, found.id, {group["id"]: "admin"})[0].role_name == "admin"
        with pytest.raises(InvalidArgument):
            sdk.directories.map_attributes(org, found.id, {"department": "title"})  # no such custom attribute
        assert sdk.directories.get(org, found.id).total_users == 2
        with pytest.raises(NotFound):
            sdk.directories.get(other_org, found.id)  # directories belong to one organization

        sdk.directories.delete(org, found.id)
        assert sdk.directories.list(org) == []
        assert sdk.organizations.get(org) is not None
        assert {u.email for u in sdk.users.list()} >= {"ada@example.com", "bob@example.com"}  # members stay


def test_a_directory_name_is_held_to_its_column_whoever_names_it(context: Context) -> None:
    """The dashboard and the portal pass a form's name straight to the service: the service,
    not only the API's body, refuses one longer than the column (SQLite would store it)."""
    org = organizations.create(context, CreateOrganization(display_name="Acme")).id
    with pytest.raises(errors.InvalidArgument) as refused:
        directories.create(context, org, "n" * 256, None)
    assert [(e.field, e.code) for e in refused.value.details] == [("name", "too_long")]
    made = directories.create(context, org, f" {'n' * 255} ", None)
    assert made.name == "n" * 255
    with pytest.raises(errors.InvalidArgument) as refused:
        directories.update(context, org, made.id, name="n" * 256)
    assert [(e.field, e.code) for e in refused.value.details] == [("name", "too_long")]
    assert directories.get(context, org, made.id).name == "n" * 255


def test_the_dashboard_creates_a_directory_and_its_token_in_one_transaction(context: Context) -> None:
    org = organizations.create(context, CreateOrganization(display_name="Acme")).id
    made, token = directories.create_with_secret(context, org, "Okta", "OKTA")
    assert [s.secret_suffix for s in made.secrets] == [token[-4:]]
    assert tokens.authenticate(context, made.id, token) == org
    with pytest.raises(errors.InvalidArgument):
        directories.create_with_secret(context, org, "n" * 256, "OKTA")
    assert [d.id for d in directories.list_(context, org)] == [made.id]  # the refused one left nothing
