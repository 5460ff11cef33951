"""The SDK's audit-log and webhook resources against a live server (sync and async)."""

from __future__ import annotations

import pytest

from tenantry import AsyncClient, Client
from tenantry.sdk.errors import InvalidArgument, NotFound
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET
from tests.sdk.test_async_client import run_async


@pytest.fixture
def client(site):
    with Client(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET) as sdk:
        yield sdk


def test_webhook_endpoints_deliveries_and_the_audit_log(client):
    created = client.webhooks.create("https://example.com/hook", event_types=["organization.created"])
    assert created.secret.startswith("whsec_") and created.webhook.event_types == ["organization.created"]
    hook = created.webhook
    assert [w.id for w in client.webhooks.list()] == [hook.id]
    assert client.webhooks.update(hook.id, description="CRM sync").description == "CRM sync"
    with pytest.raises(InvalidArgument):
        client.webhooks.create("https://example.com/x", event_types=["user.exploded"])

    org = client.organizations.create("Acme")
    client.users.create_in_organization(org.id, "ada@example.com", send_invitation_email=False)
    (delivery,) = client.webhooks.deliveries(hook.id)  # only the type it asked for
    assert delivery.event_type == "organization.created" and delivery.status == "PENDING"
    assert list(client.webhooks.attempts(hook.id, delivery.id)) == []
    assert client.webhooks.replay(hook.id, delivery.id).id == delivery.id
    assert client.webhooks.rotate_secret(hook.id).secret != created.secret

    events = list(client.events.list(organization_id=org.id))
    assert "organization.created" in [e.type for e in events]
    assert all(e.actor.type == "API_CLIENT" and e.actor.id == BOOTSTRAP_ID for e in events)
    (only,) = client.events.list(types=["organization.created"])
    assert client.events.get(only.id).data["organization"]["id"] == org.id
    assert list(client.events.list(since="2999-01-01T00:00:00Z")) == []

    client.webhooks.delete(hook.id)
    with pytest.raises(NotFound):
        client.webhooks.get(hook.id)


def test_the_async_client_has_the_same_resources(site):
    async def main() -> tuple[list[str], str, list[str]]:
        async with AsyncClient(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET) as sdk:
            created = await sdk.webhooks.create("https://example.com/hook")
            listed = [w.id async for w in sdk.webhooks.list()]
            await sdk.organizations.create("Acme")
            return listed, created.webhook.id, [e.type async for e in sdk.events.list()]

    listed, created_id, types = run_async(main)
    assert listed == [created_id]
    assert "organization.created" in types
