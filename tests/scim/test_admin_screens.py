"""The dashboard's directory screens and provisioning log, in Chromium, as one journey:
create a directory (its token shown once), provision through it, rotate the token, read
the log filtered by directory, outcome, operation, who and dates, delete the directory."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import Page, expect

from tenantry.server.context import Context
from tests.admin.conftest import signed_in_dashboard
from tests.helpers import Api
from tests.scim.scim import CORE_GROUP, Scim, directory, user_body


def test_directories_and_provisioning_log_journey(
    site: str, site_api: Api, context: Context, new_page: Callable[[], Page]
) -> None:
    org = site_api.org("Acme")
    site_api.limit(org["id"], 1)
    other = directory(site_api, org["id"], "GOOGLE")  # a second directory, for the log's filter
    page = signed_in_dashboard(context, new_page)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"/admin/organizations/{org['id']}")
    page.get_by_role("navigation", name="Acme").get_by_role("link", name="Directories").click()
    page.get_by_label("Name").fill("Okta production")
    page.get_by_label("Identity provider").select_option("OKTA")
    page.get_by_role("button", name="Create directory").click()

    # The token, once; it opens the SCIM base URL shown with it.
    token = page.locator("[data-token]").inner_text()
    endpoint = page.locator("[data-endpoint]").inner_text()
    directory_id = endpoint.rstrip("/").split("/")[-1]
    assert endpoint == f"{site}/scim/v2/{directory_id}"
    with httpx.Client(base_url=site, timeout=30) as http:
        scim = Scim(http, {"id": directory_id, "token": token})
        ada = scim.post("/Users", user_body("ada@example.com"))
        assert ada.status_code == 201
        group = {"schemas": [CORE_GROUP], "displayName": "engineering", "members": [{"value": ada.json()["id"]}]}
        assert scim.post("/Groups", group).status_code == 201
        assert scim.post("/Users", user_body("bob@example.com")).status_code == 403  # one seat only
        page.goto(f"/admin/organizations/{org['id']}/directories/{directory_id}")  # later: never shown again
        expect(page.locator("[data-token]")).to_have_count(0)
        expect(page.locator("[data-suffix]")).to_have_text(f"…{token[-4:]}")
        page.get_by_label("Role of engineering").select_option("admin")  # group → role
        page.get_by_role("button", name="Save roles").click()
        expect(page.get_by_role("status")).to_contain_text("Roles saved")
        expect(page.get_by_label("Role of engineering")).to_have_value("admin")
        page.get_by_role("button", name="Generate a new token").click()
        rotated = page.locator("[data-token]").inner_text()
        assert rotated != token
        assert scim.get("/Users").status_code == 401
        assert Scim(http, {"id": directory_id, "token": rotated}).get("/Users").status_code == 200
        assert Scim(http, other).post("/Users", user_body("cy@example.com")).status_code == 403

    # The log: every write and how it ended, newest first; one directory's when filtered.
    page.get_by_role("region", name="Give these to the identity provider").get_by_role(
        "link", name="Provisioning log"
    ).click()
    rows = page.locator("tr[data-operation]")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("bob@example.com")
    expect(rows.nth(0)).to_contain_text("organization_user_limit_reached")
    expect(rows.nth(1)).to_contain_text("engineering")
    expect(rows.nth(2)).to_contain_text("ada@example.com")
    expect(rows.nth(2)).to_contain_text("Created")
    page.get_by_label("Directory").select_option("")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("cy@example.com")
    # narrowed by outcome and by who, in the address (a GET form), then cleared
    page.get_by_label("Outcome").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(2)
    page.get_by_label("User or group").fill("BOB@")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("bob@example.com")
    assert "outcome=failed" in page.url and "q=BOB%40" in page.url
    page.get_by_role("link", name="Clear filters").click()
    expect(rows).to_have_count(4)
    page.get_by_label("Operation", exact=True).select_option("PATCH")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No operations match.")).to_be_visible()
    page.get_by_label("Operation", exact=True).select_option("POST")
    page.get_by_label("To (UTC, inclusive)").fill("2000-01-01")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(0)
    page.get_by_label("From (UTC)").fill("2000-01-01")
    page.get_by_label("To (UTC, inclusive)").fill("")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(4)
    refused = page.goto(f"/admin/organizations/{org['id']}/provisioning?since=yesterday")
    assert refused is not None and refused.status == 400
    expect(page.locator("#since-error")).to_be_visible()

    page.goto(f"/admin/organizations/{org['id']}/directories/{directory_id}")
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Directory deleted")
    expect(page.locator("tr[data-directory]")).to_have_count(1)
    assert site_api.seats_used(org["id"]) == 1  # ada keeps her membership, with her group's role
    [member] = site_api.get(f"/api/v1/organizations/{org['id']}/users").json()["users"]
    assert [r["name"] for r in member["memberships"][0]["roles"]] == ["admin"]
