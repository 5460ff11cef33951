"""Settings, default roles and webhook endpoints are kept in each server process's memory
(issue 18); a change made through one process is seen by the very next request served by
another, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.events.conftest import deliveries, register
from tests.helpers import Api, held_roles, when

pytestmark = pytest.mark.live


@pytest.fixture
def apis(live_servers: list[str]) -> Iterator[tuple[Api, Api]]:
    """An API client of each of the two server processes."""
    with (
        httpx.Client(base_url=live_servers[0], timeout=30) as first,
        httpx.Client(base_url=live_servers[1], timeout=30) as second,
    ):
        yield Api.login(first), Api.login(second)


def _invite(api: Api, org: str, email: str) -> dict[str, object]:
    return api.membership(api.user_in(org, email), org)


def test_a_change_through_one_process_is_seen_by_the_next_invitation_through_the_other(apis):
    a, b = apis
    org = a.org("Cached")["id"]
    hook = register(a, "https://example.com/hook", event_types=["user.organization_invitation"])["webhook"]["id"]
    # Process B invites: it has read (and may keep) the settings, the default role and the endpoints.
    first = _invite(b, org, "first@example.com")
    assert first["roles"] == held_roles("member")
    assert when(str(first["invite_expires_at"])) > datetime.now(UTC) + timedelta(days=14)
    assert len(deliveries(b, hook)) == 1

    # Process A changes all three.
    a.settings(invitation_expiry_seconds=3600)
    guest = a.post("/api/v1/roles", json={"role": {"name": "guest", "display_name": "Guest"}})
    assert guest.status_code == 201, guest.text
    assert a.patch("/api/v1/roles:set_defaults", json={"default_member_role": "guest"}).status_code == 200
    assert a.patch(f"/api/v1/webhooks/{hook}", json={"enabled": False}).status_code == 200
    other = register(a, "https://example.com/other")["webhook"]["id"]

    # B's next invitation: the new expiry, the new default role, the endpoints as they are now.
    second = _invite(b, org, "second@example.com")
    seen = {
        "default member role": second["roles"] == held_roles("guest"),
        "settings": when(str(second["invite_expires_at"])) < datetime.now(UTC) + timedelta(hours=2),
        "disabled endpoint": len(deliveries(b, hook)) == 1,  # nothing more for it
        "new endpoint": len(deliveries(b, other)) == 3,  # user.created, membership created, invitation
    }
    assert seen == dict.fromkeys(seen, True)

    # And back again, the other way round.
    assert b.patch("/api/v1/roles:set_defaults", json={"default_member_role": "member"}).status_code == 200
    b.settings(invitation_expiry_seconds=7200)
    third = _invite(a, org, "third@example.com")
    assert third["roles"] == held_roles("member")
    expires = when(str(third["invite_expires_at"]))
    assert datetime.now(UTC) + timedelta(hours=1) < expires < datetime.now(UTC) + timedelta(hours=3)
