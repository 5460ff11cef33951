"""Limits hold under concurrency: many simultaneous requests, through real HTTP, against
one and two server processes sharing the database (SQLite or PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.helpers import Api, held_roles
from tests.live.seats import fire_at_once, outcome

pytestmark = pytest.mark.live


@pytest.mark.parametrize("processes", [1, 2])
def test_simultaneous_invitations_take_exactly_the_free_seats(live_servers, live_api: Api, processes):
    org = live_api.org("Crowded")["id"]
    live_api.limit(org, 7)
    live_api.user_in(org, "first@example.com", invite=False)
    live_api.user_in(org, "second@example.com")  # pending: holds a seat
    headers = live_api.headers

    responses = fire_at_once(
        60,
        live_servers[:processes],
        lambda client, i: client.post(
            f"/api/v1/organizations/{org}/users", headers=headers, json={"email": f"u{i}@example.com"}
        ),
    )

    assert outcome(responses) == {"201": 5, "organization_user_limit_reached": 55}
    assert live_api.seats_used(org) == 7
    members = live_api.get(f"/api/v1/organizations/{org}/users", params={"page_size": 100}).json()
    assert members["total_size"] == 7
    assert live_api.get("/api/v1/users").json()["total_size"] == 7  # refused users were not half-created


@pytest.mark.parametrize("processes", [1, 2])
def test_simultaneous_organization_creation_stops_at_the_creation_limit(live_servers, live_api: Api, processes):
    live_api.settings(max_organizations_per_user=4)
    user = live_api.signup("founder@example.com").json()["user"]  # sign-up created organization 1 of 4
    headers = live_api.headers

    responses = fire_at_once(
        50,
        live_servers[:processes],
        lambda client, i: client.post(
            "/api/v1/organizations",
            headers=headers,
            json={"display_name": f"Org {i}", "created_by_user_id": user["id"]},
        ),
    )

    assert outcome(responses) == {"201": 3, "organization_creation_limit_reached": 47}
    memberships = live_api.get(f"/api/v1/users/{user['id']}").json()["user"]["memberships"]
    assert len(memberships) == 4
    assert all(m["roles"] == held_roles("admin") for m in memberships)


def test_an_invitation_link_is_accepted_once_when_clicked_simultaneously(live_servers, live_api: Api):
    org = live_api.org()["id"]
    live_api.user_in(org, "clicker@example.com")
    token = live_api.invitation_token("clicker@example.com")

    responses = fire_at_once(
        30, live_servers, lambda client, i: client.post("/api/v1/invitations:accept", json={"token": token})
    )

    assert outcome(responses) == {"200": 1, "invitation_invalid": 29}


def test_simultaneous_sign_ups_with_one_email_create_one_user(live_servers, live_api: Api):
    responses = fire_at_once(
        20,
        live_servers,
        lambda client, i: client.post(
            "/api/v1/signup",
            json={"email": "Twin@Example.com" if i % 2 else "twin@example.com", "password": "long enough pw"},
        ),
    )

    assert outcome(responses) == {"201": 1, "already_exists": 19}
    assert live_api.get("/api/v1/organizations").json()["total_size"] == 1


def test_resending_expired_invitations_races_fairly_for_the_last_seat(live_servers, live_api: Api):
    """Two simultaneous new invitations into one free seat: exactly one wins, even when the
    seat is only free because a revoked invitation gave it back."""
    org = live_api.org()["id"]
    live_api.limit(org, 2)
    live_api.user_in(org, "a@example.com")
    b = live_api.user_in(org, "b@example.com")
    assert live_api.delete(f"/api/v1/memberships/organizations/{org}/users/{b['id']}").status_code == 200
    headers = live_api.headers

    responses = fire_at_once(
        20,
        live_servers,
        lambda client, i: client.post(
            f"/api/v1/organizations/{org}/users", headers=headers, json={"email": f"late{i}@example.com"}
        ),
    )

    assert outcome(responses) == {"201": 1, "organization_user_limit_reached": 19}
    assert live_api.seats_used(org) == 2
