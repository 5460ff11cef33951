"""The User Attributes tab: define, edit, reorder, delete — with the API's one validator."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.pages.conftest import shoot


def _rows(page):  # type: ignore[no-untyped-def]
    return page.locator("tr[data-attribute]")


def create(page, key: str, name: str, kind: str = "string", options: str = "") -> None:  # type: ignore[no-untyped-def]
    page.goto("/admin/attributes/new")
    page.get_by_label("Key").fill(key)
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Type").select_option(kind)
    if options:
        page.get_by_label("Options").fill(options)
    page.get_by_role("button", name="Create attribute").click()


def test_define_attributes_and_use_them_through_the_api(dashboard, site_api):
    page = dashboard
    page.get_by_role("link", name="User Attributes").click()
    expect(page.locator("main")).to_contain_text("No attributes yet")

    create(page, "Bad Key", "Department")
    expect(page.locator("#key-error")).to_be_visible()
    create(page, "plan", "Plan", "enum")
    expect(page.locator("#options-error")).to_be_visible()  # an enum needs options

    create(page, "department", "Department", "enum", "Sales\nEngineering")
    expect(page.get_by_role("status")).to_contain_text("Attribute created")
    create(page, "employee_number", "Employee number", "integer")
    expect(_rows(page)).to_have_count(2)
    create(page, "department", "Again")
    expect(page.locator("#key-error")).to_contain_text("Key in use")

    definition = site_api.get("/api/v1/user-attributes/department").json()["user_attribute"]
    assert definition["options"] == ["Sales", "Engineering"] and definition["type"] == "enum"
    assert definition["user_editable"] is False  # new attributes are admin-only until ticked
    org = site_api.post("/api/v1/organizations", json={"display_name": "Acme"}).json()["organization"]
    refused = site_api.post(
        f"/api/v1/organizations/{org['id']}/users",
        json={"email": "x@example.com", "user_profile": {"custom_attributes": {"department": "Legal"}}},
    )
    assert refused.status_code == 400
    assert refused.json()["details"][0]["field"] == "user_profile.custom_attributes.department"

    # Reorder: move the second one up.
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("button", name="Move Employee number up").click()
    expect(_rows(page).first).to_have_attribute("data-attribute", "employee_number")
    keys = [a["key"] for a in site_api.get("/api/v1/user-attributes").json()["user_attributes"]]
    assert keys == ["employee_number", "department"]
    shoot(page, "admin-attributes")


def test_edit_with_incompatible_values_asks_before_clearing_them(dashboard, site_api):
    site_api.post("/api/v1/user-attributes", json={"key": "team", "display_name": "Team", "type": "string"})
    org = site_api.post("/api/v1/organizations", json={"display_name": "Acme"}).json()["organization"]
    for email, team in (("a@example.com", "red"), ("b@example.com", "a-very-long-team-name")):
        site_api.post(
            f"/api/v1/organizations/{org['id']}/users?send_invitation_email=false",
            json={"email": email, "user_profile": {"custom_attributes": {"team": team}}},
        )
    page = dashboard
    page.goto("/admin/attributes")
    expect(_rows(page).first).to_contain_text("2")  # users with a value
    page.get_by_role("link", name="Edit").click()
    expect(page.locator("main")).to_contain_text("2 users hold a value")
    page.get_by_label("Maximum length").fill("5")
    page.get_by_label("Required").check()
    page.get_by_role("button", name="Save attribute").click()
    expect(page.get_by_role("alert")).to_contain_text("1 user(s) hold values")
    # nothing changed
    assert site_api.get("/api/v1/user-attributes/team").json()["user_attribute"]["max_length"] is None

    page.get_by_label("Yes, clear the incompatible values").check()
    page.get_by_role("button", name="Save attribute").click()
    expect(page.get_by_role("status")).to_contain_text("Cleared 1 incompatible value(s)")
    definition = site_api.get("/api/v1/user-attributes/team").json()["user_attribute"]
    assert definition["max_length"] == 5 and definition["required"] is True
    users = {u["email"]: u for u in site_api.get("/api/v1/users").json()["users"]}
    assert users["a@example.com"]["user_profile"]["custom_attributes"] == {"team": "red"}
    assert users["b@example.com"]["user_profile"]["custom_attributes"] == {}


def test_delete_confirms_with_the_number_of_values_it_removes(dashboard, site_api):
    site_api.post("/api/v1/user-attributes", json={"key": "team", "display_name": "Team", "type": "string"})
    org = site_api.post("/api/v1/organizations", json={"display_name": "Acme"}).json()["organization"]
    site_api.post(
        f"/api/v1/organizations/{org['id']}/users?send_invitation_email=false",
        json={"email": "a@example.com", "user_profile": {"custom_attributes": {"team": "red"}}},
    )
    page = dashboard
    page.goto("/admin/attributes")
    page.get_by_role("link", name="Delete…").click()
    expect(page.locator("[data-holders]")).to_contain_text("1 user holds a value")
    page.get_by_role("link", name="Cancel").click()
    assert site_api.get("/api/v1/user-attributes/team").status_code == 200

    page.get_by_role("link", name="Delete…").click()
    page.get_by_role("button", name="Delete attribute and values").click()
    expect(page.get_by_role("status")).to_contain_text("removed from 1 profile(s)")
    assert site_api.get("/api/v1/user-attributes/team").status_code == 404
    user = site_api.get("/api/v1/users").json()["users"][0]
    assert user["user_profile"]["custom_attributes"] == {}
