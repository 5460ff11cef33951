"""Roles and permissions through the API (SPEC §9), in Scalekit's shapes; the last-admin rule."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.helpers import Api, assert_problem, held_roles


def put(api: Api, path: str, body: dict[str, Any]) -> httpx.Response:
    return api._send("PUT", path, json=body)


def make_permission(api: Api, name: str, description: str = "") -> dict[str, Any]:
    response = api.post("/api/v1/permissions", json={"permission": {"name": name, "description": description}})
    assert response.status_code == 201, response.text
    return dict(response.json()["permission"])


def make_role(api: Api, name: str, *, org_id: str | None = None, **fields: Any) -> dict[str, Any]:
    path = f"/api/v1/organizations/{org_id}/roles" if org_id else "/api/v1/roles"
    body = {"name": name, "display_name": fields.pop("display_name", name.title()), **fields}
    response = api.post(path, json={"role": body})
    assert response.status_code == 201, response.text
    return dict(response.json()["role"])


def member(api: Api, org_id: str, email: str, *roles: str) -> dict[str, Any]:
    return api.user_in(org_id, email, invite=False, membership={"roles": [{"name": r} for r in roles]})


def set_roles(api: Api, org_id: str, user_id: str, *roles: str) -> httpx.Response:
    return api.patch(
        f"/api/v1/memberships/organizations/{org_id}/users/{user_id}", json={"roles": [{"name": r} for r in roles]}
    )


def test_the_catalogue_in_scalekits_shapes(api):
    listed = api.get("/api/v1/roles").json()["roles"]
    builtin = {r["name"]: r for r in listed}
    assert builtin["admin"]["default_creator"] and builtin["member"]["default_member"]
    assert builtin["admin"]["display_name"] == "Admin" and builtin["admin"]["is_org_role"] is False
    powers = api.get("/api/v1/permissions", params={"type": "SCALEKIT"}).json()
    assert {p["name"] for p in powers["permissions"]} == {
        "tenantry:members:read",
        "tenantry:members:invite",
        "tenantry:members:manage",
        "tenantry:organization:manage",
    }
    assert all(p["is_scalekit_permission"] for p in powers["permissions"])

    read = make_permission(api, "invoices:read", "See invoices")
    assert read["id"].startswith("perm_") and read["description"] == "See invoices"
    make_permission(api, "invoices:pay")
    assert_problem(
        api.post("/api/v1/permissions", json={"permission": {"name": "invoices:read"}}), 409, "already_exists"
    )
    assert_problem(
        api.post("/api/v1/permissions", json={"permission": {"name": "tenantry:x"}}), 400, "invalid_argument"
    )
    assert_problem(api.post("/api/v1/permissions", json={"permission": {"name": "has space"}}), 400, "invalid_argument")

    viewer = make_role(api, "viewer", permissions=["invoices:read"], description="Reads")
    assert viewer["id"].startswith("role_") and viewer["permissions"][0]["name"] == "invoices:read"
    payer = make_role(api, "payer", extends="viewer", permissions=["invoices:pay"])
    assert payer["extends"] == "viewer"
    direct = api.get("/api/v1/roles/payer/permissions").json()["permissions"]
    assert [p["name"] for p in direct] == ["invoices:pay"]
    effective = api.get("/api/v1/roles/payer/permissions:all").json()["permissions"]
    assert {(p["name"], p["role_name"]) for p in effective} == {("invoices:pay", "payer"), ("invoices:read", "viewer")}
    got = api.get("/api/v1/roles/payer", params={"include": "permissions:all"}).json()["role"]
    assert {p["name"] for p in got["permissions"]} == {"invoices:pay", "invoices:read"}
    assert api.get("/api/v1/roles/viewer").json()["role"]["dependent_roles_count"] == 1
    assert [r["name"] for r in api.get("/api/v1/roles/viewer/dependents").json()["roles"]] == ["payer"]

    added = api.post("/api/v1/roles/viewer/permissions", json={"permission_names": ["invoices:pay"]})
    assert {p["name"] for p in added.json()["permissions"]} == {"invoices:read", "invoices:pay"}
    assert api.delete("/api/v1/roles/viewer/permissions/invoices:pay").status_code == 200
    assert_problem(api.delete("/api/v1/roles/viewer/permissions/invoices:pay"), 404, "not_found")
    assert_problem(
        api.post("/api/v1/roles/viewer/permissions", json={"permission_names": ["nope:nope"]}), 400, "invalid_argument"
    )
    assert api.delete("/api/v1/roles/payer/base").status_code == 200
    assert api.get("/api/v1/roles/payer").json()["role"]["extends"] is None

    # A permission deleted is gone from every role; the built-in ones stay.
    assert api.delete("/api/v1/permissions/invoices:pay").status_code == 200
    assert api.get("/api/v1/roles/payer/permissions").json()["permissions"] == []
    assert_problem(api.delete("/api/v1/permissions/tenantry:members:read"), 409, "builtin_role")
    assert_problem(api.delete("/api/v1/roles/admin"), 409, "builtin_role")
    assert_problem(put(api, "/api/v1/roles/member", {"role": {"name": "people"}}), 409, "builtin_role")
    assert_problem(api.get("/api/v1/roles/ghost"), 404, "not_found")


def test_inheritance_cycles_are_refused_with_a_clear_code(api):
    make_role(api, "a")
    make_role(api, "b", extends="a")
    make_role(api, "c", extends="b")
    body = assert_problem(put(api, "/api/v1/roles/a", {"role": {"extends": "c"}}), 400, "role_inheritance_cycle")
    assert body["details"][0]["field"] == "extends"
    assert_problem(put(api, "/api/v1/roles/a", {"role": {"extends": "a"}}), 400, "role_inheritance_cycle")
    assert api.get("/api/v1/roles/a").json()["role"]["extends"] is None


def test_custom_roles_are_assignable_renames_keep_holders_and_deleting_needs_a_target(api):
    org = api.org("Ledger")["id"]
    member(api, org, "owner@example.com", "admin")
    refused = api.add_user(org, "bill@example.com", invite=False, membership={"roles": [{"name": "billing"}]})
    assert_problem(refused, 400, "invalid_argument")
    assert refused.json()["details"][0]["code"] == "unknown_role"

    make_role(api, "billing", display_name="Billing team")
    bill = member(api, org, "bill@example.com", "billing")
    assert api.membership(bill, org)["roles"] == held_roles("billing")
    assert api.membership(bill, org)["roles"][0]["display_name"] == "Billing team"
    assert api.get("/api/v1/roles/billing/users:count").json()["count"] == 1

    assert put(api, "/api/v1/roles/billing", {"role": {"name": "finance"}}).status_code == 200
    assert api.membership(bill, org)["roles"] == held_roles("finance")

    assert_problem(api.delete("/api/v1/roles/finance"), 409, "role_in_use")
    assert api.delete("/api/v1/roles/finance", params={"reassign_role_name": "member"}).status_code == 200
    assert api.membership(bill, org)["roles"] == held_roles("member")
    assert_problem(api.get("/api/v1/roles/finance"), 404, "not_found")


def test_organization_roles_are_seen_only_inside_their_organization(api):
    mine, other = api.org("Mine")["id"], api.org("Other")["id"]
    local = make_role(api, "auditor", org_id=mine, extends="member")
    assert local["is_org_role"] and local["organization_id"] == mine
    names = {r["name"]: r["is_org_role"] for r in api.get(f"/api/v1/organizations/{mine}/roles").json()["roles"]}
    assert names == {"admin": False, "member": False, "auditor": True}
    assert "auditor" not in {r["name"] for r in api.get(f"/api/v1/organizations/{other}/roles").json()["roles"]}
    assert "auditor" not in {r["name"] for r in api.get("/api/v1/roles").json()["roles"]}
    assert_problem(
        api.post("/api/v1/roles", json={"role": {"name": "auditor", "display_name": "X"}}), 409, "already_exists"
    )

    ann = member(api, mine, "ann@example.com", "auditor")
    assert api.membership(ann, mine)["roles"] == held_roles("auditor")
    refused = api.add_user(other, "bob@example.com", invite=False, membership={"roles": [{"name": "auditor"}]})
    assert_problem(refused, 400, "invalid_argument")
    count = api.get(f"/api/v1/organizations/{mine}/roles/auditor/users:count").json()["count"]
    assert count == 1
    assert (
        api._send(
            "PUT", f"/api/v1/organizations/{mine}/roles/auditor", json={"role": {"display_name": "Audit"}}
        ).json()["role"]["display_name"]
        == "Audit"
    )
    assert_problem(api.delete(f"/api/v1/organizations/{mine}/roles/auditor"), 409, "role_in_use")
    moved = api.delete(f"/api/v1/organizations/{mine}/roles/auditor", params={"reassign_role_name": "member"})
    assert moved.status_code == 200
    assert api.membership(ann, mine)["roles"] == held_roles("member")


def test_default_roles_and_membership_metadata(api):
    org = api.org("Defaults")["id"]
    make_role(api, "guest")
    changed = api.patch("/api/v1/roles:set_defaults", json={"default_member_role": "guest"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["default_member"]["name"] == "guest" and changed.json()["default_creator"]["name"] == "admin"
    added = api.user_in(org, "dan@example.com", invite=False, membership={"metadata": {"seat": "A1"}})
    membership = api.membership(added, org)
    assert membership["roles"] == held_roles("guest") and membership["metadata"] == {"seat": "A1"}
    updated = api.patch(
        f"/api/v1/memberships/organizations/{org}/users/{added['id']}", json={"metadata": {"seat": "B2"}}
    )
    assert updated.status_code == 200, updated.text
    assert api.membership(added, org) == {**membership, "metadata": {"seat": "B2"}}
    assert_problem(api.delete("/api/v1/roles/guest", params={"reassign_role_name": "member"}), 409, "builtin_role")


def test_role_changes_are_events(api):
    make_permission(api, "docs:read")
    make_role(api, "reader", permissions=["docs:read"])
    put(api, "/api/v1/roles/reader", {"role": {"display_name": "Reader"}})
    api.delete("/api/v1/roles/reader")
    listed = api.get("/api/v1/events", params={"page_size": 50}).json()["events"]
    types = [e["type"] for e in listed]
    for wanted in ("permission.created", "role.created", "role.updated", "role.deleted"):
        assert wanted in types, types
    created = next(e for e in listed if e["type"] == "role.created")
    assert created["data"]["role"]["name"] == "reader"


def test_the_last_admin_cannot_be_removed_demoted_or_deactivated(api):
    org = api.org("Solo")["id"]
    owner = member(api, org, "owner@example.com", "admin")
    helper = member(api, org, "helper@example.com", "member")
    path = f"/api/v1/memberships/organizations/{org}/users/{owner['id']}"
    assert_problem(set_roles(api, org, owner["id"], "member"), 409, "last_admin")
    assert_problem(api.delete(path), 409, "last_admin")
    assert api.membership(owner, org)["roles"] == held_roles("admin")

    # A custom role with the power to manage members counts as an admin.
    make_role(api, "lead", permissions=["tenantry:members:manage"])
    assert set_roles(api, org, helper["id"], "lead").status_code == 200
    assert set_roles(api, org, owner["id"], "member").status_code == 200
    assert_problem(set_roles(api, org, helper["id"], "member"), 409, "last_admin")
    # Alone, the last one may leave: nobody is left without a manager.
    assert api.delete(f"/api/v1/memberships/organizations/{org}/users/{owner['id']}").status_code == 200
    assert api.delete(f"/api/v1/memberships/organizations/{org}/users/{helper['id']}").status_code == 200


def test_two_simultaneous_demotions_of_the_last_two_admins_leave_one(site_api):
    """Through real HTTP and threads released together; on PostgreSQL and SQLite."""
    for round_ in range(3):
        org = site_api.org(f"Pair {round_}")["id"]
        admins = [member(site_api, org, f"a{i}.{round_}@example.com", "admin")["id"] for i in range(2)]
        member(site_api, org, f"m.{round_}@example.com", "member")
        barrier = threading.Barrier(2)
        headers = site_api.headers

        def demote(user_id: str) -> httpx.Response:
            with httpx.Client(base_url=str(site_api.http.base_url), timeout=60) as client:
                barrier.wait()
                return client.patch(
                    f"/api/v1/memberships/organizations/{org}/users/{user_id}",
                    headers=headers,
                    json={"roles": [{"name": "member"}]},
                )

        with ThreadPoolExecutor(max_workers=2) as pool:
            responses = list(pool.map(demote, admins))
        codes = sorted(str(r.status_code) if r.status_code < 300 else r.json()["code"] for r in responses)
        assert codes == ["200", "last_admin"], codes
        users = site_api.get(f"/api/v1/organizations/{org}/users").json()["users"]
        still = [u for u in users if any(r["name"] == "admin" for m in u["memberships"] for r in m["roles"])]
        assert len(still) == 1


def test_a_members_roles_and_permissions_in_scalekits_user_shapes(api):
    org = api.org("Shapes")["id"]
    member(api, org, "owner@example.com", "admin")
    make_permission(api, "docs:read")
    make_role(api, "reader", permissions=["docs:read"])
    user = member(api, org, "eve@example.com", "member")
    path = f"/api/v1/organizations/{org}/users/{user['id']}"
    added = api.post(f"{path}/roles", json={"roles": [{"role_name": "reader"}]})
    assert added.status_code == 200, added.text
    assert added.json()["roles"] == held_roles("member", "reader")
    assert [p["name"] for p in api.get(f"{path}/permissions").json()["permissions"]] == ["docs:read"]
    assert api.delete(f"{path}/roles/member").status_code == 200
    assert api.get(f"{path}/roles").json()["roles"] == held_roles("reader")
    assert_problem(api.delete(f"{path}/roles/reader"), 400, "invalid_argument")
    assert_problem(api.delete(f"{path}/roles/admin"), 404, "not_found")


def test_role_edits_that_take_away_the_power_to_manage_members_keep_the_last_admin(api):
    """Editing a role's permissions or base is checked against the last-admin rule in every
    organization whose managers hold it (directly or through a role extending it)."""
    make_role(api, "lead", permissions=["tenantry:members:manage", "tenantry:members:read"])
    make_role(api, "deputy", extends="lead")
    org = api.org("Led")["id"]
    deputy = member(api, org, "deputy@example.com", "deputy")["id"]
    helper = member(api, org, "helper@example.com", "member")
    lead = "/api/v1/roles/lead"
    assert_problem(put(api, lead, {"role": {"permissions": ["tenantry:members:read"]}}), 409, "last_admin")
    assert_problem(api.delete(f"{lead}/permissions/tenantry:members:manage"), 409, "last_admin")
    assert_problem(put(api, "/api/v1/roles/deputy", {"role": {"extends": None}}), 409, "last_admin")
    assert_problem(api.delete("/api/v1/roles/deputy/base"), 409, "last_admin")
    granted = api.get(f"{lead}/permissions").json()["permissions"]
    assert "tenantry:members:manage" in {p["name"] for p in granted}  # nothing half-written
    assert api.get("/api/v1/roles/deputy").json()["role"]["extends"] == "lead"
    # Edits that keep the power, and organizations without holders, are not in the way.
    assert (
        put(api, lead, {"role": {"description": "Leads", "permissions": ["tenantry:members:manage"]}}).status_code
        == 200
    )
    # An organization's own role: checked in that organization.
    boss = make_role(api, "boss", org_id=org, permissions=["tenantry:members:manage"])
    assert set_roles(api, org, helper["id"], boss["name"]).status_code == 200
    assert set_roles(api, org, deputy, "member").status_code == 200
    assert_problem(
        put(api, f"/api/v1/organizations/{org}/roles/boss", {"role": {"permissions": []}}), 409, "last_admin"
    )
    # Another manager first: then the power may go.
    assert set_roles(api, org, deputy, "admin").status_code == 200
    assert put(api, f"/api/v1/organizations/{org}/roles/boss", {"role": {"permissions": []}}).status_code == 200
    assert put(api, lead, {"role": {"permissions": []}}).status_code == 200


def test_a_role_edit_and_a_demotion_at_the_same_time_leave_a_manager(site_api):
    """A role losing the power to manage members while the organization's other manager is
    demoted: the two are serialized by the organization locks, one of them is refused."""
    make_role(site_api, "steward", permissions=["tenantry:members:manage"])
    for round_ in range(3):
        org = site_api.org(f"Race {round_}")["id"]
        member(site_api, org, f"s.{round_}@example.com", "steward")
        admin = member(site_api, org, f"a.{round_}@example.com", "admin")["id"]
        member(site_api, org, f"m.{round_}@example.com", "member")
        barrier = threading.Barrier(2)
        headers = site_api.headers
        base = str(site_api.http.base_url)

        def call(which: str) -> httpx.Response:
            with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
                barrier.wait()
                if which == "edit":
                    return client.put("/api/v1/roles/steward", json={"role": {"permissions": []}})
                return client.patch(
                    f"/api/v1/memberships/organizations/{org}/users/{admin}", json={"roles": [{"name": "member"}]}
                )

        with ThreadPoolExecutor(max_workers=2) as pool:
            responses = list(pool.map(call, ["edit", "demote"]))
        codes = sorted(str(r.status_code) if r.status_code < 300 else r.json()["code"] for r in responses)
        assert codes == ["200", "last_admin"], codes
        if responses[0].status_code == 200:  # the edit won: put the power back for the next round
            put(site_api, "/api/v1/roles/steward", {"role": {"permissions": ["tenantry:members:manage"]}})
        assert site_api.delete(f"/api/v1/organizations/{org}").status_code == 200
