"""The Organizations tab: search, create, limits, and members (the issue's 'done when')."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.admin.conftest import sign_in
from tests.helpers import held_roles
from tests.pages.conftest import shoot


def _members(page):  # type: ignore[no-untyped-def]
    return page.locator("tr[data-member]")


def invite(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("#members").get_by_label("E-mail", exact=True).fill(email)
    page.get_by_role("button", name="Invite").click()


def test_cap_an_organization_at_three_seats_and_the_fourth_invitation_is_refused(dashboard, site_api):
    site_api.patch(
        "/api/v1/environment/settings",
        json={"organization_meta_name": {"singular": "Workspace", "plural": "Workspaces"}},
    )
    page = dashboard
    page.goto("/admin/organizations")
    expect(page.locator("h1")).to_have_text("Workspaces")
    page.get_by_label("Name").fill("Acme")
    page.get_by_label("External ID").fill("acme-1")
    page.get_by_role("button", name="Create workspace").click()
    expect(page.locator("h1")).to_have_text("Acme")
    org_id = re.search(r"/admin/organizations/(org_\w+)", page.url).group(1)

    page.get_by_label("Maximum users").fill("3")
    page.get_by_role("button", name="Save limit").click()
    expect(page.get_by_role("status")).to_contain_text("User limit saved")
    for n in range(3):
        invite(page, f"person{n}@example.com")
        expect(page.get_by_role("status")).to_contain_text("Invitation sent")
    expect(page.locator("#limits")).to_contain_text("Workspace limits")
    expect(page.locator("#limits")).to_contain_text("3 of 3 seats used")
    expect(page.locator("[data-full]")).to_contain_text("is full")
    # Truthful about the exception (SPEC §2): the pending invitations hold their seats.
    expect(page.locator("[data-full]")).to_contain_text("Its 3 pending invitations can still be accepted")
    expect(_members(page)).to_have_count(3)
    expect(_members(page).first).to_contain_text("Pending invite")
    # Said before the work: the invite form is off while full…
    expect(page.get_by_role("button", name="Invite", exact=True)).to_be_disabled()
    shoot(page, "admin-organization-full")
    # …and a form loaded before the organization filled up is refused in the meta name's words.
    page.evaluate("document.querySelectorAll('#members [disabled]').forEach(e => e.disabled = false)")
    invite(page, "fourth@example.com")
    expect(page.get_by_role("alert")).to_contain_text("This workspace has reached its maximum number of users")
    expect(page.locator("#members").get_by_label("E-mail", exact=True)).to_have_value("fourth@example.com")
    assert site_api.get(f"/api/v1/organizations/{org_id}/settings/usermanagement").json() == {
        "settings": {"max_allowed_users": 3},
        "seats_used": 3,
    }
    emails = [u["email"] for u in site_api.get(f"/api/v1/organizations/{org_id}/users").json()["users"]]
    assert "fourth@example.com" not in emails

    # Lowered below the seats in use: the banner says pending invitations cannot be accepted either.
    page.get_by_label("Maximum users").fill("2")
    page.get_by_role("button", name="Save limit").click()
    expect(page.locator("[data-full]")).to_contain_text("cannot be accepted either until 2 seats free up")
    page.get_by_label("Maximum users").fill("3")
    page.get_by_role("button", name="Save limit").click()

    # Revoking one frees its seat; then the fourth fits.
    page.once("dialog", lambda dialog: dialog.accept())
    _members(page).filter(has_text="person0@example.com").get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation revoked")
    invite(page, "fourth@example.com")
    expect(page.get_by_role("status")).to_contain_text("Invitation sent")


def test_members_change_role_resend_expired_and_remove(dashboard, site_api, clock):
    org = site_api.post("/api/v1/organizations", json={"display_name": "Globex"}).json()["organization"]
    site_api.post(
        f"/api/v1/organizations/{org['id']}/users?send_invitation_email=false",
        json={"email": "active@example.com"},
    )
    site_api.post(f"/api/v1/organizations/{org['id']}/users", json={"email": "late@example.com"})
    clock.advance(days=16)

    page = dashboard
    sign_in(page, path=f"/admin/organizations/{org['id']}")  # 16 days idle ended the session
    expect(page.locator("h1")).to_have_text("Globex")
    late = _members(page).filter(has_text="late@example.com")
    expect(late).to_contain_text("Invite expired")
    expect(_members(page).filter(has_text="active@example.com")).to_contain_text("Active")

    late.get_by_role("button", name="Resend").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent again")
    expect(_members(page).filter(has_text="late@example.com")).to_contain_text("Pending invite")

    active = _members(page).filter(has_text="active@example.com")
    active.get_by_label("Role of active@example.com").select_option("admin")
    active.get_by_role("button", name="Change").click()
    expect(page.get_by_role("status")).to_contain_text("Role changed")
    user = site_api.get(f"/api/v1/organizations/{org['id']}/users").json()["users"]
    roles = {u["email"]: u["memberships"][0]["roles"] for u in user}
    assert roles["active@example.com"] == held_roles("admin")

    # The only admin cannot leave while someone else (the invitation) remains: 409 last_admin.
    page.once("dialog", lambda dialog: dialog.accept())
    _members(page).filter(has_text="active@example.com").get_by_role("button", name="Remove").click()
    expect(page.get_by_text("last member who can manage members")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    _members(page).filter(has_text="late@example.com").get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation revoked")
    page.once("dialog", lambda dialog: dialog.accept())
    _members(page).filter(has_text="active@example.com").get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_contain_text("Member removed")
    expect(_members(page)).to_have_count(0)


def test_search_paginate_edit_and_delete_organizations(dashboard, site_api, clock):
    for n in range(30):
        site_api.post("/api/v1/organizations", json={"display_name": f"Team {n:02d}", "external_id": f"ext-{n}"})
    site_api.post("/api/v1/organizations", json={"display_name": "100%_Real Co"})
    page = dashboard
    page.goto("/admin/organizations")
    expect(page.locator("tbody tr")).to_have_count(25)
    expect(page.locator(".pager")).to_contain_text("31 in all")
    page.get_by_role("link", name="Next").click()
    expect(page.locator("tbody tr")).to_have_count(6)
    page.get_by_role("link", name="Previous").click()
    expect(page.locator("tbody tr").first).to_contain_text("Team 00")

    search = page.get_by_label("Search organizations")
    search.fill("team 1")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tbody tr")).to_have_count(10)  # Team 10 … Team 19
    search.fill("ext-7")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    search.fill("0%_")  # wildcards are taken literally
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("100%_Real Co")

    page.get_by_role("link", name="100%_Real Co").click()
    page.get_by_role("button", name="Make an admin portal link").click()  # SPEC §14
    expect(page.locator("#portal-link")).to_contain_text("/portal/open?token=ptl_")
    assert page.context.browser is not None
    it_admin = page.context.browser.new_context()  # another person's browser
    portal = it_admin.new_page()
    portal.goto(page.locator("#portal-link").inner_text())
    expect(portal.get_by_role("heading", name="100%_Real Co")).to_be_visible()
    it_admin.close()
    page.locator("#details").get_by_label("Name").fill("Real Co")
    page.get_by_label("Metadata").fill("{not json")
    page.get_by_role("button", name="Save details").click()
    expect(page.locator("#metadata-error")).to_contain_text("Not valid JSON")
    page.get_by_label("Metadata").fill('{"plan": "pro"}')
    page.locator("#details").get_by_label("External ID").fill("ext-3")  # taken
    page.get_by_role("button", name="Save details").click()
    expect(page.locator("#external_id-error")).to_be_visible()
    page.locator("#details").get_by_label("External ID").fill("real")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_role("status")).to_contain_text("Details saved")
    org = site_api.get("/api/v1/organizations:external/real").json()["organization"]
    assert org["display_name"] == "Real Co" and org["metadata"] == {"plan": "pro"}

    page.get_by_role("link", name="Delete Real Co…").click()
    expect(page.locator("main")).to_contain_text("The users themselves")
    page.get_by_role("button", name="Delete organization").click()
    expect(page.get_by_role("status")).to_contain_text("Organization deleted")
    assert site_api.get(f"/api/v1/organizations/{org['id']}").status_code == 404
