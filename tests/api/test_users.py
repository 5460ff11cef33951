"""Users and memberships: create into an organization, read, update, delete, list, memberships."""

from __future__ import annotations

import re

import pytest

from tests.helpers import PUBLIC_URL, assert_problem, held_roles, when

USER_ID = re.compile(r"^usr_[0-9a-z]{26}$")
UNKNOWN_USER = "usr_00000000000000000000000000"
UNKNOWN_ORG = "org_00000000000000000000000000"
FIFTEEN_DAYS = 15 * 24 * 3600


def get_user(api, user_id: str) -> dict:
    response = api.get(f"/api/v1/users/{user_id}")
    assert response.status_code == 200, response.text
    return response.json()["user"]


def outbox(api, to: str) -> list[dict]:
    response = api.get("/api/v1/emails", params={"to": to, "page_size": 100})
    assert response.status_code == 200, response.text
    return response.json()["emails"]


def all_users(api) -> dict:
    response = api.get("/api/v1/users", params={"page_size": 100})
    assert response.status_code == 200, response.text
    return response.json()


def membership_path(org_id: str, user_id: str) -> str:
    return f"/api/v1/memberships/organizations/{org_id}/users/{user_id}"


# --- creating users into an organization ------------------------------------------------


def test_create_active_user_without_invitation(api, clock):
    org = api.org("Acme")
    response = api.add_user(
        org["id"],
        "ann@example.com",
        invite=False,
        external_id="crm-ann",
        metadata={"tier": 1},
        user_profile={"given_name": "Ann", "family_name": "Lee", "locale": "en-GB", "phone_number": "+44 20 1234"},
    )
    assert response.status_code == 201, response.text
    assert set(response.json()) == {"user"}
    user = response.json()["user"]
    assert USER_ID.match(user["id"]), user["id"]
    assert user["email"] == "ann@example.com"
    assert user["email_verified"] is False
    assert user["external_id"] == "crm-ann"
    assert user["metadata"] == {"tier": 1}
    assert user["last_login_time"] is None
    assert abs((when(user["create_time"]) - clock.now()).total_seconds()) < 1
    profile = user["user_profile"]
    assert profile["given_name"] == "Ann"
    assert profile["family_name"] == "Lee"
    assert profile["locale"] == "en-GB"
    assert profile["phone_number"] == "+44 20 1234"
    assert profile["name"] is None
    assert profile["picture"] is None
    assert profile["custom_attributes"] == {}
    assert len(user["memberships"]) == 1
    membership = user["memberships"][0]
    assert membership["organization_id"] == org["id"]
    assert membership["name"] == "Acme"
    assert membership["membership_status"] == "ACTIVE"
    assert membership["roles"] == held_roles("member")
    assert membership["join_time"] is not None
    assert membership["invite_expires_at"] is None
    assert outbox(api, "ann@example.com") == []
    assert get_user(api, user["id"]) == user


def test_create_with_invitation_is_pending_and_sends_the_link(api, clock):
    org = api.org("Acme")
    response = api.add_user(org["id"], "bob@example.com", invite=True)
    assert response.status_code == 201, response.text
    user = response.json()["user"]
    membership = user["memberships"][0]
    assert membership["membership_status"] == "PENDING_INVITE"
    assert membership["join_time"] is None
    expires = when(membership["invite_expires_at"])
    assert abs((expires - clock.now()).total_seconds() - FIFTEEN_DAYS) < 2

    emails = [e for e in outbox(api, "bob@example.com") if e["kind"] == "invitation"]
    assert len(emails) == 1
    assert emails[0]["to"] == "bob@example.com"
    link = re.search(r"(\S+/invitations/accept\?token=[A-Za-z0-9_\-]+)", emails[0]["text"])
    assert link, emails[0]["text"]
    assert link.group(1).startswith(f"{PUBLIC_URL}/invitations/accept?token=")
    token = api.invitation_token("bob@example.com")
    assert api.accept(token, password="a long enough password 1").status_code == 200
    assert api.membership(user, org["id"])["membership_status"] == "ACTIVE"


def test_invitation_is_the_default(api):
    org = api.org("Acme")
    response = api.post(f"/api/v1/organizations/{org['id']}/users", json={"email": "default@example.com"})
    assert response.status_code == 201, response.text
    assert response.json()["user"]["memberships"][0]["membership_status"] == "PENDING_INVITE"
    assert [e["kind"] for e in outbox(api, "default@example.com")] == ["invitation"]


def test_explicit_admin_role(api):
    org = api.org("Acme")
    user = api.user_in(org["id"], "admin@example.com", invite=False, membership={"roles": [{"name": "admin"}]})
    assert user["memberships"][0]["roles"] == held_roles("admin")
    assert api.membership(user, org["id"])["roles"] == held_roles("admin")


def test_inviter_email_is_kept(api):
    org = api.org("Acme")
    user = api.user_in(
        org["id"], "x@example.com", membership={"roles": [{"name": "member"}], "inviter_email": "boss@example.com"}
    )
    assert user["memberships"][0]["inviter_email"] == "boss@example.com"


@pytest.mark.parametrize(
    "membership", [{"roles": [{"name": "owner"}]}, {"roles": []}, {"roles": [{"name": ""}]}, {"roles": "admin"}]
)
def test_bad_roles_are_400_and_nothing_is_written(api, membership):
    org = api.org("Acme")
    response = api.add_user(org["id"], "role@example.com", invite=False, membership=membership)
    problem = assert_problem(response, 400, "invalid_argument")
    assert problem["details"]
    assert all_users(api)["total_size"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "not-an-email"},
        {"email": ""},
        {"email": 42},
        {"email": "a@example.com", "user_profile": {"locale": "en GB!"}},
        {"email": "a@example.com", "user_profile": {"phone_number": "call me"}},
        {"email": "a@example.com", "user_profile": {"picture": "ftp://x"}},
        {"email": "a@example.com", "user_profile": {"nickname": "x"}},
        {"email": "a@example.com", "surname": "x"},
        {"email": "a@example.com", "external_id": ""},
    ],
)
def test_create_with_bad_input_is_400(api, body):
    org = api.org("Acme")
    response = api.post(
        f"/api/v1/organizations/{org['id']}/users", params={"send_invitation_email": "false"}, json=body
    )
    problem = assert_problem(response, 400, "invalid_argument")
    assert problem["details"]
    assert all_users(api)["total_size"] == 0


def test_missing_email_detail_names_the_field(api):
    org = api.org("Acme")
    problem = assert_problem(api.post(f"/api/v1/organizations/{org['id']}/users", json={}), 400, "invalid_argument")
    assert ("email", "required") in [(d["field"], d["code"]) for d in problem["details"]]


def test_existing_email_in_another_case_joins_a_second_organization(api):
    first = api.org("First")
    second = api.org("Second")
    original = api.user_in(first["id"], "carol@example.com", invite=False)
    again = api.user_in(second["id"], "CAROL@Example.COM", invite=False)
    assert again["id"] == original["id"]
    assert again["email"] == "carol@example.com"
    assert sorted(m["organization_id"] for m in again["memberships"]) == sorted([first["id"], second["id"]])
    assert all_users(api)["total_size"] == 1


def test_same_user_twice_in_one_organization_is_409(api):
    org = api.org("Acme")
    user = api.user_in(org["id"], "dup@example.com", invite=False)
    for email in ("dup@example.com", "DUP@example.com"):
        problem = assert_problem(api.add_user(org["id"], email, invite=False), 409, "already_exists")
        assert problem["details"]
    assert len(get_user(api, user["id"])["memberships"]) == 1
    # also while the first membership is only a pending invitation
    pending = api.user_in(org["id"], "pend@example.com")
    assert_problem(api.add_user(org["id"], "pend@example.com"), 409, "already_exists")
    assert len([e for e in outbox(api, "pend@example.com") if e["kind"] == "invitation"]) == 1
    assert len(get_user(api, pending["id"])["memberships"]) == 1


def test_user_external_id_is_unique(api):
    org = api.org("Acme")
    api.user_in(org["id"], "eve@example.com", invite=False, external_id="eve")
    other = api.org("Other")
    # a different e-mail cannot take an external_id already in use
    assert_problem(api.add_user(other["id"], "frank@example.com", external_id="eve"), 409, "already_exists")
    assert all_users(api)["total_size"] == 1


def test_email_uniqueness_is_case_insensitive_for_sign_up_too(api):
    org = api.org("Acme")
    user = api.user_in(org["id"], "gina@example.com", invite=False)
    response = api.signup("GINA@EXAMPLE.COM", password="a long enough password 1")
    problem = assert_problem(response, 409, "already_exists")
    assert "email" in [d["field"] for d in problem["details"]]
    assert all_users(api)["total_size"] == 1
    assert get_user(api, user["id"]) == user


def test_user_in_unknown_organization_is_404_and_nothing_written(api):
    assert_problem(api.add_user(UNKNOWN_ORG, "ghost@example.com"), 404, "not_found")
    assert all_users(api)["total_size"] == 0
    assert outbox(api, "ghost@example.com") == []


# --- custom attributes without definitions --------------------------------------------------


@pytest.mark.parametrize("key", ["department", "x", "cost_center"])
def test_custom_attribute_without_definition_is_refused_on_create(api, key):
    org = api.org("Acme")
    response = api.add_user(
        org["id"], "attr@example.com", invite=False, user_profile={"custom_attributes": {key: "value"}}
    )
    problem = assert_problem(response, 400, "invalid_argument")
    assert {"field": f"user_profile.custom_attributes.{key}", "code": "unknown_attribute"} in [
        {"field": d["field"], "code": d["code"]} for d in problem["details"]
    ]
    assert all_users(api)["total_size"] == 0
    assert outbox(api, "attr@example.com") == []


def test_custom_attribute_without_definition_is_refused_with_invitation(api):
    org = api.org("Acme")
    response = api.add_user(org["id"], "attr@example.com", user_profile={"custom_attributes": {"team": "red"}})
    problem = assert_problem(response, 400, "invalid_argument")
    assert "user_profile.custom_attributes.team" in [d["field"] for d in problem["details"]]
    assert all_users(api)["total_size"] == 0
    assert outbox(api, "attr@example.com") == []


def test_custom_attribute_without_definition_is_refused_for_an_existing_user_joining(api):
    first = api.org("First")
    second = api.org("Second")
    user = api.user_in(first["id"], "join@example.com", invite=False)
    response = api.add_user(
        second["id"], "join@example.com", invite=False, user_profile={"given_name": "J", "custom_attributes": {"k": 1}}
    )
    problem = assert_problem(response, 400, "invalid_argument")
    assert ("user_profile.custom_attributes.k", "unknown_attribute") in [
        (d["field"], d["code"]) for d in problem["details"]
    ]
    after = get_user(api, user["id"])
    assert after == user  # no membership added, no profile change


def test_custom_attribute_without_definition_is_refused_on_patch(api):
    org = api.org("Acme")
    user = api.user_in(org["id"], "patch@example.com", invite=False, user_profile={"given_name": "Pat"})
    response = api.patch(
        f"/api/v1/users/{user['id']}",
        json={
            "metadata": {"changed": True},
            "user_profile": {"given_name": "Changed", "custom_attributes": {"dept": "x"}},
        },
    )
    problem = assert_problem(response, 400, "invalid_argument")
    assert {"field": "user_profile.custom_attributes.dept", "code": "unknown_attribute"} in [
        {"field": d["field"], "code": d["code"]} for d in problem["details"]
    ]
    assert get_user(api, user["id"]) == user


def test_every_unknown_attribute_gets_its_own_detail(api):
    org = api.org("Acme")
    response = api.add_user(
        org["id"], "many@example.com", invite=False, user_profile={"custom_attributes": {"a": 1, "b": "2"}}
    )
    problem = assert_problem(response, 400, "invalid_argument")
    fields = {d["field"] for d in problem["details"]}
    assert {"user_profile.custom_attributes.a", "user_profile.custom_attributes.b"} <= fields


def test_empty_custom_attributes_are_fine(api):
    org = api.org("Acme")
    user = api.user_in(org["id"], "empty@example.com", invite=False, user_profile={"custom_attributes": {}})
    assert user["user_profile"]["custom_attributes"] == {}


# --- read / update / delete -----------------------------------------------------------------


def test_get_by_external_id(api):
    org = api.org("Acme")
    user = api.user_in(org["id"], "ext@example.com", invite=False, external_id="ext-1")
    api.user_in(org["id"], "ext2@example.com", invite=False, external_id="ext-2")
    response = api.get("/api/v1/users:external/ext-1")
    assert response.status_code == 200, response.text
    assert response.json()["user"] == user
    assert_problem(api.get("/api/v1/users:external/ext-3"), 404, "not_found")


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PATCH", {"metadata": {}}), ("DELETE", None)])
def test_unknown_user_is_404(api, method, body):
    response = api.http.request(method, f"/api/v1/users/{UNKNOWN_USER}", headers=api.headers, json=body)
    assert_problem(response, 404, "not_found")


def test_patch_user_profile_is_partial_and_null_clears(api, clock):
    org = api.org("Acme")
    user = api.user_in(
        org["id"],
        "prof@example.com",
        invite=False,
        external_id="prof",
        metadata={"a": 1},
        user_profile={"given_name": "Pro", "family_name": "File", "locale": "fr"},
    )
    clock.advance(seconds=5)
    response = api.patch(f"/api/v1/users/{user['id']}", json={"user_profile": {"family_name": None, "name": "Pro F"}})
    assert response.status_code == 200, response.text
    patched = response.json()["user"]
    assert patched["user_profile"]["given_name"] == "Pro"
    assert patched["user_profile"]["family_name"] is None
    assert patched["user_profile"]["name"] == "Pro F"
    assert patched["user_profile"]["locale"] == "fr"
    assert patched["external_id"] == "prof"
    assert patched["metadata"] == {"a": 1}
    assert patched["email"] == "prof@example.com"
    assert patched["memberships"] == user["memberships"]
    assert patched["create_time"] == user["create_time"]
    assert when(patched["update_time"]) > when(user["update_time"])
    assert get_user(api, user["id"]) == patched


def test_patch_metadata_replaces_it(api):
    org = api.org("Acme")
    user = api.user_in(org["id"], "meta@example.com", invite=False, metadata={"a": 1, "b": 2})
    patched = api.patch(f"/api/v1/users/{user['id']}", json={"metadata": {"c": 3}}).json()["user"]
    assert patched["metadata"] == {"c": 3}
    assert get_user(api, user["id"])["metadata"] == {"c": 3}


def test_patch_external_id_conflict_is_409_and_changes_nothing(api):
    org = api.org("Acme")
    api.user_in(org["id"], "one@example.com", invite=False, external_id="one")
    two = api.user_in(org["id"], "two@example.com", invite=False, external_id="two")
    response = api.patch(
        f"/api/v1/users/{two['id']}", json={"external_id": "one", "user_profile": {"given_name": "Changed"}}
    )
    problem = assert_problem(response, 409, "already_exists")
    assert "external_id" in [d["field"] for d in problem["details"]]
    assert get_user(api, two["id"]) == two


def test_patch_external_id_null_clears_it(api):
    org = api.org("Acme")
    user = api.user_in(org["id"], "clr@example.com", invite=False, external_id="clr")
    patched = api.patch(f"/api/v1/users/{user['id']}", json={"external_id": None}).json()["user"]
    assert patched["external_id"] is None
    assert_problem(api.get("/api/v1/users:external/clr"), 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [
        {"email": "new@example.com"},
        {"user_profile": {"locale": "bad locale!"}},
        {"metadata": "x"},
        {"external_id": ""},
        {"user_profile": "x"},
    ],
)
def test_patch_user_with_bad_input_is_400_and_changes_nothing(api, body):
    org = api.org("Acme")
    user = api.user_in(org["id"], "bad@example.com", invite=False)
    assert_problem(api.patch(f"/api/v1/users/{user['id']}", json=body), 400, "invalid_argument")
    assert get_user(api, user["id"]) == user


def test_delete_user_removes_memberships_and_keeps_their_organizations(api):
    home = api.org("Home")
    other = api.org("Other")
    user = api.user_in(home["id"], "leaver@example.com", invite=False)
    api.user_in(other["id"], "leaver@example.com")
    stayer = api.user_in(home["id"], "stayer@example.com", invite=False)
    response = api.post("/api/v1/organizations", json={"display_name": "Founded", "created_by_user_id": user["id"]})
    assert response.status_code == 201, response.text
    founded = response.json()["organization"]
    assert founded["created_by_user_id"] == user["id"]
    assert len(get_user(api, user["id"])["memberships"]) == 3

    response = api.delete(f"/api/v1/users/{user['id']}")
    assert response.status_code == 200, response.text

    assert_problem(api.get(f"/api/v1/users/{user['id']}"), 404, "not_found")
    assert_problem(api.delete(f"/api/v1/users/{user['id']}"), 404, "not_found")
    for org in (home, other, founded):
        response = api.get(f"/api/v1/organizations/{org['id']}")
        assert response.status_code == 200, response.text
        # The organization stays as it was, only without its creator (API.md: created_by_user_id).
        assert response.json()["organization"] == {**org, "created_by_user_id": None}
    assert [u["id"] for u in api.get(f"/api/v1/organizations/{home['id']}/users").json()["users"]] == [stayer["id"]]
    assert api.get(f"/api/v1/organizations/{founded['id']}/users").json()["users"] == []
    assert api.get(f"/api/v1/organizations/{other['id']}/users").json()["total_size"] == 0
    assert get_user(api, stayer["id"]) == stayer
    assert api.seats_used(home["id"]) == 1
    assert api.seats_used(other["id"]) == 0
    # the e-mail is free again
    again = api.user_in(home["id"], "leaver@example.com", invite=False)
    assert again["id"] != user["id"]


# --- listings -------------------------------------------------------------------------------


def test_organization_users_lists_pending_and_active_members_only(api):
    org = api.org("Acme")
    other = api.org("Other")
    active = api.user_in(org["id"], "active@example.com", invite=False)
    pending = api.user_in(org["id"], "pending@example.com")
    api.user_in(other["id"], "outsider@example.com", invite=False)
    response = api.get(f"/api/v1/organizations/{org['id']}/users")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"users", "next_page_token", "prev_page_token", "total_size", "total_size_estimated"}
    assert body["total_size"] == 2
    by_email = {u["email"]: u for u in body["users"]}
    assert set(by_email) == {"active@example.com", "pending@example.com"}
    assert by_email["active@example.com"]["id"] == active["id"]
    assert by_email["pending@example.com"]["id"] == pending["id"]
    status = {
        u["email"]: [m["membership_status"] for m in u["memberships"] if m["organization_id"] == org["id"]]
        for u in body["users"]
    }
    assert status == {"active@example.com": ["ACTIVE"], "pending@example.com": ["PENDING_INVITE"]}


def walk(api, path: str, page_size: int) -> tuple[list[str], list[int]]:
    ids: list[str] = []
    totals: list[int] = []
    token = ""
    for _ in range(20):
        params: dict = {"page_size": page_size}
        if token:
            params["page_token"] = token
        response = api.get(path, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["users"]) <= page_size
        ids += [u["id"] for u in body["users"]]
        totals.append(body["total_size"])
        token = body["next_page_token"]
        if not token:
            return ids, totals
    raise AssertionError("pagination did not end")


def test_organization_users_are_paginated(api):
    org = api.org("Acme")
    outsider_org = api.org("Other")
    expected = {api.user_in(org["id"], f"m{i}@example.com", invite=bool(i % 2))["id"] for i in range(5)}
    api.user_in(outsider_org["id"], "outsider@example.com", invite=False)
    ids, totals = walk(api, f"/api/v1/organizations/{org['id']}/users", 2)
    assert len(ids) == 5
    assert set(ids) == expected
    assert totals == [5, 5, 5]


def test_all_users_are_paginated_with_total_size(api):
    a = api.org("A")
    b = api.org("B")
    expected = {api.user_in(a["id"], f"a{i}@example.com", invite=False)["id"] for i in range(4)}
    expected |= {api.user_in(b["id"], f"b{i}@example.com")["id"] for i in range(3)}
    api.user_in(b["id"], "a0@example.com", invite=False)  # in two orgs, listed once
    ids, totals = walk(api, "/api/v1/users", 3)
    assert len(ids) == 7
    assert set(ids) == expected
    assert totals == [7, 7, 7]
    first = api.get("/api/v1/users", params={"page_size": 3}).json()
    assert first["prev_page_token"] == ""
    second = api.get("/api/v1/users", params={"page_size": 3, "page_token": first["next_page_token"]}).json()
    back = api.get("/api/v1/users", params={"page_size": 3, "page_token": second["prev_page_token"]}).json()
    assert [u["id"] for u in back["users"]] == [u["id"] for u in first["users"]]


@pytest.mark.parametrize("params", [{"page_size": -1}, {"page_size": "abc"}, {"page_token": "garbage"}])
def test_user_listings_refuse_bad_paging(api, params):
    org = api.org("Acme")
    for path in ("/api/v1/users", f"/api/v1/organizations/{org['id']}/users"):
        assert_problem(api.get(path, params=params), 400, "invalid_argument")


# --- membership endpoints -------------------------------------------------------------------


def test_add_existing_user_to_an_organization_active(api):
    home = api.org("Home")
    target = api.org("Target")
    user = api.user_in(home["id"], "member@example.com", invite=False)
    response = api.post(
        membership_path(target["id"], user["id"]),
        params={"send_invitation_email": "false"},
        json={"roles": [{"name": "admin"}]},
    )
    assert response.status_code == 201, response.text
    membership = [m for m in response.json()["user"]["memberships"] if m["organization_id"] == target["id"]]
    assert len(membership) == 1
    assert membership[0]["membership_status"] == "ACTIVE"
    assert membership[0]["roles"] == held_roles("admin")
    assert membership[0]["name"] == "Target"
    assert outbox(api, "member@example.com") == []
    assert api.membership(user, target["id"])["membership_status"] == "ACTIVE"


def test_add_existing_user_with_invitation_by_default(api):
    home = api.org("Home")
    target = api.org("Target")
    user = api.user_in(home["id"], "member@example.com", invite=False)
    response = api.post(membership_path(target["id"], user["id"]))  # no body, no query: the defaults
    assert response.status_code == 201, response.text
    membership = api.membership(user, target["id"])
    assert membership["membership_status"] == "PENDING_INVITE"
    assert membership["roles"] == held_roles("member")
    assert membership["invite_expires_at"] is not None
    assert [e["kind"] for e in outbox(api, "member@example.com")] == ["invitation"]
    token = api.invitation_token("member@example.com")
    assert api.accept(token).status_code == 200
    assert api.membership(user, target["id"])["membership_status"] == "ACTIVE"


def test_add_membership_twice_is_409(api):
    org = api.org("Acme")
    user = api.user_in(org["id"], "m@example.com", invite=False)
    assert_problem(
        api.post(membership_path(org["id"], user["id"]), params={"send_invitation_email": "false"}),
        409,
        "already_exists",
    )


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_membership_endpoints_with_unknown_ids_are_404(api, method):
    org = api.org("Acme")
    user = api.user_in(org["id"], "m@example.com", invite=False)
    outsider_org = api.org("Other")
    body = {"roles": [{"name": "member"}]}
    cases = [(UNKNOWN_ORG, user["id"]), (org["id"], UNKNOWN_USER)]
    if method != "POST":
        cases.append((outsider_org["id"], user["id"]))  # both exist, but no membership
    for org_id, user_id in cases:
        response = api.http.request(method, membership_path(org_id, user_id), headers=api.headers, json=body)
        assert_problem(response, 404, "not_found")
    assert get_user(api, user["id"])["memberships"] == user["memberships"]


def test_patch_membership_roles(api):
    org = api.org("Acme")
    user = api.user_in(org["id"], "roles@example.com", invite=False)
    response = api.patch(
        membership_path(org["id"], user["id"]), json={"roles": [{"name": "admin"}, {"name": "member"}]}
    )
    assert response.status_code == 200, response.text
    membership = next(m for m in response.json()["user"]["memberships"] if m["organization_id"] == org["id"])
    assert membership["roles"] == held_roles("admin", "member")
    assert membership["membership_status"] == "ACTIVE"
    assert api.membership(user, org["id"])["roles"] == held_roles("admin", "member")


@pytest.mark.parametrize("body", [{"roles": []}, {"roles": [{"name": "owner"}]}, {}, {"roles": "admin"}])
def test_patch_membership_with_bad_roles_is_400(api, body):
    org = api.org("Acme")
    user = api.user_in(org["id"], "roles@example.com", invite=False)
    assert_problem(api.patch(membership_path(org["id"], user["id"]), json=body), 400, "invalid_argument")
    assert api.membership(user, org["id"])["roles"] == held_roles("member")


def test_delete_membership_removes_it_and_keeps_the_user(api):
    org = api.org("Acme")
    other = api.org("Other")
    user = api.user_in(org["id"], "gone@example.com", invite=False)
    api.user_in(other["id"], "gone@example.com", invite=False)
    response = api.delete(membership_path(org["id"], user["id"]))
    assert response.status_code == 200, response.text
    after = get_user(api, user["id"])
    assert [m["organization_id"] for m in after["memberships"]] == [other["id"]]
    assert api.get(f"/api/v1/organizations/{org['id']}/users").json()["total_size"] == 0
    assert_problem(api.delete(membership_path(org["id"], user["id"])), 404, "not_found")
    # and the user can be added again
    again = api.post(membership_path(org["id"], user["id"]), params={"send_invitation_email": "false"})
    assert again.status_code == 201, again.text


def test_delete_pending_membership_revokes_the_invitation(api):
    org = api.org("Acme")
    user = api.user_in(org["id"], "revoked@example.com")
    token = api.invitation_token("revoked@example.com")
    assert api.seats_used(org["id"]) == 1
    assert api.delete(membership_path(org["id"], user["id"])).status_code == 200
    assert api.seats_used(org["id"]) == 0
    assert get_user(api, user["id"])["memberships"] == []
    assert_problem(api.accept(token), 400, "invitation_invalid")
