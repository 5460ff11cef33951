"""SCIM Groups, group → role mapping, and the provisioning sequences Okta and Entra ID
document (create, update, deactivate, reactivate, group push, delete), replayed as sent."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import Api
from tests.scim.scim import CORE_GROUP, CORE_USER, PATCH_OP, Scim, assert_scim_error, directory


def _put(api: Api, path: str, json: dict[str, Any]) -> Any:
    return api.http.request("PUT", path, headers=api.headers, json=json)


def _roles(api: Api, org: str, email: str) -> list[str]:
    users = api.get(f"/api/v1/organizations/{org}/users").json()["users"]
    user = next(u for u in users if u["email"] == email)
    membership = next(m for m in user["memberships"] if m["organization_id"] == org)
    return [role["name"] for role in membership["roles"]]


def _status(api: Api, org: str, email: str) -> str:
    users = api.get(f"/api/v1/organizations/{org}/users").json()["users"]
    user = next(u for u in users if u["email"] == email)
    return str(next(m for m in user["memberships"] if m["organization_id"] == org)["membership_status"])


def _members(scim: Scim, group_id: str) -> list[str]:
    return sorted(m["value"] for m in scim.get(f"/Groups/{group_id}").json().get("members", []))


def _owned_org(api: Api) -> str:
    """An organization whose creator (outside the directory) keeps it managed, so the
    directory may demote and deactivate its own people (the last-admin rule, SPEC §9)."""
    org = api.org()["id"]
    api.user_in(org, "owner@example.com", invite=False, membership={"roles": [{"name": "admin"}]})
    return str(org)


def test_okta_sequence(api: Api, http: TestClient) -> None:
    org = _owned_org(api)
    found = directory(api, org, "OKTA")
    scim = Scim(http, found)
    base = f"/api/v1/organizations/{org}/directories/{found['id']}"
    # test connection, then the lookup before a create
    assert scim.get("/Users", params={"startIndex": 1, "count": 2}).json()["totalResults"] == 0
    lookup = scim.get("/Users", params={"filter": 'userName eq "ada@acme.com"', "startIndex": 1, "count": 100})
    assert lookup.json() == {**lookup.json(), "totalResults": 0, "Resources": []}
    okta_user: dict[str, Any] = {
        "schemas": [CORE_USER],
        "userName": "ada@acme.com",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"primary": True, "value": "ada@acme.com", "type": "work"}],
        "displayName": "Ada Lovelace",
        "locale": "en-US",
        "externalId": "00u1abcd",
        "groups": [],
        "password": "Secr3t!pass",
        "active": True,
    }
    ada = scim.post("/Users", okta_user).json()
    bob = scim.post(
        "/Users",
        {
            **okta_user,
            "userName": "bob@acme.com",
            "externalId": "00u2",
            "emails": [{"primary": True, "value": "bob@acme.com", "type": "work"}],
        },
    ).json()
    # profile update: GET then PUT of the whole object
    current = scim.get(f"/Users/{ada['id']}").json()
    updated = scim.put(f"/Users/{ada['id']}", {**current, "name": {"givenName": "Augusta", "familyName": "King"}})
    assert updated.status_code == 200 and updated.json()["name"]["givenName"] == "Augusta"
    # group push, mapped to the admin role
    eng = scim.post("/Groups", {"schemas": [CORE_GROUP], "displayName": "Engineering", "members": []}).json()
    assigned = _put(
        api, f"{base}/groups/-/roles:assign", json={"assignments": [{"group_id": eng["id"], "role_name": "admin"}]}
    )
    assert assigned.status_code == 200, assigned.text
    pushed = scim.patch(
        f"/Groups/{eng['id']}",
        {"op": "replace", "value": {"id": eng["id"], "displayName": "Engineering"}},
        {"op": "add", "path": "members", "value": [{"value": ada["id"], "display": "ada@acme.com"}]},
    )
    assert pushed.status_code == 200, pushed.text
    assert _roles(api, org, "ada@acme.com") == ["admin"] and _roles(api, org, "bob@acme.com") == ["member"]
    # membership change in one request: remove ada, add bob
    scim.patch(
        f"/Groups/{eng['id']}",
        {"op": "remove", "path": f'members[value eq "{ada["id"]}"]'},
        {"op": "add", "path": "members", "value": [{"value": bob["id"], "display": "bob@acme.com"}]},
    )
    assert _members(scim, eng["id"]) == [bob["id"]]
    assert _roles(api, org, "ada@acme.com") == ["member"] and _roles(api, org, "bob@acme.com") == ["admin"]
    # full membership push
    scim.patch(f"/Groups/{eng['id']}", {"op": "replace", "path": "members", "value": [{"value": ada["id"]}]})
    assert _members(scim, eng["id"]) == [ada["id"]]
    # deactivate and reactivate (Okta never deletes users)
    scim.patch(f"/Users/{ada['id']}", {"op": "replace", "value": {"active": False}})
    assert _status(api, org, "ada@acme.com") == "INACTIVE"
    scim.patch(f"/Users/{ada['id']}", {"op": "replace", "value": {"active": True}})
    assert _status(api, org, "ada@acme.com") == "ACTIVE" and _roles(api, org, "ada@acme.com") == ["admin"]
    # unlink the pushed group and delete it: roles fall back to the default
    assert scim.delete(f"/Groups/{eng['id']}").status_code == 204
    assert _roles(api, org, "ada@acme.com") == ["member"]
    assert_scim_error(scim.get(f"/Groups/{eng['id']}"), 404)
    assert api.get(base).json()["directory"]["role_assignments"] == {"assignments": []}


def test_entra_sequence(api: Api, http: TestClient) -> None:
    org = _owned_org(api)
    scim = Scim(http, directory(api, org, "MICROSOFT_AD"))
    # test connection with random names on both resource types
    assert scim.get("/Users", params={"filter": 'userName eq "7a1f0c0e-entra-probe"'}).json()["totalResults"] == 0
    assert scim.get("/Groups", params={"filter": 'displayName eq "7a1f0c0e-entra-probe"'}).json()["totalResults"] == 0
    user = scim.post(
        "/Users",
        {
            "schemas": [CORE_USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_ab6490ee@contoso.com",
            "active": True,
            "emails": [{"primary": True, "type": "work", "value": "Test_User_fd0ea19b@contoso.com"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
            "roles": [],
        },
    ).json()
    uid = user["id"]
    found = scim.get("/Users", params={"filter": 'userName eq "Test_User_ab6490ee@contoso.com"'}).json()
    assert [r["id"] for r in found["Resources"]] == [uid]
    by_mail = scim.get("/Users", params={"filter": 'emails[type eq "work"].value eq "test_user_fd0ea19b@contoso.com"'})
    assert [r["id"] for r in by_mail.json()["Resources"]] == [uid]
    # attribute update, PascalCase op, no path: the 204-or-200 reply must carry the change
    patched = scim.patch(
        f"/Users/{uid}",
        {"op": "Replace", "path": "userName", "value": "5b50642d-79fc@contoso.com"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updated@contoso.com"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["emails"][0]["value"] == "updated@contoso.com"
    # disable with a string boolean, then enable again
    scim.patch(f"/Users/{uid}", {"op": "Replace", "path": "active", "value": "False"})
    assert _status(api, org, "updated@contoso.com") == "INACTIVE"
    scim.patch(f"/Users/{uid}", {"op": "Replace", "path": "active", "value": "True"})
    assert _status(api, org, "updated@contoso.com") == "ACTIVE"
    # groups: create, add a member, remove it Entra-style (value list on a bare path), rename
    group = scim.post(
        "/Groups",
        {
            "schemas": [CORE_GROUP],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": {"resourceType": "Group"},
        },
    ).json()
    listed = scim.get("/Groups", params={"excludedAttributes": "members"}).json()
    assert [g["id"] for g in listed["Resources"]] == [group["id"]] and "members" not in listed["Resources"][0]
    scim.patch(f"/Groups/{group['id']}", {"op": "Add", "path": "members", "value": [{"$ref": None, "value": uid}]})
    member_filter = f'id eq "{group["id"]}" and members[value eq "{uid}"]'
    assert scim.get("/Groups", params={"filter": member_filter}).json()["totalResults"] == 1
    scim.patch(f"/Groups/{group['id']}", {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": uid}]})
    assert _members(scim, group["id"]) == []
    renamed = scim.patch(f"/Groups/{group['id']}", {"op": "Replace", "path": "displayName", "value": "1879db59-3bdf"})
    assert renamed.json()["displayName"] == "1879db59-3bdf"
    # delete: the membership and the user it created go
    assert scim.delete(f"/Users/{uid}").status_code == 204
    assert [u["email"] for u in api.get("/api/v1/users").json()["users"]] == ["owner@example.com"]
    assert scim.delete(f"/Groups/{group['id']}").status_code == 204


def test_groups_refuse_duplicates_and_unknown_members(api: Api, http: TestClient) -> None:
    org = api.org()["id"]
    scim = Scim(http, directory(api, org))
    scim.post("/Groups", {"schemas": [CORE_GROUP], "displayName": "Sales"})
    assert_scim_error(scim.post("/Groups", {"schemas": [CORE_GROUP], "displayName": "sales"}), 409, "uniqueness")
    unknown = scim.post("/Groups", {"schemas": [CORE_GROUP], "displayName": "Ops", "members": [{"value": "nope"}]})
    assert_scim_error(unknown, 400, "invalidValue")
    assert_scim_error(scim.post("/Groups", {"schemas": [CORE_GROUP]}), 400, "invalidValue")


def test_role_assignments_check_roles_and_groups(api: Api, http: TestClient) -> None:
    org = api.org()["id"]
    found = directory(api, org)
    scim = Scim(http, found)
    scim.user("ada@example.com")
    group = scim.post("/Groups", {"schemas": [CORE_GROUP], "displayName": "Admins"}).json()
    path = f"/api/v1/organizations/{org}/directories/{found['id']}/groups/-/roles:assign"
    bad_role = _put(api, path, json={"assignments": [{"group_id": group["id"], "role_name": "owner"}]})
    assert bad_role.status_code == 400 and bad_role.json()["code"] == "invalid_argument"
    bad_group = _put(api, path, json={"assignments": [{"group_id": "dirg_nope", "role_name": "admin"}]})
    assert bad_group.status_code == 400
    assert _roles(api, org, "ada@example.com") == ["member"]


def test_the_directory_cannot_take_away_the_last_admin(api: Api, http: TestClient) -> None:
    """Demoting (group change), deactivating or deleting the organization's last member who
    can manage members through SCIM is refused whole (403, scimType last_admin), as on the
    API; with another manager present the same calls go through."""
    org = api.org()["id"]
    found = directory(api, org, "OKTA")
    scim = Scim(http, found)
    base = f"/api/v1/organizations/{org}/directories/{found['id']}"
    ada, bob = (scim.user(f"{name}@acme.com") for name in ("ada", "bob"))
    admins = scim.post("/Groups", {"schemas": [CORE_GROUP], "displayName": "Admins", "members": []}).json()
    assigned = _put(
        api, f"{base}/groups/-/roles:assign", json={"assignments": [{"group_id": admins["id"], "role_name": "admin"}]}
    )
    assert assigned.status_code == 200, assigned.text
    added = scim.patch(f"/Groups/{admins['id']}", {"op": "add", "path": "members", "value": [{"value": ada["id"]}]})
    assert added.status_code == 200, added.text
    assert _roles(api, org, "ada@acme.com") == ["admin"]

    removed = scim.patch(f"/Groups/{admins['id']}", {"op": "remove", "path": f'members[value eq "{ada["id"]}"]'})
    assert "last_admin" in assert_scim_error(removed, 403, "last_admin")["detail"]
    assert_scim_error(
        scim.patch(f"/Users/{ada['id']}", {"op": "replace", "value": {"active": False}}), 403, "last_admin"
    )
    assert_scim_error(scim.delete(f"/Users/{ada['id']}"), 403, "last_admin")
    assert_scim_error(scim.delete(f"/Groups/{admins['id']}"), 403, "last_admin")
    assert _roles(api, org, "ada@acme.com") == ["admin"] and _status(api, org, "ada@acme.com") == "ACTIVE"
    assert _members(scim, admins["id"]) == [ada["id"]]
    refused = api.get("/api/v1/events", params={"type": "directory.user_refused"}).json()["events"]
    assert [e["data"]["code"] for e in refused] == ["last_admin"] * 4  # every refusal, oldest first
    named = [e["data"].get("group") or e["data"]["user"] for e in refused]
    assert [n.get("display_name") or n.get("user_name") for n in named] == [
        "Admins",
        "ada@acme.com",
        "ada@acme.com",
        "Admins",
    ]

    # A second manager: now the directory may move the power from Ada to Bob.
    moved = scim.patch(
        f"/Groups/{admins['id']}",
        {"op": "add", "path": "members", "value": [{"value": bob["id"]}]},
        {"op": "remove", "path": f'members[value eq "{ada["id"]}"]'},
    )
    assert moved.status_code == 200, moved.text
    assert _roles(api, org, "ada@acme.com") == ["member"] and _roles(api, org, "bob@acme.com") == ["admin"]
    assert scim.delete(f"/Users/{ada['id']}").status_code == 204


def _updates(api: Api) -> list[str]:
    """The users whose memberships' update events were recorded, oldest first."""
    found = api.get("/api/v1/events", params={"type": "user.organization_membership_updated", "page_size": 100})
    return [event["data"]["user_id"] for event in found.json()["events"]]


def test_member_patches_touch_the_named_members_and_mapping_changes_recompute_roles(api: Api, http: TestClient) -> None:
    org = _owned_org(api)
    found = directory(api, org)
    scim = Scim(http, found)
    base = f"/api/v1/organizations/{org}/directories/{found['id']}"
    ada, bob, cy = (scim.user(f"{name}@acme.com") for name in ("ada", "bob", "cy"))
    eng = scim.post("/Groups", {"schemas": [CORE_GROUP], "displayName": "Eng", "members": [{"value": bob["id"]}]})
    ops = scim.post("/Groups", {"schemas": [CORE_GROUP], "displayName": "Ops"}).json()
    group = eng.json()["id"]
    mapping = [{"group_id": group, "role_name": "admin"}]
    assert _put(api, f"{base}/groups/-/roles:assign", json={"assignments": mapping}).status_code == 200
    assert [_roles(api, org, f"{n}@acme.com") for n in ("ada", "bob", "cy")] == [["member"], ["admin"], ["member"]]
    user_id = {m["email"]: m["id"] for m in api.get(f"/api/v1/organizations/{org}/users").json()["users"]}
    assert _updates(api)[-1:] == [user_id["bob@acme.com"]]  # only bob's roles changed

    # Okta's and Entra ID's shapes in one PATCH: applied in order, to the named members only
    patched = scim.patch(
        f"/Groups/{group}",
        {"op": "add", "path": "members", "value": [{"value": ada["id"], "display": "Ada"}, {"value": cy["id"]}]},
        {"op": "Remove", "path": "members", "value": [{"value": bob["id"]}]},
        {"op": "remove", "path": f'members[value eq "{cy["id"]}"]'},
        {"op": "remove", "path": 'members[value eq "diru_not_a_member"]'},  # nothing to remove: no error
        {"op": "Add", "path": "Members", "value": [{"value": ada["id"], "display": "Ada L"}]},
    )
    assert patched.status_code == 200, patched.text
    assert [(m["value"], m["display"]) for m in patched.json()["members"]] == [(ada["id"], "Ada L")]
    assert [_roles(api, org, f"{n}@acme.com") for n in ("ada", "bob", "cy")] == [["admin"], ["member"], ["member"]]
    assert sorted(_updates(api)[-2:]) == sorted([user_id["ada@acme.com"], user_id["bob@acme.com"]])
    unknown = scim.patch(f"/Groups/{group}", {"op": "add", "path": "members", "value": [{"value": "diru_nope"}]})
    assert_scim_error(unknown, 400, "invalidValue")
    quiet = scim.request(
        "PATCH",
        f"/Groups/{group}",
        params={"excludedAttributes": "members"},
        json={"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": cy["id"]}]}]},
    )
    assert quiet.status_code == 200 and "members" not in quiet.json() and quiet.json()["displayName"] == "Eng"
    assert _members(scim, group) == sorted([ada["id"], cy["id"]]) and _roles(api, org, "cy@acme.com") == ["admin"]

    # a mapping change recomputes every member; only those whose roles change get an event
    before = len(_updates(api))
    scim.patch(f"/Groups/{ops['id']}", {"op": "add", "path": "members", "value": [{"value": bob["id"]}]})
    remapped = [{"group_id": ops["id"], "role_name": "admin"}, {"group_id": group, "role_name": "member"}]
    assert _put(api, f"{base}/groups/-/roles:assign", json={"assignments": remapped}).status_code == 200
    assert [_roles(api, org, f"{n}@acme.com") for n in ("ada", "bob", "cy")] == [["member"], ["admin"], ["member"]]
    assert sorted(_updates(api)[before:]) == sorted(user_id[f"{n}@acme.com"] for n in ("ada", "bob", "cy"))
    both = [*remapped, {"group_id": ops["id"], "role_name": "member"}]
    assert _put(api, f"{base}/groups/-/roles:assign", json={"assignments": both}).status_code == 200
    assert _roles(api, org, "bob@acme.com") == ["admin", "member"]
    assert _updates(api)[before + 3 :] == [user_id["bob@acme.com"]]
