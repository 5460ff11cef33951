"""``total_size`` of an organization's member listing counts every membership in every
status, and only the matching ones when the listing is filtered by an attribute."""

from __future__ import annotations


def test_member_total_counts_every_status_and_follows_attribute_filters(api, clock):
    api.post("/api/v1/user-attributes", json={"key": "team", "display_name": "Team", "type": "string"})
    org = api.org("Acme")
    api.user_in(org["id"], "active@example.com", invite=False, user_profile={"custom_attributes": {"team": "red"}})
    api.user_in(org["id"], "expired@example.com")
    clock.advance(days=30)  # the invitation above expires; it is still listed and counted
    api.user_in(org["id"], "pending@example.com", user_profile={"custom_attributes": {"team": "red"}})
    api.user_in(api.org("Other")["id"], "outsider@example.com", user_profile={"custom_attributes": {"team": "red"}})

    listing = api.get(f"/api/v1/organizations/{org['id']}/users", params={"page_size": "1"}).json()
    assert listing["total_size"] == 3 and len(listing["users"]) == 1
    filtered = api.get(f"/api/v1/organizations/{org['id']}/users", params={"custom_attributes.team": "red"}).json()
    assert filtered["total_size"] == 2
    assert {u["email"] for u in filtered["users"]} == {"active@example.com", "pending@example.com"}

    api.delete(f"/api/v1/users/{listing['users'][0]['id']}")
    assert api.get(f"/api/v1/organizations/{org['id']}/users").json()["total_size"] == 2


def test_member_total_counts_memberships_whose_seat_went_back(api, clock):
    """An expired invitation whose seat the ledger took back for a newcomer holds no seat but
    is still listed: the total is every listed membership, seat or not."""
    org = api.org("Acme")
    api.limit(org["id"], 2)
    api.user_in(org["id"], "expired@example.com")
    api.user_in(org["id"], "active@example.com", invite=False)
    clock.advance(days=30)
    api.user_in(org["id"], "newcomer@example.com")  # full: takes the expired invitation's seat
    assert api.get(f"/api/v1/organizations/{org['id']}/settings/usermanagement").json()["seats_used"] == 2

    listing = api.get(f"/api/v1/organizations/{org['id']}/users", params={"page_size": "2"}).json()
    rest = api.get(
        f"/api/v1/organizations/{org['id']}/users", params={"page_size": "2", "page_token": listing["next_page_token"]}
    ).json()
    emails = [u["email"] for u in listing["users"] + rest["users"]]
    assert sorted(emails) == ["active@example.com", "expired@example.com", "newcomer@example.com"]
    assert listing["total_size"] == rest["total_size"] == 3
    statuses = {u["email"]: u["memberships"][0]["membership_status"] for u in listing["users"] + rest["users"]}
    assert statuses["expired@example.com"] == "INVITE_EXPIRED"


def test_member_pages_walk_forwards_and_back_past_other_organizations_users(api):
    """Pages of an organization's members, its users interleaved with other organizations'
    (the token's bound applies on both sides of the join): forwards then back by the tokens,
    every member once, in id order, the same pages both ways."""
    org, other = api.org("Acme"), api.org("Other")
    members = []
    for i in range(7):
        members.append(api.user_in(org["id"], f"member{i}@example.com", invite=i % 2 == 0)["id"])
        api.user_in(other["id"], f"outsider{i}@example.com")
    path = f"/api/v1/organizations/{org['id']}/users"

    forwards, token = [], ""
    while True:
        page = api.get(path, params={"page_size": "3", **({"page_token": token} if token else {})}).json()
        assert page["total_size"] == 7
        forwards.append([u["id"] for u in page["users"]])
        token = page["next_page_token"]
        if not token:
            break
    assert [user_id for ids in forwards for user_id in ids] == sorted(members)
    assert [len(ids) for ids in forwards] == [3, 3, 1]

    backwards, token = [], page["prev_page_token"]
    while token:
        page = api.get(path, params={"page_size": "3", "page_token": token}).json()
        backwards.append([u["id"] for u in page["users"]])
        token = page["prev_page_token"]
    assert backwards == [forwards[1], forwards[0]]
