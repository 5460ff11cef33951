"""A social sign-in in Chromium (SPEC §13): node-oidc-provider stands in for Google; the
log-in page's button goes there, the person signs in, and comes back signed in to Tenantry
with a new account whose address the provider verified."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.interop.oidc_idp import PASSWORD

SECRET = "google-stand-in-secret-0123456789"
USER = {"sub": "google-grace", "email": "grace@gmail.example", "email_verified": True, "given_name": "Grace"}


def test_sign_up_with_google_from_the_log_in_page(site, site_api, new_page, node_idp_start):  # type: ignore[no-untyped-def]
    body = {"provider": "GOOGLE", "oauth_config": {"client_id": "tenantry", "client_secret": SECRET}}
    draft = site_api.post("/api/v1/connections", json={"connection": body}).json()["connection"]
    idp = node_idp_start(draft["oauth_config"]["redirect_uri"], [USER], SECRET)
    path = f"/api/v1/connections/{draft['id']}"
    configured = site_api.patch(path, json={"connection": {"oauth_config": {"issuer": idp.issuer}}})
    assert configured.status_code == 200, configured.text
    assert site_api.patch(f"{path}:enable").status_code == 200

    page = new_page()
    page.goto("/login")
    page.get_by_role("button", name="Sign in with Google").click()
    expect(page).to_have_url(re.compile(re.escape(idp.issuer)))
    page.locator("#email").fill(USER["email"])
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    expect(page).to_have_url(f"{site}/organizations")
    page.goto("/profile")
    expect(page.locator("main")).to_contain_text(USER["email"])
    (user,) = site_api.get("/api/v1/users").json()["users"]
    assert user["email"] == USER["email"] and user["email_verified"] is True
