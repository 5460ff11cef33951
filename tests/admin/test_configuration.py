"""The Configuration tab: every environment setting, saved section by section through the
API's service; refusals in sentences; the brand colour's readable on-colours."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tenantry.server.domain.colours import palette
from tests.pages.conftest import shoot


def section(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("region", name=name)


def test_configure_the_environment_section_by_section(dashboard, site_api):
    page = dashboard
    page.get_by_role("link", name="Configuration").click()
    expect(page.get_by_label("Invitation links stay valid for")).to_have_value("15")
    expect(page.get_by_label("Unit")).to_have_value("days")
    expect(page.get_by_label("Organizations per user")).to_be_disabled()  # "No limit" is chosen

    page.get_by_label("Anyone may sign up on the hosted sign-up page").uncheck()
    page.get_by_role("button", name="Save sign-up").click()
    expect(page.get_by_role("status")).to_contain_text("Sign-up setting saved")

    page.get_by_label("At most").check()
    page.get_by_label("Organizations per user").fill("2")
    page.get_by_role("button", name="Save limit").click()
    expect(page.get_by_role("status")).to_contain_text("Creation limit saved")
    expect(page.get_by_label("Organizations per user")).to_have_value("2")

    page.get_by_label("Invitation links stay valid for").fill("36")
    page.get_by_label("Unit").select_option("hours")
    page.get_by_role("button", name="Save expiry").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation expiry saved")

    page.get_by_label("Singular").fill("Workspace")
    page.get_by_label("Plural").fill("Workspaces")
    expect(page.locator("[data-meta-preview]")).to_contain_text("Create a workspace")
    expect(page.locator("[data-meta-preview]")).to_contain_text("Your workspaces")
    page.get_by_role("button", name="Save name").click()

    page.get_by_label("Application name").fill("Acme Cloud")
    page.get_by_role("textbox", name="Primary colour", exact=True).fill("#0a7cff")
    shoot(page, "admin-configuration")
    page.get_by_role("button", name="Save branding").click()
    expect(page.get_by_role("status")).to_contain_text("Branding saved")

    page.get_by_label("Magic links stay valid for (minutes)").fill("0")
    page.get_by_role("button", name="Save sign-in methods").click()
    expect(page.locator(".field-error")).to_be_visible()  # refused: nothing of the section saved
    page.get_by_label("Passkeys:").uncheck()
    page.get_by_label("Magic links:").check()
    page.get_by_label("Magic links stay valid for (minutes)").fill("5")
    page.get_by_role("button", name="Save sign-in methods").click()
    expect(page.get_by_role("status")).to_contain_text("Sign-in methods saved")

    settings = site_api.get("/api/v1/environment/settings").json()["settings"]
    assert settings["sign_in_methods"] == {"passkeys": False, "magic_link": True, "magic_link_lifetime_seconds": 300}
    assert settings["signup_enabled"] is False
    assert settings["max_organizations_per_user"] == 2
    assert settings["invitation_expiry_seconds"] == 36 * 3600
    assert settings["organization_meta_name"] == {"singular": "Workspace", "plural": "Workspaces"}
    assert settings["branding"]["app_name"] == "Acme Cloud"
    assert settings["branding"]["primary_color"] == "#0a7cff"
    expect(page.get_by_role("link", name="Workspaces")).to_be_visible()  # every page uses the new name

    # "No limit" is one click: the number typed earlier is ignored, not refused.
    page.get_by_label("No limit").check()
    expect(page.get_by_label("Workspaces per user")).to_be_disabled()
    page.get_by_role("button", name="Save limit").click()
    assert site_api.get("/api/v1/environment/settings").json()["settings"]["max_organizations_per_user"] is None


def test_invalid_values_are_refused_in_sentences_and_nothing_is_saved(dashboard, site_api):
    page = dashboard
    page.goto("/admin/configuration")
    page.get_by_label("Invitation links stay valid for").fill("120")
    page.get_by_label("Unit").select_option("days")
    page.get_by_role("button", name="Save expiry").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()  # the focus moves to what went wrong
    expect(page.locator("#invitation_expiry-error")).to_have_text("Choose from 1 minute to 90 days.")
    expect(page.get_by_label("Invitation links stay valid for")).to_have_attribute(
        "aria-describedby", re.compile("invitation_expiry-error")
    )
    assert site_api.get("/api/v1/environment/settings").json()["settings"]["invitation_expiry_seconds"] == 1296000

    page.get_by_label("Invitation links stay valid for").fill("0")
    page.get_by_role("button", name="Save expiry").click()
    expect(page.locator("#invitation_expiry-error")).to_have_text("Choose from 1 minute to 90 days.")

    page.get_by_role("textbox", name="Primary colour", exact=True).fill("blue-ish")
    page.get_by_role("button", name="Save branding").click()
    expect(page.locator("[id='branding.primary_color-error']")).to_be_visible()
    # What was typed stays, to be corrected.
    expect(page.get_by_role("textbox", name="Primary colour", exact=True)).to_have_value("blue-ish")
    assert site_api.get("/api/v1/environment/settings").json()["settings"]["branding"]["primary_color"] == "#4f46e5"

    page.get_by_label("Singular").fill("")
    page.get_by_role("button", name="Save name").click()
    expect(page.locator("[id='organization_meta_name.singular-error']")).to_have_text("Enter the singular.")

    page.get_by_label("At most").check()
    page.get_by_label("Organizations per user").fill("0")
    page.get_by_role("button", name="Save limit").click()
    expect(page.locator("#max_organizations_per_user-error")).to_have_text("Enter a number of at least 1.")
    for text in ("String should", "Input should", "pattern", "7776000"):
        expect(page.locator("main")).not_to_contain_text(text)
    assert site_api.get("/api/v1/environment/settings").json()["settings"]["max_organizations_per_user"] is None


def test_a_light_brand_colour_gets_readable_text_and_a_live_warning(dashboard, site, site_api):
    page = dashboard
    page.goto("/admin/configuration")
    page.get_by_role("textbox", name="Primary colour", exact=True).fill("#facc15")
    warnings = page.locator("[data-colour-warnings] li")
    expect(warnings).to_have_count(2)  # before saving: computed in the page, as the server will
    assert warnings.all_inner_texts() == palette("#facc15").warnings()
    picker = page.get_by_label("Pick the primary colour")
    expect(picker).to_have_value("#facc15")
    page.get_by_role("button", name="Save branding").click()
    css = page.request.get(f"{site}/branding.css").text()
    colours = palette("#facc15")
    assert f"--on-primary: {colours.on_primary}" in css and colours.on_primary == "#000000"
    assert f"--primary-ink: {colours.ink}" in css and colours.ink != "#facc15"
    page.get_by_role("textbox", name="Primary colour", exact=True).fill("#1e1b4b")
    expect(warnings).to_have_count(0)
