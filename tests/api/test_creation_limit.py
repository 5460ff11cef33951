"""`max_organizations_per_user` (SPEC §1; API.md "Organizations", `created_by_user_id`)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import Api, held_roles


def signed_up(api: Api, email: str = "dan@example.com") -> dict[str, Any]:
    response = api.signup(email, organization={"display_name": f"{email} first"})
    assert response.status_code == 201, response.text
    return dict(response.json()["user"])


def create_for(api: Api, user_id: str, name: str = "On behalf") -> httpx.Response:
    return api.post("/api/v1/organizations", json={"display_name": name, "created_by_user_id": user_id})


def total_organizations(api: Api) -> int:
    response = api.get("/api/v1/organizations")
    assert response.status_code == 200, response.text
    return int(response.json()["total_size"])


def memberships_of(api: Api, user_id: str) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/users/{user_id}")
    assert response.status_code == 200, response.text
    return list(response.json()["user"]["memberships"])


def assert_limit_reached(response: httpx.Response) -> None:
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == "organization_creation_limit_reached"
    assert body["message"]


# --- counting and refusing ---------------------------------------------------------------------


def test_sign_up_counts_as_the_first_organization(api: Api):
    api.settings(max_organizations_per_user=2)
    user = signed_up(api)
    second = create_for(api, user["id"], "Second")
    assert second.status_code == 201, second.text
    assert_limit_reached(create_for(api, user["id"], "Third"))
    assert total_organizations(api) == 2
    assert len(memberships_of(api, user["id"])) == 2


def test_limit_one_blocks_any_organization_after_sign_up(api: Api):
    api.settings(max_organizations_per_user=1)
    user = signed_up(api)
    assert_limit_reached(create_for(api, user["id"]))
    assert total_organizations(api) == 1


def test_organizations_created_on_behalf_count_up_to_the_limit(api: Api):
    api.settings(max_organizations_per_user=3)
    user = signed_up(api)
    assert create_for(api, user["id"], "Two").status_code == 201
    assert create_for(api, user["id"], "Three").status_code == 201
    refused = create_for(api, user["id"], "Four")
    assert_limit_reached(refused)
    assert total_organizations(api) == 3
    names = sorted(o["display_name"] for o in api.get("/api/v1/organizations").json()["organizations"])
    assert "Four" not in names


def test_the_refused_creation_writes_nothing(api: Api):
    api.settings(max_organizations_per_user=1)
    user = signed_up(api)
    before = memberships_of(api, user["id"])
    refused = api.post(
        "/api/v1/organizations",
        json={"display_name": "Nope", "external_id": "nope-1", "created_by_user_id": user["id"]},
    )
    assert_limit_reached(refused)
    assert api.get("/api/v1/organizations:external/nope-1").status_code == 404
    assert memberships_of(api, user["id"]) == before
    # the external_id is still free for an application organization
    assert api.org("Application's", external_id="nope-1")["external_id"] == "nope-1"


def test_the_creator_becomes_an_active_admin_of_each_organization(api: Api):
    api.settings(max_organizations_per_user=3)
    user = signed_up(api)
    created = []
    for name in ("Two", "Three"):
        response = create_for(api, user["id"], name)
        assert response.status_code == 201, response.text
        org = response.json()["organization"]
        assert org["id"].startswith("org_")
        assert org["display_name"] == name
        created.append(org["id"])
    by_org = {m["organization_id"]: m for m in memberships_of(api, user["id"])}
    assert len(by_org) == 3
    for org_id in created:
        assert by_org[org_id]["membership_status"] == "ACTIVE"
        assert by_org[org_id]["roles"] == held_roles("admin")
        assert api.seats_used(org_id) == 1
        members = api.get(f"/api/v1/organizations/{org_id}/users").json()
        assert [u["id"] for u in members["users"]] == [user["id"]]


def test_the_creator_is_admin_even_without_any_limit(api: Api):
    user = signed_up(api)
    response = create_for(api, user["id"], "Mine")
    assert response.status_code == 201
    org_id = response.json()["organization"]["id"]
    assert api.membership(user, org_id)["roles"] == held_roles("admin")
    assert api.membership(user, org_id)["membership_status"] == "ACTIVE"


def test_deleting_one_of_their_organizations_frees_a_slot(api: Api):
    api.settings(max_organizations_per_user=2)
    user = signed_up(api)
    second = create_for(api, user["id"], "Second").json()["organization"]["id"]
    assert_limit_reached(create_for(api, user["id"], "Third"))

    assert api.delete(f"/api/v1/organizations/{second}").status_code == 200
    assert api.get(f"/api/v1/organizations/{second}").status_code == 404
    again = create_for(api, user["id"], "Third")
    assert again.status_code == 201, again.text
    assert_limit_reached(create_for(api, user["id"], "Fourth"))


def test_leaving_an_organization_they_created_does_not_free_a_slot(api: Api):
    """It counts organizations the user created that still exist, member or not."""
    api.settings(max_organizations_per_user=2)
    user = signed_up(api)
    second = create_for(api, user["id"], "Second").json()["organization"]["id"]
    assert api.delete(f"/api/v1/memberships/organizations/{second}/users/{user['id']}").status_code == 200
    assert len(memberships_of(api, user["id"])) == 1
    assert_limit_reached(create_for(api, user["id"], "Third"))


# --- what does not count -----------------------------------------------------------------------


def test_application_organizations_never_count_and_are_not_limited(api: Api):
    api.settings(max_organizations_per_user=1)
    for index in range(4):  # no creating user: never limited
        api.org(f"Made by the app {index}")
    assert total_organizations(api) == 4

    user = signed_up(api)  # their first and only allowed organization
    assert total_organizations(api) == 5
    assert_limit_reached(create_for(api, user["id"]))
    api.org("Another app organization")
    assert total_organizations(api) == 6


def test_application_organizations_do_not_use_up_a_users_slots(api: Api):
    api.settings(max_organizations_per_user=2)
    user = signed_up(api)
    for index in range(3):
        org = api.org(f"App {index}")["id"]
        # even when the user is an admin member of them
        api.user_in(org, user["email"], invite=False, membership={"roles": [{"name": "admin"}]})
    assert len(memberships_of(api, user["id"])) == 4
    response = create_for(api, user["id"], "Theirs")
    assert response.status_code == 201, response.text
    assert_limit_reached(create_for(api, user["id"], "One too many"))


def test_organizations_created_by_another_user_do_not_count(api: Api):
    api.settings(max_organizations_per_user=2)
    dan = signed_up(api, "dan@example.com")
    eve = signed_up(api, "eve@example.com")
    assert create_for(api, eve["id"], "Eve 2").status_code == 201
    assert_limit_reached(create_for(api, eve["id"], "Eve 3"))
    assert create_for(api, dan["id"], "Dan 2").status_code == 201
    assert_limit_reached(create_for(api, dan["id"], "Dan 3"))


def test_a_user_created_by_the_application_starts_with_no_organizations_created(api: Api):
    api.settings(max_organizations_per_user=1)
    app_org = api.org("App")["id"]
    user = api.user_in(app_org, "zoe@example.com", invite=False)
    response = create_for(api, user["id"], "Zoe's own")
    assert response.status_code == 201, response.text
    assert_limit_reached(create_for(api, user["id"], "Zoe's second"))


# --- changing the limit ------------------------------------------------------------------------


def test_null_limit_is_unlimited(api: Api):
    assert api.get("/api/v1/environment/settings").json()["settings"]["max_organizations_per_user"] is None
    user = signed_up(api)
    for index in range(5):
        assert create_for(api, user["id"], f"Org {index}").status_code == 201
    assert len(memberships_of(api, user["id"])) == 6


def test_setting_the_limit_back_to_null_lifts_it(api: Api):
    api.settings(max_organizations_per_user=1)
    user = signed_up(api)
    assert_limit_reached(create_for(api, user["id"]))
    assert api.settings(max_organizations_per_user=None)["max_organizations_per_user"] is None
    assert create_for(api, user["id"], "Two").status_code == 201
    assert create_for(api, user["id"], "Three").status_code == 201


def test_raising_the_limit_allows_more(api: Api):
    api.settings(max_organizations_per_user=1)
    user = signed_up(api)
    assert_limit_reached(create_for(api, user["id"]))
    api.settings(max_organizations_per_user=2)
    assert create_for(api, user["id"], "Two").status_code == 201
    assert_limit_reached(create_for(api, user["id"], "Three"))


def test_lowering_below_the_count_removes_nothing_but_blocks_new_ones(api: Api):
    user = signed_up(api)
    created = [create_for(api, user["id"], f"Org {i}").json()["organization"]["id"] for i in range(3)]
    assert api.settings(max_organizations_per_user=2)["max_organizations_per_user"] == 2

    assert len(memberships_of(api, user["id"])) == 4
    assert total_organizations(api) == 4
    for org_id in created:
        assert api.get(f"/api/v1/organizations/{org_id}").status_code == 200
    assert_limit_reached(create_for(api, user["id"], "Blocked"))

    # deleting one leaves 3, still >= 2; after two more deletions (1 left) one slot is free
    for org_id in created:
        assert api.delete(f"/api/v1/organizations/{org_id}").status_code == 200
        if org_id != created[-1]:
            assert_limit_reached(create_for(api, user["id"], "Still blocked"))
    assert create_for(api, user["id"], "Fits again").status_code == 201


@pytest.mark.parametrize("value", [0, -1, "two", 1.5])
def test_invalid_limits_are_400_and_leave_the_setting_alone(api: Api, value: object):
    api.settings(max_organizations_per_user=3)
    response = api.patch("/api/v1/environment/settings", json={"max_organizations_per_user": value})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_argument"
    assert any("max_organizations_per_user" in d["field"] for d in response.json()["details"])
    assert api.get("/api/v1/environment/settings").json()["settings"]["max_organizations_per_user"] == 3


# --- unknown creator ---------------------------------------------------------------------------


def test_unknown_created_by_user_id_is_404_and_creates_nothing(api: Api):
    response = create_for(api, "usr_doesnotexist0000000000000")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert total_organizations(api) == 0


def test_deleted_creator_is_404(api: Api):
    user = signed_up(api)
    assert api.delete(f"/api/v1/users/{user['id']}").status_code == 200
    response = create_for(api, user["id"])
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert total_organizations(api) == 1  # the sign-up organization stays
