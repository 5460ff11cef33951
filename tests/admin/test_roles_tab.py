"""The dashboard's Roles tab: permissions and roles created, edited, made default and
deleted through the same services as the API (issue 19)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tenantry.server.context import Context
from tenantry.server.services.identity import admins
from tests.admin.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.admin.test_tabs_access import CSRF, signed_in
from tests.helpers import Api, held_roles


def test_roles_tab_manages_the_catalogue(http: TestClient, api: Api, context: Context) -> None:
    admins.create(context, ADMIN_EMAIL, ADMIN_PASSWORD)
    signed_in(http)
    found = CSRF.search(http.get("/admin/roles").text)  # the token is renewed at sign-in
    assert found
    csrf = found.group(1)

    def post(path: str, **data: object) -> object:
        return http.post(path, data={**data, "csrf_token": csrf}, follow_redirects=False)

    page = http.get("/admin/roles")
    assert page.status_code == 200 and "tenantry:members:read" in page.text and 'data-role="admin"' in page.text
    assert (
        post("/admin/roles/-/permissions", permission_name="invoices:read", permission_description="See").status_code
        == 303
    )  # type: ignore[attr-defined]
    created = post(
        "/admin/roles",
        name="billing",
        display_name="Billing",
        extends="member",
        permissions=["invoices:read", "tenantry:members:read"],
    )
    assert created.status_code == 303, created.text  # type: ignore[attr-defined]
    role = api.get("/api/v1/roles/billing", params={"include": "permissions"}).json()["role"]
    assert role["extends"] == "member"
    assert {p["name"] for p in role["permissions"]} == {"invoices:read", "tenantry:members:read"}
    refused = post("/admin/roles/member", display_name="Member", extends="billing")
    assert refused.status_code == 400 and "extend itself" in refused.text  # type: ignore[attr-defined]

    edited = post(
        "/admin/roles/billing", display_name="Billing desk", description="", extends="", permissions=["invoices:read"]
    )
    assert edited.status_code == 303  # type: ignore[attr-defined]
    role = api.get("/api/v1/roles/billing", params={"include": "permissions"}).json()["role"]
    assert role["display_name"] == "Billing desk" and role["extends"] is None
    assert [p["name"] for p in role["permissions"]] == ["invoices:read"]

    assert (
        post("/admin/roles/-/defaults", default_creator_role="admin", default_member_role="billing").status_code == 303
    )  # type: ignore[attr-defined]
    org = api.org("Tab")["id"]
    joined = api.user_in(org, "new@example.com", invite=False)
    assert api.membership(joined, org)["roles"] == held_roles("billing")
    assert (
        post("/admin/roles/-/defaults", default_creator_role="admin", default_member_role="member").status_code == 303
    )  # type: ignore[attr-defined]
    in_use = post("/admin/roles/billing/delete", reassign_role_name="")
    assert in_use.status_code == 409  # type: ignore[attr-defined]
    assert post("/admin/roles/billing/delete", reassign_role_name="member").status_code == 303  # type: ignore[attr-defined]
    assert api.membership(joined, org)["roles"] == held_roles("member")
    assert post("/admin/roles/-/permissions/invoices:read/delete").status_code == 303  # type: ignore[attr-defined]
    assert 'data-permission="invoices:read"' not in http.get("/admin/roles").text
