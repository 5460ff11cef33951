"""Who gets into the dashboard: the one-time set-up link, sign-in, sign-out, administrators."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from tenantry.cli.administrators import setup_link
from tenantry.server.services.identity import admins
from tests.admin.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, sign_in
from tests.pages.conftest import shoot


def test_first_administrator_through_the_one_time_setup_link(site, context, new_page):
    link = setup_link(context)
    assert link is not None
    page = new_page()
    page.goto(link.replace(context.settings.public_url, ""))
    page.get_by_label("Your e-mail").fill("first@ops.example")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create administrator").click()
    expect(page.locator(".field-error")).to_contain_text("at least 8")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Create administrator").click()
    expect(page).to_have_url(re.compile(r"/admin/configuration"))
    expect(page.get_by_role("status")).to_contain_text("Welcome")

    # The link died with its use, and no new one is offered once an administrator exists.
    other = new_page()
    other.goto(link.replace(context.settings.public_url, ""))
    expect(other.locator("h1")).to_have_text("Link not valid")
    assert setup_link(context) is None


def test_sign_in_refuses_wrong_passwords_and_sign_out_ends_the_session(site, context, new_page):
    admins.create(context, ADMIN_EMAIL, ADMIN_PASSWORD)
    page = new_page()
    page.goto("/admin/configuration")
    expect(page).to_have_url(re.compile(r"/admin/login\?next=/admin/configuration"))
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("e-mail or password is not right")
    shoot(page, "admin-login")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/configuration$"))

    cookie = next(c for c in page.context.cookies() if c["name"] == "tenantry_admin")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/admin"
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/admin/login$"))
    # The old cookie is dead on the server, not just forgotten by the browser.
    response = httpx.get(f"{site}/admin/configuration", cookies={"tenantry_admin": cookie["value"]})
    assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")


def test_an_application_user_cannot_sign_in_to_the_dashboard(site, site_api, new_page):
    site_api.post("/api/v1/signup", json={"email": "user@example.com", "password": ADMIN_PASSWORD})
    page = new_page()
    sign_in(page, "user@example.com", ADMIN_PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("e-mail or password is not right")


def test_log_in_next_parameter_stays_inside_the_dashboard(site, context, new_page):
    admins.create(context, ADMIN_EMAIL, ADMIN_PASSWORD)
    page = new_page()
    sign_in(page, path="/admin/login?next=//evil.example/admin/")
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/admin/organizations"))


def test_administrators_add_another_and_cannot_remove_the_last(dashboard, new_page):
    page = dashboard
    page.get_by_role("link", name="Administrators").click()
    page.get_by_label("E-mail").fill("second@ops.example")
    page.get_by_label("Initial password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Add administrator").click()
    expect(page.get_by_role("status")).to_contain_text("can now sign in")

    second = new_page()
    sign_in(second, "second@ops.example", ADMIN_PASSWORD)
    expect(second).to_have_url(re.compile(r"/admin/organizations"))

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr", has_text="second@ops.example").get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_contain_text("Administrator removed")
    expect(page.get_by_role("button", name="Remove")).to_have_count(0)  # the last one cannot go
    second.reload()
    expect(second).to_have_url(re.compile(r"/admin/login"))


def test_every_dashboard_form_needs_the_csrf_token(dashboard, site):
    cookies = {c["name"]: c["value"] for c in dashboard.context.cookies()}
    for path in ("/admin/configuration", "/admin/organizations", "/admin/administrators", "/admin/logout"):
        response = httpx.post(f"{site}{path}", cookies=cookies, data={"display_name": "X"})
        assert response.status_code == 403, path
