"""Open redirects: no parameter that names a destination (``next``, ``redirect_uri``,
``post_logout_redirect_uri``) can send a browser to another site."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import httpx
import pytest

from tests.helpers import Api
from tests.oidc.conftest import CALLBACK, LOGOUT_TARGET, PASSWORD, authorize, form_token, pkce, register, sign_in

NEXT_FIELD = re.compile(r'name="next" value="([^"]*)"')
EVIL = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "data:text/html,hi",
    " //evil.example/",
    "\t//evil.example/",
    "/%2F%2Fevil.example/",
    "http://127.0.0.1@evil.example/",
    "https://evil.example/organizations",
]


def same_site(location: str, site: str) -> bool:
    """A Location a browser resolves against the site and stays on it."""
    resolved = httpx.URL(site).join(location)
    return (resolved.scheme, resolved.host, resolved.port) == (urlsplit(site).scheme, "127.0.0.1", urlsplit(site).port)


def kept_next(page: str, site: str) -> bool:
    """The page's hidden ``next`` fields (carried to the form's redirect) are all same-site."""
    return all(not value or same_site(html.unescape(value), site) for value in NEXT_FIELD.findall(page))


@pytest.mark.parametrize("target", EVIL)
def test_next_after_sign_in_stays_on_the_site(site, site_api: Api, target):
    site_api.signup("ada@example.com", PASSWORD)
    with httpx.Client(base_url=site, timeout=30) as browser:
        assert kept_next(browser.get("/login", params={"next": target}).text, site)
        data = {"email": "ada@example.com", "password": PASSWORD, "next": target}
        response = browser.post("/login", data=data | {"csrf_token": form_token(browser, "/login")})
        assert response.status_code == 303
        assert same_site(response.headers["location"], site), response.headers["location"]
        for path in ("/signup", "/login/code", "/verify-email"):
            assert kept_next(browser.get(path, params={"next": target}).text, site), path


def test_redirect_uri_must_be_registered_exactly(site, site_api: Api):
    site_api.signup("ada@example.com", PASSWORD)
    app = register(site_api)
    _, challenge = pkce()
    with httpx.Client(base_url=site, timeout=30) as browser:
        sign_in(browser, "ada@example.com")
        for target in [
            *EVIL,
            CALLBACK + "/../evil",
            CALLBACK.upper(),
            CALLBACK + "#x",
            CALLBACK.replace("9", "9@evil"),
        ]:
            response = authorize(browser, app, challenge, redirect_uri=target)
            assert response.status_code == 400, (target, response.status_code)
            assert "location" not in response.headers


def test_post_logout_redirect_uri_must_be_registered(site, site_api: Api):
    site_api.signup("ada@example.com", PASSWORD)
    app = register(site_api)
    with httpx.Client(base_url=site, timeout=30) as browser:
        for target in EVIL:
            sign_in(browser, "ada@example.com")
            params = {"client_id": app.client_id, "post_logout_redirect_uri": target}
            page = browser.get("/oidc/logout", params=params)
            assert page.status_code == 200
            response = browser.post("/oidc/logout", data=params | {"csrf_token": form_token(browser, "/oidc/logout")})
            assert response.status_code == 303
            assert same_site(response.headers["location"], site), (target, response.headers["location"])
        sign_in(browser, "ada@example.com")
        params = {"client_id": app.client_id, "post_logout_redirect_uri": LOGOUT_TARGET}
        registered = browser.post("/oidc/logout", data=params | {"csrf_token": form_token(browser, "/oidc/logout")})
        assert registered.headers["location"] == LOGOUT_TARGET  # the registered one does work
