"""A stock OIDC client (Authlib's Starlette integration, examples/oidc_app.py), configured
only with the discovery URL, client id and secret, signs a user in through Tenantry's
pages in a real browser and reads their organization, roles and attributes."""

from __future__ import annotations

import re

from examples.oidc_app import create_app as create_example
from playwright.sync_api import expect

from tests.conftest import ThreadServer
from tests.helpers import free_port
from tests.pages.conftest import code_in, latest_email


def test_a_stock_client_signs_a_user_in_and_out(site, site_api, new_page):
    site_api.post(
        "/api/v1/user-attributes",
        json={
            "key": "department",
            "display_name": "Department",
            "type": "enum",
            "options": ["Sales", "Research"],
            "collect_on_signup": True,
        },
    )
    port = free_port()
    example_url = f"http://127.0.0.1:{port}"
    registered = site_api.post(
        "/api/v1/applications",
        json={
            "name": "Example",
            "redirect_uris": [f"{example_url}/callback"],
            "post_logout_redirect_uris": [f"{example_url}/"],
        },
    ).json()
    example = create_example(site, registered["application"]["id"], registered["client_secret"], "test-secret")

    with ThreadServer(example, port):
        page = new_page()
        page.goto(example_url)
        page.get_by_role("link", name="Sign in with Tenantry").click()
        expect(page).to_have_url(re.compile(r"/login\?"))
        page.get_by_role("link", name="Create an account").click()  # new here: sign up on the way
        page.get_by_label("E-mail").fill("ada@example.com")
        page.get_by_label("Password").fill("a long and unusual passphrase")
        page.get_by_label("First name").fill("Ada")
        page.locator("input[name=organization_name]").fill("Analytical")
        page.get_by_label("Department").select_option("Research")
        page.get_by_role("button", name="Create account").click()
        page.get_by_label("Code").fill(code_in(latest_email(site_api, "ada@example.com", "verify_email")))
        page.get_by_role("button", name="Confirm").click()

        expect(page).to_have_url(f"{example_url}/")
        table = page.locator("#user")
        expect(table).to_contain_text("ada@example.com")
        expect(table).to_contain_text("Ada")
        org = site_api.get("/api/v1/organizations").json()["organizations"][0]["id"]
        expect(table).to_contain_text(org)
        expect(table.locator("tr", has_text="roles")).to_contain_text("admin")
        expect(table).to_contain_text("Research")

        page.get_by_role("link", name="Sign out").click()
        page.get_by_role("main").get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(f"{example_url}/")
        expect(page.get_by_role("link", name="Sign in with Tenantry")).to_be_visible()
        page.goto(f"{site}/organizations")
        expect(page).to_have_url(re.compile(r"/login"))
