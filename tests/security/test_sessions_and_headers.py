"""Session fixation, cookie flags and security headers."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tests.helpers import Api
from tests.oidc.conftest import PASSWORD, form_token, sign_in

PAGES = ["/login", "/signup", "/login/code", "/forgot-password", "/reset-password?token=x", "/verify-email"]


def test_sign_in_issues_a_new_session_id(site, site_api: Api):
    site_api.signup("ada@example.com", PASSWORD)
    with httpx.Client(base_url=site, timeout=30) as browser:
        planted = "attacker-chosen-session-id"
        browser.cookies.set("tenantry_session", planted, domain="127.0.0.1", path="/")
        sign_in(browser, "ada@example.com")
        first = browser.cookies["tenantry_session"]
        assert first != planted
        sign_in(browser, "ada@example.com")  # signing in again, over a live session
        second = browser.cookies["tenantry_session"]
        assert second != first
    with httpx.Client(base_url=site, timeout=30, cookies={"tenantry_session": first}) as stale:
        assert stale.get("/profile", follow_redirects=False).status_code in (200, 303)
    with httpx.Client(base_url=site, timeout=30, cookies={"tenantry_session": planted}) as attacker:
        response = attacker.get("/profile", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def cookie_flags(response: httpx.Response, name: str) -> set[str]:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return {part.strip().lower() for part in header.split(";")[1:]}
    raise AssertionError(f"{name} not set: {response.headers.get_list('set-cookie')}")


@pytest.fixture(params=["http://tenantry.test", "https://tenantry.test"])
def public(request, settings, clock, engine):
    served = settings.model_copy(update={"public_url": request.param})
    with TestClient(create_app(context=build_context(served, clock, engine=engine)), base_url=request.param) as client:
        yield client, request.param.startswith("https")


def test_cookies_are_httponly_samesite_and_secure_behind_https(public):
    client, https = public
    Api.login(client).signup("ada@example.com", PASSWORD)
    page = client.get("/login")
    csrf_flags = cookie_flags(page, "tenantry_csrf")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)
    response = client.post(
        "/login", data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    session_flags = cookie_flags(response, "tenantry_session")
    for flags in (csrf_flags, session_flags):
        assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
        assert ("secure" in flags) is https


def test_headers_forbid_inline_script_framing_and_sniffing(public):
    client, https = public
    for path in [*PAGES, "/api/v1/organizations", "/.well-known/openid-configuration", "/healthz"]:
        response = client.get(path)
        directives = [part.strip().partition(" ") for part in response.headers["content-security-policy"].split(";")]
        csp = {name: value for name, _, value in directives}
        assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'", csp
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        assert csp["frame-ancestors"] == "'none'" and response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert ("strict-transport-security" in response.headers) is https, path


def test_pages_carry_no_inline_script_or_style(http):
    for path in PAGES:
        page = http.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", page, re.IGNORECASE), path


def test_a_form_post_from_another_browser_session_cannot_reuse_a_token(site, site_api: Api):
    """The CSRF token is bound to its browser: copied into another browser it fails."""
    site_api.signup("ada@example.com", PASSWORD)
    with httpx.Client(base_url=site, timeout=30) as victim, httpx.Client(base_url=site, timeout=30) as attacker:
        token = form_token(victim, "/login")
        attacker.get("/login")
        data = {"email": "ada@example.com", "password": PASSWORD, "csrf_token": token}
        assert attacker.post("/login", data=data).status_code == 403
