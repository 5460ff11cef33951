"""The Python SDK against a live server: one call per operation, typed results and errors,
pagination iterators, token renewal, retries."""

from __future__ import annotations

import httpx
import pytest

from tenantry import Client
from tenantry.sdk.errors import (
    AlreadyExists,
    InvalidArgument,
    InvitationInvalid,
    NotFound,
    OrganizationCreationLimitReached,
    OrganizationUserLimitReached,
    SignupDisabled,
    TenantryError,
)
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, TOKEN_IN_LINK

ORG = {  # an organization as the API answers it, for scripted transports
    "id": "org_1",
    "display_name": "A",
    "external_id": None,
    "metadata": {},
    "create_time": "2026-01-01T00:00:00Z",
    "update_time": "2026-01-01T00:00:00Z",
}


@pytest.fixture
def client(site):
    with Client(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET) as sdk:
        yield sdk


def test_organizations_users_and_limits(client):
    org = client.organizations.create("Acme", external_id="acme", metadata={"plan": "pro"})
    assert client.organizations.get_by_external_id("acme").id == org.id
    assert client.organizations.update(org.id, display_name="Acme Inc").display_name == "Acme Inc"
    assert client.organizations.set_max_allowed_users(org.id, 2).max_allowed_users == 2

    ada = client.users.create_in_organization(
        org.id, "ada@example.com", send_invitation_email=False, roles=["admin"], user_profile={"given_name": "Ada"}
    )
    assert ada.membership(org.id).membership_status == "ACTIVE"
    assert ada.membership(org.id).roles[0].name == "admin"
    bob = client.users.create_in_organization(org.id, "bob@example.com", inviter_email="ada@example.com")
    assert bob.membership(org.id).membership_status == "PENDING_INVITE"
    assert client.organizations.get_user_management(org.id).seats_used == 2

    with pytest.raises(OrganizationUserLimitReached) as full:
        client.users.create_in_organization(org.id, "cy@example.com")
    assert full.value.status == 409 and full.value.error_code == "organization_user_limit_reached"
    with pytest.raises(AlreadyExists):
        client.users.create_in_organization(org.id, "ADA@example.com")
    with pytest.raises(InvalidArgument) as bad:
        client.users.create_in_organization(org.id, "not-an-email")
    assert bad.value.details[0].field == "email"
    with pytest.raises(NotFound):
        client.users.get("usr_nope")

    token = TOKEN_IN_LINK.search(next(client.emails.list(to="bob@example.com")).text).group(1)
    invite = client.invitations.resend(org.id, bob.id)
    assert invite.resent_count == 1
    with pytest.raises(InvitationInvalid):
        client.invitations.accept(token)
    token = TOKEN_IN_LINK.search(list(client.emails.list(to="bob@example.com"))[-1].text).group(1)
    accepted = client.invitations.accept(token, password="bob's long passphrase")
    assert accepted.user.membership(org.id).membership_status == "ACTIVE"

    client.memberships.update(org.id, bob.id, roles=["admin", "member"])
    assert [r.name for r in client.users.get(bob.id).membership(org.id).roles] == ["admin", "member"]
    client.memberships.delete(org.id, bob.id)
    assert client.organizations.get_user_management(org.id).seats_used == 1
    client.users.delete(bob.id)
    client.organizations.delete(org.id)
    with pytest.raises(NotFound):
        client.organizations.get(org.id)


def test_iterators_walk_every_page(client):
    created = {client.organizations.create(f"Org {i}").id for i in range(7)}
    assert {org.id for org in client.organizations.list(page_size=3)} == created
    org = next(iter(created))
    for i in range(5):
        client.users.create_in_organization(org, f"u{i}@example.com", send_invitation_email=False)
    assert len(list(client.users.list_in_organization(org, page_size=2))) == 5


def test_settings_attributes_and_filters(client):
    settings = client.settings.update(max_organizations_per_user=1, signup_enabled=False)
    assert settings.max_organizations_per_user == 1 and not settings.signup_enabled
    with pytest.raises(SignupDisabled):
        client.signup("eve@example.com", "a long passphrase")
    client.settings.update(signup_enabled=True)
    signed = client.signup("eve@example.com", "a long passphrase", organization_name="Eve's")
    with pytest.raises(OrganizationCreationLimitReached):
        client.organizations.create("Second", created_by_user_id=signed.user.id)

    client.attributes.create("team", "Team", "enum", options=["red", "blue"])
    client.attributes.create("active", "Active", "boolean")
    client.users.update(signed.user.id, user_profile={"custom_attributes": {"team": "red", "active": True}})
    assert [u.id for u in client.users.list(custom_attributes={"team": "red", "active": True})] == [signed.user.id]
    assert list(client.users.list(custom_attributes={"active": False})) == []
    attribute, cleared = client.attributes.update("team", force=True, options=["blue"])
    assert attribute.options == ["blue"] and cleared == 1
    assert client.attributes.delete("active") == 1
    assert [a.key for a in client.attributes.list()] == ["team"]


def test_applications(client):
    app, secret = client.applications.create("Web", ["https://app.example.com/cb"])
    assert secret and app.type == "confidential"
    assert client.applications.rotate_secret(app.id) != secret
    assert [a.id for a in client.applications.list()] == [app.id]
    client.applications.delete(app.id)


def test_an_expired_token_is_renewed(client, clock):
    client.organizations.create("Before")
    clock.advance(hours=2)  # the server now refuses the cached token
    assert client.organizations.create("After").display_name == "After"


def test_idempotent_calls_are_retried_on_503_and_connection_errors():
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("refused")
        if calls["n"] == 2:
            return httpx.Response(503, headers={"Retry-After": "0"}, json={"code": "unavailable", "message": "x"})
        return httpx.Response(200, json={"organization": ORG})

    with Client("http://tenantry.test", "id", "secret", transport=httpx.MockTransport(handler), backoff=0) as sdk:
        assert sdk.organizations.get("org_1").display_name == "A"
    assert calls["n"] == 3


def test_non_idempotent_calls_are_not_retried():
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
        calls["n"] += 1
        return httpx.Response(503, json={"code": "unavailable", "message": "down"})

    sdk = Client("http://tenantry.test", "id", "secret", transport=httpx.MockTransport(handler), backoff=0)
    with sdk, pytest.raises(TenantryError) as error:
        sdk.organizations.create("A")
    assert calls["n"] == 1 and getattr(error.value, "status", None) == 503
