"""The CSRF secret is replaced at sign-in (hosted pages and dashboard): a token learned or
planted before signing in (CSRF fixation) does not work for the signed-in session."""

from __future__ import annotations

import httpx

from tenantry.server.context import Context
from tenantry.server.services.identity import admins
from tests.helpers import Api
from tests.oidc.conftest import PASSWORD, form_token


def test_signing_in_on_the_hosted_pages_replaces_the_csrf_secret(site, site_api: Api):
    site_api.signup("ada@example.com", PASSWORD)
    with httpx.Client(base_url=site, timeout=30) as browser:
        before = form_token(browser, "/login")
        planted = browser.cookies["tenantry_csrf"]
        signed_in = browser.post(
            "/login", data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": before}
        )
        assert signed_in.status_code == 303
        assert browser.cookies["tenantry_csrf"] != planted

        assert browser.post("/logout", data={"csrf_token": before}).status_code == 403
        assert browser.post("/logout", data={"csrf_token": form_token(browser, "/profile")}).status_code == 303


def test_signing_in_to_the_dashboard_replaces_the_csrf_secret(site, context: Context):
    admins.create(context, "root@ops.example", "correct horse battery staple")
    with httpx.Client(base_url=site, timeout=30) as browser:
        before = form_token(browser, "/admin/login")
        planted = browser.cookies["tenantry_csrf"]
        signed_in = browser.post(
            "/admin/login",
            data={"email": "root@ops.example", "password": "correct horse battery staple", "csrf_token": before},
        )
        assert signed_in.status_code == 303
        assert browser.cookies["tenantry_csrf"] != planted

        assert browser.post("/admin/logout", data={"csrf_token": before}).status_code == 403
        fresh = form_token(browser, "/admin/organizations")
        assert browser.post("/admin/logout", data={"csrf_token": fresh}).status_code == 303
