"""SCIM provisioning holds the seat cap under concurrency: simultaneous creates from an
identity provider, spread over two server processes sharing the database."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from tests.helpers import Api
from tests.live.test_concurrency import fire_at_once
from tests.scim.scim import directory, user_body
from tests.sso.flows import org_with_domain
from tests.sso.test_domain_join import memberships, verified_user

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


def test_simultaneous_creates_of_a_verified_account_link_it_once(live_servers, live_api: Api) -> None:
    """The identity provider (retrying, or two of its workers) pushes the same person at once
    through both processes; the person already has an account with a verified address on the
    organization's verified domain. One create links it; the others find it (200, same
    externalId) or clash (409 uniqueness, another externalId); nothing is duplicated."""
    org = org_with_domain(live_api, "Linked", domain="race-link.com")["id"]
    dana = verified_user(live_api, "dana@race-link.com")
    found = directory(live_api, org)
    headers = {"Authorization": f"Bearer {found['token']}", "Content-Type": "application/scim+json"}

    def create(client: httpx.Client, i: int) -> httpx.Response:
        same = i % 2 == 0  # half resend the same person, half send another externalId for that userName
        body = user_body(
            "dana@race-link.com" if same else "DANA@race-link.com", externalId="00u-dana" if same else f"00u-{i}"
        )
        return client.post(f"/scim/v2/{found['id']}/Users", headers=headers, json=body)

    responses = fire_at_once(20, live_servers, create)

    statuses = Counter(r.status_code for r in responses)
    assert statuses[201] == 1 and set(statuses) <= {200, 201, 409}, statuses
    (linked,) = {r.json()["id"] for r in responses if r.status_code < 300}
    assert {r.json().get("scimType") for r in responses if r.status_code == 409} <= {"uniqueness"}
    listed = live_api.http.get(f"/scim/v2/{found['id']}/Users", headers=headers).json()
    assert [r["id"] for r in listed["Resources"]] == [linked]
    users = live_api.get("/api/v1/users", params={"page_size": 100}).json()["users"]
    assert [u["id"] for u in users if u["email"].lower() == "dana@race-link.com"] == [dana["id"]]  # linked, not new
    assert memberships(live_api, dana["id"])[org]["membership_status"] == "ACTIVE"
    assert live_api.seats_used(org) == 1
    log = live_api.get(f"/api/v1/organizations/{org}/directories/{found['id']}/operations").json()
    assert [o["http_status"] for o in log["operations"]].count(201) == 1
