"""A directory's attribute mapping (SCIM attribute → custom attribute): every surface refuses
a path the SCIM User schema has no single simple value at, naming each bad entry; the
dashboard's directory screen and the admin portal show the mapping, edit it and word its
refusals plainly."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from tenantry.server.context import Context
from tests.admin.conftest import signed_in_dashboard
from tests.helpers import Api, assert_problem
from tests.scim.scim import CORE_USER, ENTERPRISE, Scim, directory, user_body
from tests.sso.portal.helpers import new_link, path_of

DEPARTMENT = f"{ENTERPRISE}:department"
pytestmark = pytest.mark.once  # path checks and the form: nothing here depends on the database


def _attributes(api: Api, *keys: str) -> None:
    for key in keys:
        body = {"key": key, "display_name": key.replace("_", " ").capitalize(), "type": "string"}
        assert api.post("/api/v1/user-attributes", json=body).status_code == 201


def test_the_api_refuses_every_bad_mapping_entry_and_keeps_the_old_mapping(api: Api) -> None:
    _attributes(api, "department", "title", "team")
    org = api.org()["id"]
    found = directory(api, org)
    path = f"/api/v1/organizations/{org}/directories/{found['id']}/attributes"
    good = {"attributes": [{"key": "department", "map_to": DEPARTMENT}]}
    assert api._send("PUT", path, json=good).json() == good
    bad = [
        {"key": "department", "map_to": "emails"},  # a list
        {"key": "title", "map_to": "titel"},  # no such attribute
        {"key": "nope", "map_to": "title"},  # no such custom attribute
        {"key": "team", "map_to": "name given"},  # not a path
        {"key": "department", "map_to": "title"},  # mapped twice
    ]
    refused = assert_problem(api._send("PUT", path, json={"attributes": bad}), 400, "invalid_argument")
    assert [(d["field"], d["code"]) for d in refused["details"]] == [
        ("attributes.0.map_to", "not_single_value"),
        ("attributes.1.map_to", "unknown_attribute"),
        ("attributes.2.key", "not_found"),
        ("attributes.3.map_to", "invalid_path"),
        ("attributes.4.key", "already_mapped"),
    ]
    directory_now = api.get(f"/api/v1/organizations/{org}/directories/{found['id']}").json()["directory"]
    assert directory_now["attribute_mappings"] == good  # nothing half-written


def test_the_dashboard_edits_the_attribute_mapping(
    site: str, site_api: Api, context: Context, new_page: Callable[[], Page]
) -> None:
    _attributes(site_api, "department", "cost_center")
    org = site_api.org("Acme")["id"]
    found = directory(site_api, org)
    page = signed_in_dashboard(context, new_page)
    page.goto(f"/admin/organizations/{org}/directories/{found['id']}")
    mapping = page.get_by_role("region", name="Attribute mapping")
    expect(mapping.get_by_role("table")).to_contain_text("name.givenName")  # the fixed profile fields
    department, cost_center = mapping.get_by_label("Department (department)"), mapping.get_by_label("Cost center")

    department.fill("departmnet")
    cost_center.fill("emails")
    mapping.get_by_role("button", name="Save attribute mapping").click()
    expect(department).to_have_value("departmnet")  # what was typed stays, with what is wrong with it
    expect(department).to_have_accessible_description(re.compile("The SCIM User schema has no attribute by this name"))
    expect(cost_center).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#map\\.cost_center-error")).to_contain_text("does not hold one simple value")

    department.fill(DEPARTMENT)
    cost_center.fill("")
    mapping.get_by_role("button", name="Save attribute mapping").click()
    expect(page.get_by_role("status")).to_contain_text("Attribute mapping saved")
    expect(department).to_have_value(DEPARTMENT)
    expect(cost_center).to_have_value("")
    saved = site_api.get(f"/api/v1/organizations/{org}/directories/{found['id']}").json()["directory"]
    assert saved["attribute_mappings"] == {"attributes": [{"key": "department", "map_to": DEPARTMENT}]}

    pushed = user_body("ada@example.com", schemas=[CORE_USER, ENTERPRISE])
    pushed[ENTERPRISE] = {"department": "Research", "costCenter": "CC-1"}
    with httpx.Client(base_url=site, timeout=30) as http:
        assert Scim(http, found).post("/Users", pushed).status_code == 201
    [ada] = site_api.get(f"/api/v1/organizations/{org}/users").json()["users"]
    assert ada["user_profile"]["custom_attributes"] == {"department": "Research"}


def test_the_admin_portal_edits_the_attribute_mapping_with_the_dashboards_rules(
    site: str, site_api: Api, new_page: Callable[[], Page]
) -> None:
    """The customer's IT administrator maps SCIM attributes in the portal: the same service
    and checks as the dashboard (refusals worded under their field, nothing half-saved), one
    form per directory, each change an audit event of the portal link."""
    _attributes(site_api, "division", "badge")
    org = site_api.org("Initech")["id"]
    first, second = directory(site_api, org), directory(site_api, org, "MICROSOFT_AD")
    link = new_link(site_api, org, features=["directory_sync"])
    page = new_page()
    page.goto(path_of(link["location"]))
    page.get_by_role("navigation", name="Admin portal").get_by_role("link", name="Directory sync").click()
    panel = page.locator(f"[data-directory='{first['id']}']").get_by_role("form", name=re.compile("Attribute mapping"))
    division, badge = panel.get_by_label("Division (division)"), panel.get_by_label("Badge (badge)")

    division.fill("titel")
    badge.fill("emails")
    panel.get_by_role("button", name=re.compile("Save the attribute mapping")).click()
    expect(division).to_have_value("titel")
    expect(division).to_have_accessible_description(re.compile("The SCIM User schema has no attribute by this name"))
    expect(badge).to_have_attribute("aria-invalid", "true")
    other = page.locator(f"[data-directory='{second['id']}']").get_by_label("Division (division)")
    expect(other).to_have_value("")  # the other directory's form keeps its own values
    url = f"/api/v1/organizations/{org}/directories/{first['id']}"
    assert site_api.get(url).json()["directory"]["attribute_mappings"] == {"attributes": []}

    division.fill(DEPARTMENT)
    badge.fill("")
    panel.get_by_role("button", name=re.compile("Save the attribute mapping")).click()
    expect(page.get_by_role("status")).to_contain_text("attribute mapping is saved")
    expect(division).to_have_value(DEPARTMENT)
    saved = site_api.get(url).json()["directory"]["attribute_mappings"]
    assert saved == {"attributes": [{"key": "division", "map_to": DEPARTMENT}]}
    events = site_api.get("/api/v1/events", params={"type": "directory.updated"}).json()["events"]
    assert events[-1]["actor"]["type"] == "PORTAL_LINK"
