"""SCIM provisioning holds the seat cap under concurrency: simultaneous creates from an
identity provider, spread over two server processes sharing the database."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.helpers import Api
from tests.live.test_concurrency import fire_at_once
from tests.scim.scim import directory, user_body

pytestmark = pytest.mark.live


def test_fifty_simultaneous_scim_creates_fill_exactly_the_ten_free_seats(live_servers, live_api: Api) -> None:
    org = live_api.org("Provisioned")["id"]
    live_api.limit(org, 12)
    live_api.user_in(org, "owner@example.com", invite=False)
    live_api.user_in(org, "invited@example.com")  # pending: holds a seat
    found = directory(live_api, org)
    headers = {"Authorization": f"Bearer {found['token']}", "Content-Type": "application/scim+json"}

    responses = fire_at_once(
        50,
        live_servers,
        lambda client, i: client.post(
            f"/scim/v2/{found['id']}/Users", headers=headers, json=user_body(f"idp{i}@example.com")
        ),
    )

    refusals = [r.json() for r in responses if r.status_code != 201]
    assert Counter(r.status_code for r in responses) == {201: 10, 403: 40}
    assert {(r["status"], r.get("scimType")) for r in refusals} == {("403", "organization_user_limit_reached")}
    assert live_api.seats_used(org) == 12
    listed = live_api.http.get(f"/scim/v2/{found['id']}/Users", headers=headers).json()
    assert listed["totalResults"] == 10
    assert live_api.get("/api/v1/users", params={"page_size": 100}).json()["total_size"] == 12  # none half-created
    refused = live_api.get("/api/v1/events", params={"type": "directory.user_refused", "page_size": 100}).json()
    assert len(refused["events"]) == 40
