"""The Invitations tab: open invitations across organizations, filtered, resent, revoked."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.admin.conftest import sign_in


def _rows(page):  # type: ignore[no-untyped-def]
    return page.locator("tr[data-invitation]")


def test_filter_resend_and_revoke_invitations_across_organizations(dashboard, site_api, clock):
    acme = site_api.post("/api/v1/organizations", json={"display_name": "Acme"}).json()["organization"]
    globex = site_api.post("/api/v1/organizations", json={"display_name": "Globex"}).json()["organization"]
    site_api.post(f"/api/v1/organizations/{acme['id']}/users", json={"email": "old@example.com"})
    clock.advance(days=16)
    site_api.post(f"/api/v1/organizations/{acme['id']}/users", json={"email": "new@example.com"})
    site_api.post(f"/api/v1/organizations/{globex['id']}/users", json={"email": "new2@example.com"})
    site_api.post(
        f"/api/v1/organizations/{globex['id']}/users?send_invitation_email=false", json={"email": "member@example.com"}
    )

    page = dashboard
    sign_in(page, path="/admin/invitations")  # the clock moved past the session's idle limit
    expect(_rows(page)).to_have_count(3)  # active members are not invitations
    page.get_by_label("Status").select_option("expired")
    page.get_by_role("button", name="Filter").click()
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_contain_text("Invite expired")
    expect(_rows(page).first).to_contain_text("Acme")

    _rows(page).first.get_by_role("button", name="Resend").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent again")
    expect(_rows(page)).to_have_count(0)  # still filtered on expired: it is pending now
    page.get_by_label("Status").select_option("pending")
    page.get_by_label("Search invitations by e-mail").fill("NEW")
    page.get_by_role("button", name="Filter").click()
    expect(_rows(page)).to_have_count(2)

    page.once("dialog", lambda dialog: dialog.accept())
    _rows(page).filter(has_text="new2@example.com").get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation revoked")
    expect(_rows(page)).to_have_count(1)
    users = site_api.get(f"/api/v1/organizations/{globex['id']}/users").json()["users"]
    assert [u["email"] for u in users] == ["member@example.com"]
