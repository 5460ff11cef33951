"""Deprovisioning is immediate (SPEC §3 token truth): a directory's ``active: false`` ends
the refresh tokens and browser sessions the user has for that organization."""

from __future__ import annotations

import httpx

from tests.helpers import Api
from tests.oidc.conftest import PASSWORD, authorize, callback_params, exchange, pkce, refresh, register, sign_in
from tests.scim.scim import Scim, directory, user_body


def test_deactivation_ends_the_users_tokens_and_sessions_for_the_organization(site: str, site_api: Api) -> None:
    signed_up = site_api.signup("ada@example.com", PASSWORD, organization={"display_name": "Acme"}).json()
    org = signed_up["organization"]["id"]
    # Another admin, so the directory may deactivate Ada (the last-admin rule, SPEC §9).
    site_api.user_in(org, "grace@example.com", invite=False, membership={"roles": [{"name": "admin"}]})
    app = register(site_api)
    with httpx.Client(base_url=site, timeout=30) as browser, httpx.Client(base_url=site, timeout=30) as rp:
        sign_in(browser, "ada@example.com")
        verifier, challenge = pkce()
        code = callback_params(authorize(browser, app, challenge, organization_id=org))["code"]
        tokens = exchange(rp, app, code, verifier).json()
        scim = Scim(rp, directory(site_api, org))
        linked = scim.post("/Users", user_body("ada@example.com"))  # already a member: linked
        assert linked.status_code == 201, linked.text

        off = scim.patch(f"/Users/{linked.json()['id']}", {"op": "replace", "path": "active", "value": False})

        assert off.status_code == 200, off.text
        assert refresh(rp, app, tokens["refresh_token"]).json()["error"] == "invalid_grant"
        assert browser.get("/organizations").headers["location"].startswith("/login")
