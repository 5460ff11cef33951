"""`max_allowed_users` per organization (SPEC §2, API.md "Organizations" / "Users and memberships")."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import FakeClock
from tests.helpers import Api

EXPIRY_DAYS = 15  # default invitation_expiry


def total_users(api: Api) -> int:
    response = api.get("/api/v1/users")
    assert response.status_code == 200, response.text
    return int(response.json()["total_size"])


def member_count(api: Api, org_id: str) -> int:
    response = api.get(f"/api/v1/organizations/{org_id}/users")
    assert response.status_code == 200, response.text
    return int(response.json()["total_size"])


def user_by_id(api: Api, user_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/users/{user_id}")
    assert response.status_code == 200, response.text
    return dict(response.json()["user"])


def add_membership(api: Api, org_id: str, user_id: str, *, invite: bool = True) -> httpx.Response:
    return api.post(
        f"/api/v1/memberships/organizations/{org_id}/users/{user_id}",
        params={"send_invitation_email": str(invite).lower()},
        json={"roles": [{"name": "member"}]},
    )


def remove_membership(api: Api, org_id: str, user_id: str) -> None:
    response = api.delete(f"/api/v1/memberships/organizations/{org_id}/users/{user_id}")
    assert response.status_code == 200, response.text


def resend(api: Api, org_id: str, user_id: str) -> httpx.Response:
    return api.patch(f"/api/v1/invites/organizations/{org_id}/users/{user_id}/resend")


def assert_full(response: httpx.Response) -> None:
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "organization_user_limit_reached"
    assert response.json()["message"]


def org_with_limit(api: Api, limit: int | None, name: str = "Acme") -> str:
    org_id = api.org(name)["id"]
    api.limit(org_id, limit)
    return org_id


def usermanagement(api: Api, org_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/organizations/{org_id}/settings/usermanagement")
    assert response.status_code == 200, response.text
    return dict(response.json())


# --- the setting -------------------------------------------------------------------------------


def test_new_organization_has_no_limit_and_no_seats_used(api: Api):
    org_id = api.org()["id"]
    assert usermanagement(api, org_id) == {"settings": {"max_allowed_users": None}, "seats_used": 0}


def test_setting_the_limit_is_returned_and_read_back(api: Api):
    org_id = api.org()["id"]
    api.user_in(org_id, "a@example.com", invite=False)
    patched = api.limit(org_id, 5)
    assert patched["settings"]["max_allowed_users"] == 5
    assert patched["seats_used"] == 1
    assert usermanagement(api, org_id) == {"settings": {"max_allowed_users": 5}, "seats_used": 1}


@pytest.mark.parametrize("value", [-1, -100])
def test_negative_limit_is_400_and_leaves_the_limit_alone(api: Api, value: int):
    org_id = org_with_limit(api, 3)
    response = api.patch(
        f"/api/v1/organizations/{org_id}/settings/usermanagement", json={"settings": {"max_allowed_users": value}}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_argument"
    assert any("max_allowed_users" in d["field"] for d in response.json()["details"])
    assert usermanagement(api, org_id)["settings"]["max_allowed_users"] == 3


def test_a_patch_that_does_not_name_the_limit_leaves_it_alone(api: Api):
    """PATCH is a partial update: `{"settings": {}}` must not silently lift the seat limit."""
    org_id = org_with_limit(api, 1)
    api.user_in(org_id, "a@example.com", invite=False)
    response = api.patch(f"/api/v1/organizations/{org_id}/settings/usermanagement", json={"settings": {}})
    assert response.status_code in (200, 400), response.text
    assert usermanagement(api, org_id)["settings"]["max_allowed_users"] == 1
    assert_full(api.add_user(org_id, "b@example.com"))


def test_limit_of_unknown_organization_is_404(api: Api):
    response = api.get("/api/v1/organizations/org_nope/settings/usermanagement")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = api.patch(
        "/api/v1/organizations/org_nope/settings/usermanagement", json={"settings": {"max_allowed_users": 2}}
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize("no_limit", [None, 0])
def test_null_and_zero_both_mean_no_limit(api: Api, no_limit: int | None):
    org_id = org_with_limit(api, 1)
    api.user_in(org_id, "first@example.com", invite=False)
    assert_full(api.add_user(org_id, "second@example.com"))

    result = api.limit(org_id, no_limit)
    assert result["settings"]["max_allowed_users"] in (None, 0)
    for index in range(4):
        assert api.add_user(org_id, f"u{index}@example.com", invite=index % 2 == 0).status_code == 201
    assert api.seats_used(org_id) == 5
    assert usermanagement(api, org_id)["settings"]["max_allowed_users"] in (None, 0)


# --- what counts -------------------------------------------------------------------------------


def test_seats_used_counts_active_members_and_pending_invitations(api: Api):
    org_id = api.org()["id"]
    assert api.seats_used(org_id) == 0
    api.user_in(org_id, "active@example.com", invite=False)
    assert api.seats_used(org_id) == 1
    api.user_in(org_id, "pending@example.com")
    assert api.seats_used(org_id) == 2
    accepted = api.accept(api.invitation_token("pending@example.com"), password="a long passphrase")
    assert accepted.status_code == 200, accepted.text
    assert api.seats_used(org_id) == 2  # accepting does not take a second seat


def test_expired_invitations_stop_counting(api: Api, clock: FakeClock):
    org_id = org_with_limit(api, 2)
    api.user_in(org_id, "active@example.com", invite=False)
    invited = api.user_in(org_id, "late@example.com")
    assert api.seats_used(org_id) == 2
    assert_full(api.add_user(org_id, "third@example.com"))

    clock.advance(days=EXPIRY_DAYS, seconds=1)
    assert api.membership(invited, org_id)["membership_status"] == "INVITE_EXPIRED"
    assert api.seats_used(org_id) == 1
    # the seat is free again for a new invitation
    third = api.add_user(org_id, "third@example.com")
    assert third.status_code == 201, third.text
    assert api.seats_used(org_id) == 2
    # the expired one still exists as a membership, but the organization is full again
    assert member_count(api, org_id) == 3
    assert_full(api.add_user(org_id, "fourth@example.com"))


def test_an_invitation_counts_until_the_exact_expiry(api: Api, clock: FakeClock):
    org_id = org_with_limit(api, 1)
    api.user_in(org_id, "pending@example.com")
    clock.advance(days=EXPIRY_DAYS, seconds=-1)
    assert api.seats_used(org_id) == 1
    assert_full(api.add_user(org_id, "other@example.com"))
    clock.advance(seconds=1)
    assert api.seats_used(org_id) == 0
    assert api.add_user(org_id, "other@example.com").status_code == 201


def test_a_user_in_two_organizations_counts_in_each(api: Api):
    first = org_with_limit(api, 1, "First")
    second = org_with_limit(api, 1, "Second")
    user = api.user_in(first, "both@example.com", invite=False)
    response = add_membership(api, second, user["id"], invite=False)
    assert response.status_code == 201, response.text
    assert api.seats_used(first) == 1
    assert api.seats_used(second) == 1
    assert_full(api.add_user(first, "x@example.com"))
    assert_full(api.add_user(second, "x@example.com"))
    assert total_users(api) == 1


def test_members_removed_from_other_organizations_do_not_count_here(api: Api):
    first = org_with_limit(api, 2, "First")
    other = api.org("Other")["id"]
    for index in range(3):
        api.user_in(other, f"o{index}@example.com", invite=False)
    assert api.seats_used(first) == 0
    assert api.seats_used(other) == 3


# --- every entry path is refused when full -------------------------------------------------------


def test_invitation_of_a_new_user_into_a_full_organization_is_refused_and_writes_nothing(api: Api):
    org_id = org_with_limit(api, 2)
    api.user_in(org_id, "a@example.com", invite=False)
    api.user_in(org_id, "b@example.com")
    users_before = total_users(api)
    emails_before = api.get("/api/v1/emails").json()["total_size"]

    refused = api.add_user(org_id, "c@example.com", external_id="ext-c")
    assert_full(refused)
    assert total_users(api) == users_before == 2
    assert api.get("/api/v1/users:external/ext-c").status_code == 404
    assert api.get("/api/v1/emails").json()["total_size"] == emails_before
    assert api.get("/api/v1/emails", params={"to": "c@example.com"}).json()["total_size"] == 0
    assert member_count(api, org_id) == 2
    assert api.seats_used(org_id) == 2


def test_active_creation_into_a_full_organization_is_refused_and_writes_nothing(api: Api):
    org_id = org_with_limit(api, 1)
    api.user_in(org_id, "a@example.com", invite=False)
    assert_full(api.add_user(org_id, "b@example.com", invite=False))
    assert total_users(api) == 1
    assert member_count(api, org_id) == 1
    assert api.seats_used(org_id) == 1


def test_existing_user_added_by_email_into_a_full_organization_is_refused_and_unchanged(api: Api):
    full = org_with_limit(api, 1, "Full")
    home = api.org("Home")["id"]
    api.user_in(full, "a@example.com", invite=False)
    other = api.user_in(home, "b@example.com", invite=False, user_profile={"given_name": "Bea"})

    refused = api.add_user(full, "B@example.com", user_profile={"given_name": "Changed"})
    assert_full(refused)
    stored = user_by_id(api, other["id"])
    assert stored["user_profile"]["given_name"] == "Bea"
    assert [m["organization_id"] for m in stored["memberships"]] == [home]
    assert total_users(api) == 2


@pytest.mark.parametrize("invite", [True, False])
def test_adding_a_membership_of_an_existing_user_into_a_full_organization_is_refused(api: Api, invite: bool):
    full = org_with_limit(api, 1, "Full")
    home = api.org("Home")["id"]
    api.user_in(full, "a@example.com", invite=False)
    other = api.user_in(home, "b@example.com", invite=False)

    assert_full(add_membership(api, full, other["id"], invite=invite))
    assert [m["organization_id"] for m in user_by_id(api, other["id"])["memberships"]] == [home]
    assert member_count(api, full) == 1
    assert api.seats_used(full) == 1
    assert api.get("/api/v1/emails", params={"to": "b@example.com"}).json()["total_size"] == 0


def test_an_addition_refused_for_another_reason_leaves_the_free_seat_free(api: Api):
    """A refusal that is not about seats (already a member, an unknown role, a bad custom
    attribute) takes no seat, by whichever route: the last free seat is still there after."""
    org_id = org_with_limit(api, 2)
    member = api.user_in(org_id, "a@example.com", invite=False)
    outsider = api.user_in(api.org("Home")["id"], "b@example.com", invite=False)
    refusals = [
        (api.add_user(org_id, "A@example.com"), 409),
        (add_membership(api, org_id, member["id"]), 409),
        (api.add_user(org_id, "c@example.com", membership={"roles": [{"name": "no_such_role"}]}), 400),
        (api.add_user(org_id, "c@example.com", user_profile={"custom_attributes": {"undefined": 1}}), 400),
        (
            api.post(
                f"/api/v1/memberships/organizations/{org_id}/users/{outsider['id']}",
                json={"roles": [{"name": "no_such_role"}]},
            ),
            400,
        ),
    ]
    assert [response.status_code for response, _ in refusals] == [status for _, status in refusals]
    assert api.seats_used(org_id) == 1
    assert usermanagement(api, org_id)["seats_used"] == 1
    assert api.add_user(org_id, "c@example.com").status_code == 201
    assert_full(api.add_user(org_id, "d@example.com"))
    assert member_count(api, org_id) == 2


def test_resending_an_expired_invitation_into_a_full_organization_is_refused(api: Api, clock: FakeClock):
    org_id = org_with_limit(api, 2)
    expired = api.user_in(org_id, "expired@example.com")
    old_token = api.invitation_token("expired@example.com")
    clock.advance(days=EXPIRY_DAYS + 1)
    api.user_in(org_id, "a@example.com", invite=False)
    b = api.user_in(org_id, "b@example.com")
    assert api.seats_used(org_id) == 2

    assert_full(resend(api, org_id, expired["id"]))
    membership = api.membership(expired, org_id)
    assert membership["membership_status"] == "INVITE_EXPIRED"
    assert api.get("/api/v1/emails", params={"to": "expired@example.com"}).json()["total_size"] == 1
    # nothing was rotated: the old link is still merely expired
    stale = api.accept(old_token)
    assert stale.status_code == 410 and stale.json()["code"] == "invitation_expired"
    assert api.seats_used(org_id) == 2

    # once a seat frees up, the resend goes through
    remove_membership(api, org_id, b["id"])
    renewed = resend(api, org_id, expired["id"])
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["invite"]["status"] == "PENDING_INVITE"
    assert api.seats_used(org_id) == 2


def test_resending_an_expired_invitation_that_still_fits_takes_its_seat_again(api: Api, clock: FakeClock):
    org_id = org_with_limit(api, 1)
    expired = api.user_in(org_id, "expired@example.com")
    clock.advance(days=EXPIRY_DAYS + 1)
    assert api.seats_used(org_id) == 0
    response = resend(api, org_id, expired["id"])
    assert response.status_code == 200, response.text
    assert api.seats_used(org_id) == 1
    assert api.membership(expired, org_id)["membership_status"] == "PENDING_INVITE"
    assert_full(api.add_user(org_id, "other@example.com"))


def test_resending_a_pending_invitation_in_a_full_organization_is_allowed(api: Api):
    org_id = org_with_limit(api, 1)
    pending = api.user_in(org_id, "pending@example.com")
    response = resend(api, org_id, pending["id"])
    assert response.status_code == 200, response.text
    assert api.seats_used(org_id) == 1


def test_resending_a_pending_invitation_after_the_limit_was_lowered_is_allowed(api: Api):
    org_id = org_with_limit(api, 3)
    api.user_in(org_id, "a@example.com", invite=False)
    api.user_in(org_id, "b@example.com", invite=False)
    pending = api.user_in(org_id, "pending@example.com")
    api.limit(org_id, 1)
    response = resend(api, org_id, pending["id"])
    assert response.status_code == 200, response.text
    assert api.seats_used(org_id) == 3


# --- accepting -----------------------------------------------------------------------------------


def test_accepting_an_unexpired_invitation_into_a_full_organization_succeeds(api: Api):
    org_id = org_with_limit(api, 2)
    api.user_in(org_id, "a@example.com", invite=False)
    invited = api.user_in(org_id, "b@example.com")
    assert_full(api.add_user(org_id, "c@example.com"))

    accepted = api.accept(api.invitation_token("b@example.com"), password="a long passphrase")
    assert accepted.status_code == 200, accepted.text
    assert api.membership(invited, org_id)["membership_status"] == "ACTIVE"
    assert api.seats_used(org_id) == 2
    assert_full(api.add_user(org_id, "c@example.com"))


def test_a_full_organization_can_complete_all_its_outstanding_invitations(api: Api):
    org_id = org_with_limit(api, 3)
    invited = [api.user_in(org_id, f"i{n}@example.com") for n in range(3)]
    for user in invited:
        response = api.accept(api.invitation_token(user["email"]))
        assert response.status_code == 200, response.text
    assert all(api.membership(u, org_id)["membership_status"] == "ACTIVE" for u in invited)
    assert api.seats_used(org_id) == 3


def test_after_lowering_acceptance_waits_until_the_others_fall_below_the_limit(api: Api):
    org_id = org_with_limit(api, 4)
    a = api.user_in(org_id, "a@example.com", invite=False)
    b = api.user_in(org_id, "b@example.com")
    c = api.user_in(org_id, "c@example.com")
    d = api.user_in(org_id, "d@example.com")
    token_d = api.invitation_token("d@example.com")
    api.limit(org_id, 2)  # 4 seats used, limit 2

    # without d: a, b, c = 3 >= 2
    refused = api.accept(token_d)
    assert_full(refused)
    assert api.membership(d, org_id)["membership_status"] == "PENDING_INVITE"
    assert api.seats_used(org_id) == 4

    remove_membership(api, org_id, b["id"])  # without d: a, c = 2 >= 2
    assert_full(api.accept(token_d))
    assert api.membership(d, org_id)["membership_status"] == "PENDING_INVITE"

    assert api.delete(f"/api/v1/users/{c['id']}").status_code == 200  # without d: a = 1 < 2
    accepted = api.accept(token_d)
    assert accepted.status_code == 200, accepted.text
    assert api.membership(d, org_id)["membership_status"] == "ACTIVE"
    assert api.membership(a, org_id)["membership_status"] == "ACTIVE"
    assert api.seats_used(org_id) == 2


def test_after_lowering_to_exactly_the_count_pending_invitations_can_still_be_accepted(api: Api):
    org_id = org_with_limit(api, 5)
    api.user_in(org_id, "a@example.com", invite=False)
    invited = api.user_in(org_id, "b@example.com")
    api.limit(org_id, 2)  # count 2 == limit: not below the count
    accepted = api.accept(api.invitation_token("b@example.com"))
    assert accepted.status_code == 200, accepted.text
    assert api.membership(invited, org_id)["membership_status"] == "ACTIVE"


def test_after_lowering_expired_invitations_do_not_block_acceptance(api: Api, clock: FakeClock):
    org_id = org_with_limit(api, 3)
    api.user_in(org_id, "a@example.com", invite=False)
    api.user_in(org_id, "old@example.com")
    clock.advance(days=10)
    fresh = api.user_in(org_id, "fresh@example.com")
    clock.advance(days=6)  # old expired, fresh still pending
    assert api.seats_used(org_id) == 2
    api.limit(org_id, 2)  # without fresh: a = 1 < 2
    accepted = api.accept(api.invitation_token("fresh@example.com"))
    assert accepted.status_code == 200, accepted.text
    assert api.membership(fresh, org_id)["membership_status"] == "ACTIVE"


def test_raising_the_limit_again_lets_acceptance_through(api: Api):
    org_id = org_with_limit(api, 3)
    api.user_in(org_id, "a@example.com", invite=False)
    api.user_in(org_id, "b@example.com", invite=False)
    invited = api.user_in(org_id, "c@example.com")
    token = api.invitation_token("c@example.com")
    api.limit(org_id, 1)
    assert_full(api.accept(token))
    api.limit(org_id, None)
    assert api.accept(token).status_code == 200
    assert api.membership(invited, org_id)["membership_status"] == "ACTIVE"


# --- lowering the limit --------------------------------------------------------------------------


def test_lowering_below_the_count_removes_nobody_and_blocks_new_seats(api: Api):
    org_id = org_with_limit(api, 5)
    users = [api.user_in(org_id, f"a{n}@example.com", invite=False) for n in range(3)]
    pending = api.user_in(org_id, "p@example.com")
    result = api.limit(org_id, 2)
    assert result["settings"]["max_allowed_users"] == 2
    assert result["seats_used"] == 4

    assert member_count(api, org_id) == 4
    for user in users:
        assert api.membership(user, org_id)["membership_status"] == "ACTIVE"
    assert api.membership(pending, org_id)["membership_status"] == "PENDING_INVITE"
    assert api.seats_used(org_id) == 4
    assert_full(api.add_user(org_id, "new@example.com"))
    assert_full(api.add_user(org_id, "new@example.com", invite=False))


def test_after_lowering_new_seats_wait_until_the_count_is_below_the_limit(api: Api):
    org_id = org_with_limit(api, 4)
    users = [api.user_in(org_id, f"a{n}@example.com", invite=False) for n in range(4)]
    api.limit(org_id, 2)

    remove_membership(api, org_id, users[0]["id"])  # 3 used
    assert_full(api.add_user(org_id, "new@example.com"))
    remove_membership(api, org_id, users[1]["id"])  # 2 used == limit
    assert_full(api.add_user(org_id, "new@example.com"))
    remove_membership(api, org_id, users[2]["id"])  # 1 used < limit
    assert api.add_user(org_id, "new@example.com").status_code == 201
    assert api.seats_used(org_id) == 2
    assert_full(api.add_user(org_id, "newer@example.com"))


# --- freeing seats -------------------------------------------------------------------------------


def test_revoking_a_pending_invitation_frees_its_seat(api: Api):
    org_id = org_with_limit(api, 1)
    pending = api.user_in(org_id, "pending@example.com")
    token = api.invitation_token("pending@example.com")
    assert_full(api.add_user(org_id, "other@example.com"))

    remove_membership(api, org_id, pending["id"])
    assert api.seats_used(org_id) == 0
    assert member_count(api, org_id) == 0
    revoked = api.accept(token)
    assert revoked.status_code == 400 and revoked.json()["code"] == "invitation_invalid"
    assert api.add_user(org_id, "other@example.com").status_code == 201
    assert api.seats_used(org_id) == 1


def test_removing_an_expired_invitation_does_not_give_back_a_seat_twice(api: Api, clock: FakeClock):
    org_id = org_with_limit(api, 2)
    api.user_in(org_id, "a@example.com", invite=False)
    expired = api.user_in(org_id, "old@example.com")
    clock.advance(days=EXPIRY_DAYS + 1)
    api.user_in(org_id, "b@example.com")  # takes the expired invitation's seat
    remove_membership(api, org_id, expired["id"])
    assert api.seats_used(org_id) == 2
    assert_full(api.add_user(org_id, "c@example.com"))


def test_deleting_a_member_frees_a_seat(api: Api):
    org_id = org_with_limit(api, 2)
    a = api.user_in(org_id, "a@example.com", invite=False)
    api.user_in(org_id, "b@example.com", invite=False)
    assert_full(api.add_user(org_id, "c@example.com"))
    remove_membership(api, org_id, a["id"])
    assert api.seats_used(org_id) == 1
    assert user_by_id(api, a["id"])["memberships"] == []  # the user stays
    assert api.add_user(org_id, "c@example.com").status_code == 201
    assert_full(api.add_user(org_id, "d@example.com"))


def test_deleting_a_user_frees_their_seat_in_every_organization(api: Api):
    first = org_with_limit(api, 1, "First")
    second = org_with_limit(api, 1, "Second")
    user = api.user_in(first, "both@example.com", invite=False)
    assert add_membership(api, second, user["id"]).status_code == 201  # pending there
    assert_full(api.add_user(first, "x@example.com"))
    assert_full(api.add_user(second, "x@example.com"))

    assert api.delete(f"/api/v1/users/{user['id']}").status_code == 200
    assert api.seats_used(first) == 0
    assert api.seats_used(second) == 0
    assert api.add_user(first, "x@example.com").status_code == 201
    assert api.add_user(second, "x@example.com").status_code == 201


def test_deleting_a_user_with_an_expired_invitation_keeps_the_count_right(api: Api, clock: FakeClock):
    org_id = org_with_limit(api, 2)
    api.user_in(org_id, "a@example.com", invite=False)
    expired = api.user_in(org_id, "old@example.com")
    clock.advance(days=EXPIRY_DAYS + 1)
    assert api.delete(f"/api/v1/users/{expired['id']}").status_code == 200
    assert api.seats_used(org_id) == 1
    assert api.add_user(org_id, "b@example.com").status_code == 201
    assert_full(api.add_user(org_id, "c@example.com"))


def test_deleting_a_user_whose_expired_seat_was_already_reused_keeps_the_count_right(api: Api, clock: FakeClock):
    org_id = org_with_limit(api, 2)
    api.user_in(org_id, "a@example.com", invite=False)
    expired = api.user_in(org_id, "old@example.com")
    clock.advance(days=EXPIRY_DAYS + 1)
    api.user_in(org_id, "b@example.com")  # takes the expired invitation's seat
    assert api.delete(f"/api/v1/users/{expired['id']}").status_code == 200
    assert api.seats_used(org_id) == 2
    assert_full(api.add_user(org_id, "c@example.com"))


def test_deleting_another_organization_does_not_change_this_count(api: Api):
    org_id = org_with_limit(api, 2)
    other = api.org("Other")["id"]
    user = api.user_in(org_id, "a@example.com", invite=False)
    assert add_membership(api, other, user["id"], invite=False).status_code == 201
    assert api.delete(f"/api/v1/organizations/{other}").status_code == 200
    assert api.seats_used(org_id) == 1
    assert api.add_user(org_id, "b@example.com").status_code == 201
    assert_full(api.add_user(org_id, "c@example.com"))


def test_the_limit_holds_over_many_operations(api: Api, clock: FakeClock):
    org_id = org_with_limit(api, 3)
    a = api.user_in(org_id, "a@example.com", invite=False)
    api.user_in(org_id, "b@example.com")
    api.user_in(org_id, "c@example.com")
    assert_full(api.add_user(org_id, "d@example.com"))
    remove_membership(api, org_id, a["id"])
    assert api.add_user(org_id, "d@example.com").status_code == 201
    assert_full(api.add_user(org_id, "e@example.com"))
    clock.advance(days=EXPIRY_DAYS + 1)  # b, c, d expired
    assert api.seats_used(org_id) == 0
    for email in ("e@example.com", "f@example.com", "g@example.com"):
        assert api.add_user(org_id, email, invite=False).status_code == 201
    assert_full(api.add_user(org_id, "h@example.com"))
    assert api.seats_used(org_id) == 3
    assert member_count(api, org_id) == 6
