"""The Configuration tab: every environment setting, saved through the API's service."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.pages.conftest import shoot


def test_configure_the_environment_and_see_it_through_the_api(dashboard, site_api):
    page = dashboard
    page.get_by_role("link", name="Configuration").click()
    expect(page.get_by_label("Invitation links stay valid for")).to_have_value("15")
    expect(page.get_by_label("Unit")).to_have_value("days")

    page.get_by_label("Anyone may sign up on the hosted sign-up page").uncheck()
    page.get_by_label("At most").check()
    page.get_by_label("Organizations per user").fill("2")
    page.get_by_label("Invitation links stay valid for").fill("36")
    page.get_by_label("Unit").select_option("hours")
    page.get_by_label("Singular").fill("Workspace")
    page.get_by_label("Plural").fill("Workspaces")
    expect(page.locator("[data-meta-preview]")).to_contain_text("Create a workspace")
    expect(page.locator("[data-meta-preview]")).to_contain_text("Your workspaces")
    page.get_by_label("Application name").fill("Acme Cloud")
    page.get_by_label("Primary colour").fill("#0a7cff")
    shoot(page, "admin-configuration")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Settings saved")

    settings = site_api.get("/api/v1/environment/settings").json()["settings"]
    assert settings["signup_enabled"] is False
    assert settings["max_organizations_per_user"] == 2
    assert settings["invitation_expiry_seconds"] == 36 * 3600
    assert settings["organization_meta_name"] == {"singular": "Workspace", "plural": "Workspaces"}
    assert settings["branding"]["app_name"] == "Acme Cloud"
    # Every page now names organizations the configured way.
    expect(page.get_by_role("link", name="Workspaces")).to_be_visible()


def test_invalid_values_are_refused_inline_and_nothing_is_saved(dashboard, site_api):
    page = dashboard
    page.goto("/admin/configuration")
    page.get_by_label("Invitation links stay valid for").fill("91")
    page.get_by_label("Unit").select_option("days")
    page.get_by_label("Primary colour").fill("blue-ish")
    page.get_by_label("Singular").fill("")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#invitation_expiry-error")).to_be_visible()
    expect(page.locator("[id='branding.primary_color-error']")).to_be_visible()
    expect(page.locator("[id='organization_meta_name.singular-error']")).to_be_visible()
    expect(page.get_by_label("Primary colour")).to_have_value("blue-ish")  # what was typed stays

    settings = site_api.get("/api/v1/environment/settings").json()["settings"]
    assert settings["invitation_expiry_seconds"] == 1296000
    assert settings["branding"]["primary_color"] != "blue-ish"

    page.get_by_label("At most").check()
    page.get_by_label("Organizations per user").fill("0")
    page.get_by_label("Invitation links stay valid for").fill("15")
    page.get_by_label("Primary colour").fill("#123456")
    page.get_by_label("Singular").fill("Team")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#max_organizations_per_user-error")).to_be_visible()
    assert site_api.get("/api/v1/environment/settings").json()["settings"]["max_organizations_per_user"] is None
