"""Every form (found by walking the app's routes, so a new form is covered without editing
this test) refuses a submission without a valid CSRF token, even from a signed-in browser."""

from __future__ import annotations

import re

import httpx

from tests.helpers import Api
from tests.oidc.conftest import form_token
from tests.security.conftest import form_paths

PLACEHOLDER = re.compile(r"\{[^}]+\}")
DASHBOARD_PUBLIC_FORMS = {"/admin/login", "/admin/logout", "/admin/setup"}
# The SAML ACS is posted cross-site by the identity provider, by design (HTTP-POST binding): the
# IdP's signature and the single-use RelayState stand in for the token (tests/sso/test_saml_sso.py).
CROSS_SITE_BY_DESIGN = {"/sso/saml/{connection_id}/acs"}


def concrete(path: str, org_id: str, user_id: str) -> str:
    return PLACEHOLDER.sub(lambda m: org_id if "organization" in m.group(0) else user_id, path)


def test_the_walk_finds_the_forms(http):
    found = form_paths(http.app)
    for known in ("/login", "/signup", "/organizations/new", "/profile", "/oidc/logout", "/reset-password"):
        assert known in found
    assert len(found) >= 17


def test_every_form_refuses_a_missing_or_forged_csrf_token(site, signed_in: httpx.Client, site_api: Api, http):
    org_id = site_api.get("/api/v1/organizations").json()["organizations"][0]["id"]
    user_id = site_api.get("/api/v1/users").json()["users"][0]["id"]
    valid = form_token(signed_in, "/profile")
    with httpx.Client(base_url=site, timeout=30) as other_browser:
        foreign = form_token(other_browser, "/login")  # valid, but for another browser's cookie
    attempts = {"missing": {}, "empty": {"csrf_token": ""}, "forged": {"csrf_token": "0" * 64}}
    attempts["another browser's"] = {"csrf_token": foreign}
    for path in form_paths(http.app):
        if path.startswith("/admin/") and path not in DASHBOARD_PUBLIC_FORMS:
            continue  # needs an administrator's session: tests/admin/test_tabs_access.py covers these
        url = concrete(path, org_id, user_id)
        if path in CROSS_SITE_BY_DESIGN:
            assert signed_in.post(url, data={"SAMLResponse": "forged", "RelayState": "x"}).status_code == 400
            continue
        for name, token in attempts.items():
            data = {"email": "ada@example.com", "display_name": "Forged", "password": "x" * 20, **token}
            response = signed_in.post(url, data=data)
            assert response.status_code == 403, (url, name, response.status_code)
        without_cookie = httpx.post(f"{site}{url}", data={"csrf_token": valid}, timeout=30)
        assert without_cookie.status_code == 403, (url, "token without its cookie")
    assert [o["display_name"] for o in site_api.get("/api/v1/organizations").json()["organizations"]] == ["Ada's"]
    assert signed_in.get("/organizations").status_code == 200  # still signed in: no forged sign-out
