"""The Users tab in a real browser: search by e-mail prefix, name and attribute, paging,
editing through the API's validator, signing a user out everywhere, deleting."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.admin.signed_in import dashboard  # noqa: F401  (fixture)
from tests.helpers import Api
from tests.pages.conftest import code_in, latest_email, shoot


def define(api: Api, key: str, type_: str, **fields: Any) -> None:
    body = {"key": key, "display_name": key.replace("_", " ").title(), "type": type_, **fields}
    response = api.post("/api/v1/user-attributes", json=body)
    assert response.status_code == 201, response.text


def rows(page: Page) -> list[str]:
    """The e-mails listed in the users table, in order."""
    return page.get_by_role("table", name="Users").locator("tbody tr td:first-child a").all_inner_texts()


def search(page: Page, query: str) -> None:
    page.get_by_label("Search users").fill(query)
    with page.expect_navigation():  # the table is read right after: wait for the new page
        page.get_by_role("button", name="Search").click()


def test_search_by_email_prefix_name_and_attribute_with_pages(
    dashboard: Page,  # noqa: F811
    site_api: Api,
) -> None:
    define(site_api, "plan", "enum", options=["free", "pro"])
    org = site_api.org("Analytical Engines")
    people = [
        ("ada@engines.example", {"given_name": "Ada", "family_name": "Lovelace", "custom_attributes": {"plan": "pro"}}),
        ("adam@other.example", {"name": "Adam Smith", "custom_attributes": {"plan": "free"}}),
        ("charles@engines.example", {"given_name": "Charles", "family_name": "Babbage"}),
        ("100%_real@odd.example", {"name": "Percent"}),
    ]
    for email, profile in people:
        site_api.user_in(org["id"], email, invite=False, user_profile=profile, external_id=f"crm-{email[:4]}")

    search(dashboard, "ada@")  # any part of an e-mail: "adam@…" does not contain "ada@"
    assert rows(dashboard) == ["ada@engines.example"]
    search(dashboard, "ADA")  # case-insensitive: the start of both e-mails, and Ada's name
    assert sorted(rows(dashboard)) == ["ada@engines.example", "adam@other.example"]
    search(dashboard, "love")  # part of a family name
    assert rows(dashboard) == ["ada@engines.example"]
    search(dashboard, "ada lovelace")  # given and family name together
    assert rows(dashboard) == ["ada@engines.example"]
    search(dashboard, "lovelace ADA")  # every word, in any order
    assert rows(dashboard) == ["ada@engines.example"]
    search(dashboard, "crm-adam")  # an exact external id
    assert rows(dashboard) == ["adam@other.example"]
    search(dashboard, "100%_")  # LIKE wildcards are taken literally
    assert rows(dashboard) == ["100%_real@odd.example"]
    search(dashboard, "plan=pro")
    assert rows(dashboard) == ["ada@engines.example"]
    shoot(dashboard, "admin-users")
    search(dashboard, "plan=gold")  # a value the attribute refuses, shown on the search box
    expect(dashboard.locator("#q-error")).to_contain_text("one of")
    search(dashboard, "shoe_size=42")
    expect(dashboard.locator("#q-error")).to_contain_text("No attribute 'shoe_size' is defined.")

    for n in range(26):
        site_api.user_in(org["id"], f"crowd{n:02d}@engines.example", invite=False)
    search(dashboard, "@nowhere.example")
    expect(dashboard.get_by_text("No user matches")).to_be_visible()
    search(dashboard, "crowd")
    first = rows(dashboard)
    assert len(first) == 25
    expect(dashboard.locator(".pager")).to_contain_text("26 in all")
    with dashboard.expect_navigation():
        dashboard.get_by_role("link", name="Next").click()
    second = rows(dashboard)
    assert sorted(first + second) == [f"crowd{n:02d}@engines.example" for n in range(26)]
    expect(dashboard.get_by_label("Search users")).to_have_value("crowd")  # the search carries over
    with dashboard.expect_navigation():
        dashboard.get_by_role("link", name="Previous").click()
    assert rows(dashboard) == first


def test_search_finds_any_part_of_an_email_or_name_and_stays_current(dashboard: Page, site_api: Api) -> None:  # noqa: F811
    org = site_api.org("Acme Robotics")
    ada = site_api.user_in(org["id"], "ada@acmerobotics.com", invite=False, user_profile={"given_name": "Ada"})
    site_api.user_in(org["id"], "grace@navy.example", invite=False, user_profile={"family_name": "Hopper"})
    site_api.user_in(org["id"], "linus@ACMEROBOTICS.com", invite=False)
    search(dashboard, "acme")  # the example: the middle of a domain, any case
    assert sorted(rows(dashboard)) == ["ada@acmerobotics.com", "linus@acmerobotics.com"]
    search(dashboard, "robot")
    assert len(rows(dashboard)) == 2
    search(dashboard, "opp")  # the middle of a family name
    assert rows(dashboard) == ["grace@navy.example"]
    search(dashboard, "gr")  # shorter than a trigram: the start of the e-mail (an index, not a scan)
    assert rows(dashboard) == ["grace@navy.example"]
    search(dashboard, "av")  # ... so not the middle
    assert rows(dashboard) == []

    # The index follows every change: a renamed user is found by the new name only; a deleted one is gone.
    assert (
        site_api.patch(f"/api/v1/users/{ada['id']}", json={"user_profile": {"given_name": "Augusta"}}).status_code
        == 200
    )
    search(dashboard, "augusta")
    assert rows(dashboard) == ["ada@acmerobotics.com"]
    search(dashboard, "ada")
    assert rows(dashboard) == ["ada@acmerobotics.com"]  # still by its e-mail
    assert site_api.delete(f"/api/v1/users/{ada['id']}").status_code in (200, 204)
    search(dashboard, "acme")
    assert rows(dashboard) == ["linus@acmerobotics.com"]


def test_columns_sort_both_ways_and_keep_their_order_across_pages(dashboard: Page, site_api: Api) -> None:  # noqa: F811
    org = site_api.org("Sorted")
    for n in range(27):
        site_api.user_in(org["id"], f"{chr(ord('z') - n % 26)}{n:02d}@sort.example", invite=False)
    dashboard.goto("/admin/users")
    with dashboard.expect_navigation():
        dashboard.get_by_role("link", name="E-mail").click()
    header = dashboard.get_by_role("columnheader", name="E-mail")
    expect(header).to_have_attribute("aria-sort", "ascending")
    first = rows(dashboard)
    with dashboard.expect_navigation():
        dashboard.get_by_role("link", name="Next").click()
    everything = first + rows(dashboard)
    assert everything == sorted(everything) and len(everything) == 27
    with dashboard.expect_navigation():
        dashboard.get_by_role("link", name="E-mail").click()
    expect(dashboard.get_by_role("columnheader", name="E-mail")).to_have_attribute("aria-sort", "descending")
    assert rows(dashboard) == sorted(everything, reverse=True)[:25]


def test_edit_shows_the_validators_errors_inline_then_saves(dashboard: Page, site_api: Api) -> None:  # noqa: F811
    site_api.settings(organization_meta_name={"singular": "Workspace", "plural": "Workspaces"})
    define(site_api, "seats_bought", "integer", minimum=1, maximum=100)
    define(site_api, "newsletter", "boolean")
    org = site_api.org("Analytical Engines")
    user = site_api.user_in(org["id"], "ada@engines.example", invite=False, user_profile={"given_name": "Ada"})
    site_api.user_in(org["id"], "charles@engines.example", invite=False, external_id="crm-7")

    dashboard.goto(f"/admin/users/{user['id']}")
    expect(dashboard.get_by_role("heading", name="Workspaces")).to_be_visible()
    memberships = dashboard.get_by_role("table", name="Memberships")
    expect(memberships.get_by_role("columnheader", name="Workspace")).to_be_visible()
    expect(memberships.get_by_role("link", name="Analytical Engines")).to_have_attribute(
        "href", f"/admin/organizations/{org['id']}"
    )
    expect(memberships.locator(".badge")).to_have_text("Active")

    dashboard.get_by_label("Family name").fill("Lovelace")
    dashboard.get_by_label("Seats Bought").fill("1000")
    dashboard.get_by_role("button", name="Save changes").click()
    expect(dashboard.locator("#ca\\.seats_bought-error")).to_contain_text("100")
    expect(dashboard.get_by_label("Family name")).to_have_value("Lovelace")  # what was typed stays
    shoot(dashboard, "admin-user-edit-error")
    assert (
        site_api.get(f"/api/v1/users/{user['id']}").json()["user"]["user_profile"]["family_name"] is None
    )  # nothing written

    dashboard.get_by_label("Seats Bought").fill("12")
    dashboard.get_by_label("Newsletter").check()
    dashboard.get_by_label("Metadata").fill('{"plan": "pro",}')
    dashboard.get_by_role("button", name="Save changes").click()
    expect(dashboard.locator("#metadata-error")).to_contain_text("Not valid JSON")

    dashboard.get_by_label("Metadata").fill('{"plan": "pro"}')
    dashboard.get_by_label("External ID").fill("crm-7")  # another user's
    dashboard.get_by_role("button", name="Save changes").click()
    expect(dashboard.locator("#external_id-error")).to_contain_text("Already in use")
    dashboard.get_by_label("External ID").fill("crm-42")
    dashboard.get_by_label("Phone number").fill("+44 20 7946 0000")
    dashboard.get_by_role("button", name="Save changes").click()
    expect(dashboard.get_by_role("status")).to_contain_text("Changes saved")
    shoot(dashboard, "admin-user")

    saved = site_api.get(f"/api/v1/users/{user['id']}").json()["user"]
    profile = saved["user_profile"]
    assert (profile["given_name"], profile["family_name"]) == ("Ada", "Lovelace")
    assert profile["phone_number"] == "+44 20 7946 0000"
    assert profile["custom_attributes"] == {"seats_bought": 12, "newsletter": True}
    assert saved["metadata"] == {"plan": "pro"}
    assert saved["external_id"] == "crm-42"

    dashboard.get_by_label("Newsletter").uncheck()  # an unchecked box saves false
    dashboard.get_by_label("Seats Bought").fill("")  # a blank clears the value
    dashboard.get_by_role("button", name="Save changes").click()
    expect(dashboard.get_by_role("status")).to_contain_text("Changes saved")
    saved = site_api.get(f"/api/v1/users/{user['id']}").json()["user"]
    assert saved["user_profile"]["custom_attributes"] == {"newsletter": False}


def test_sign_out_everywhere_ends_the_users_sessions(dashboard: Page, site_api: Api, new_page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    response = site_api.signup("ada@engines.example", password="a long and unusual passphrase", verified=False)
    assert response.status_code == 201, response.text
    user_id = response.json()["user"]["id"]
    browser = new_page()  # Ada, signed in on the hosted pages (her one session)
    browser.goto("/login")
    browser.get_by_label("E-mail").fill("ada@engines.example")
    browser.get_by_label("Password").fill("a long and unusual passphrase")
    browser.get_by_role("button", name="Sign in").click()
    browser.get_by_label("Code").fill(code_in(latest_email(site_api, "ada@engines.example", "verify_email")))
    browser.get_by_role("button", name="Confirm").click()
    expect(browser).to_have_url(re.compile(r"/organizations"))

    dashboard.goto(f"/admin/users/{user_id}")
    sessions = dashboard.get_by_role("table", name="Browser sessions")
    expect(sessions.locator("tbody tr")).to_have_count(1)
    dashboard.once("dialog", lambda dialog: dialog.accept())
    dashboard.get_by_role("button", name="Sign out everywhere").click()
    expect(dashboard.get_by_role("status")).to_contain_text("Browser sessions ended: 1")
    expect(dashboard.get_by_text("Not signed in anywhere")).to_be_visible()

    browser.goto("/organizations")
    expect(browser).to_have_url(re.compile(r"/login"))


def test_delete_asks_first_and_says_what_goes(dashboard: Page, site_api: Api) -> None:  # noqa: F811
    site_api.settings(organization_meta_name={"singular": "Team", "plural": "Teams"})
    org = site_api.org("Engines")
    site_api.limit(org["id"], 3)
    user = site_api.user_in(org["id"], "ada@engines.example", invite=False)
    keep = site_api.user_in(org["id"], "charles@engines.example", invite=False)
    assert site_api.seats_used(org["id"]) == 2

    dashboard.goto(f"/admin/users/{user['id']}")
    dashboard.get_by_role("link", name="Delete user…").click()
    expect(dashboard.get_by_role("heading", name="Delete ada@engines.example?")).to_be_visible()
    expect(dashboard.locator("main")).to_contain_text("Engines")
    expect(dashboard.locator("main")).to_contain_text("their membership in 1 team")
    expect(dashboard.locator("main")).to_contain_text("Teams they created stay")
    shoot(dashboard, "admin-user-delete")
    assert site_api.get(f"/api/v1/users/{user['id']}").status_code == 200  # asking deletes nothing

    dashboard.get_by_role("link", name="Cancel").click()
    expect(dashboard).to_have_url(re.compile(rf"/admin/users/{user['id']}$"))
    dashboard.get_by_role("link", name="Delete user…").click()
    dashboard.get_by_role("button", name="Delete user").click()
    expect(dashboard.get_by_role("status")).to_contain_text("User deleted")
    assert rows(dashboard) == ["charles@engines.example"]
    assert site_api.get(f"/api/v1/users/{user['id']}").status_code == 404
    assert site_api.get(f"/api/v1/users/{keep['id']}").status_code == 200
    assert site_api.seats_used(org["id"]) == 1

    dashboard.goto(f"/admin/users/{user['id']}")
    expect(dashboard.get_by_role("heading", name="Not found")).to_be_visible()
