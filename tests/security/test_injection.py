"""Markup and SQL in every text field a person or an application can set come back verbatim
through the API and escaped on every page and e-mail that shows them."""

from __future__ import annotations

import httpx

from tests.helpers import Api
from tests.oidc.conftest import PASSWORD, sign_in

MARKUP = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
SQL = "'; DROP TABLE users; --"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(2)&gt;"


def assert_escaped(html: str, where: str) -> None:
    assert "<script>alert(1)" not in html and "<img src=x" not in html, where
    assert "&lt;script&gt;alert(1)" in html, f"{where} does not show the value at all"


def test_markup_and_sql_in_text_fields_are_stored_verbatim_and_shown_escaped(site, site_api: Api):
    site_api.settings(branding={"app_name": f"App {MARKUP}"})
    attribute = {"key": "team", "display_name": f"Team {MARKUP}", "type": "string", "user_editable": True}
    assert site_api.post("/api/v1/user-attributes", json={**attribute, "collect_on_signup": True}).status_code == 201
    profile = {"given_name": f"Ada {MARKUP}", "family_name": SQL, "custom_attributes": {"team": MARKUP + SQL}}
    signup = site_api.signup("ada@example.com", PASSWORD, user_profile=profile, organization={"display_name": MARKUP})
    assert signup.status_code == 201, signup.text
    org_id = signup.json()["organization"]["id"]
    site_api.post(f"/api/v1/organizations/{org_id}/users", json={"email": "bob@example.com"})
    user = site_api.get(f"/api/v1/users/{signup.json()['user']['id']}").json()["user"]
    assert user["user_profile"]["family_name"] == SQL  # verbatim: bound parameters, never SQL text
    assert user["user_profile"]["custom_attributes"]["team"] == MARKUP + SQL
    assert site_api.get(f"/api/v1/organizations/{org_id}").json()["organization"]["display_name"] == MARKUP
    assert site_api.get("/api/v1/users", params={"custom_attributes.team": MARKUP + SQL}).json()["total_size"] == 1

    with httpx.Client(base_url=site, timeout=30) as browser:
        sign_in(browser, "ada@example.com")
        for path in ("/organizations", f"/organizations/{org_id}/members", "/profile", "/signup", "/login"):
            assert_escaped(browser.get(path).text, path)
    invitation = [e for e in site_api.get("/api/v1/emails", params={"to": "bob@example.com"}).json()["emails"]][-1]
    assert_escaped(invitation["html"], "invitation e-mail")
    token = site_api.invitation_token("bob@example.com")
    with httpx.Client(base_url=site, timeout=30) as invitee:
        assert_escaped(invitee.get("/invitations/accept", params={"token": token}).text, "invitation page")
    assert site_api.get("/api/v1/users").json()["total_size"] == 2  # the users table is still there
