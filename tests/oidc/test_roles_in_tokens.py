"""A relying party sees a custom role's permissions in the access token, and a role edit at
the next refresh (SPEC §9)."""

from __future__ import annotations

from tests.oidc.conftest import authorize, callback_params, exchange, pkce, refresh, register, sign_in, verify


def test_custom_role_permissions_reach_the_access_token_and_follow_role_edits(site_api, browser, rp):
    for name in ("invoices:read", "invoices:write", "reports:read"):
        assert site_api.post("/api/v1/permissions", json={"permission": {"name": name}}).status_code == 201
    billing = {"name": "billing", "display_name": "Billing", "permissions": ["invoices:read"]}
    assert site_api.post("/api/v1/roles", json={"role": billing}).status_code == 201
    accountant = {
        "name": "accountant",
        "display_name": "Accountant",
        "extends": "billing",
        "permissions": ["reports:read"],
    }
    assert site_api.post("/api/v1/roles", json={"role": accountant}).status_code == 201

    user = site_api.signup("ida@example.com", "a long and unusual passphrase", organization={"display_name": "Own"})
    user_id = user.json()["user"]["id"]
    books = site_api.org("Books")["id"]
    added = site_api.post(
        f"/api/v1/memberships/organizations/{books}/users/{user_id}",
        params={"send_invitation_email": "false"},
        json={"roles": [{"name": "accountant"}]},
    )
    assert added.status_code == 201, added.text

    app = register(site_api)
    sign_in(browser, "ida@example.com")
    verifier, challenge = pkce()
    params = callback_params(authorize(browser, app, challenge, organization_id=books))
    tokens = exchange(rp, app, params["code"], verifier).json()
    access = verify(rp, tokens["access_token"], oid=books)
    assert access["roles"] == ["accountant"]
    assert access["permissions"] == ["invoices:read", "reports:read"]  # inherited from billing, expanded
    assert verify(rp, tokens["id_token"])["roles"] == ["accountant"]
    info = rp.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert info["roles"] == ["accountant"] and "permissions" not in info

    # The base role gains a permission and the held role is renamed: the next refresh says so.
    edited = site_api.http.put(
        "/api/v1/roles/billing",
        headers=site_api.headers,
        json={"role": {"permissions": ["invoices:read", "invoices:write"]}},
    )
    assert edited.status_code == 200, edited.text
    renamed = site_api.http.put(
        "/api/v1/roles/accountant", headers=site_api.headers, json={"role": {"name": "bookkeeper"}}
    )
    assert renamed.status_code == 200, renamed.text
    renewed = refresh(rp, app, tokens["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    access = verify(rp, renewed.json()["access_token"], oid=books)
    assert access["roles"] == ["bookkeeper"]
    assert access["permissions"] == ["invoices:read", "invoices:write", "reports:read"]

    # Tenantry's own organization: the creator holds admin, with Tenantry's powers.
    own = user.json()["organization"]["id"]
    params = callback_params(authorize(browser, app, challenge, organization_id=own))
    mine = verify(rp, exchange(rp, app, params["code"], verifier).json()["access_token"], oid=own)
    assert mine["roles"] == ["admin"] and "tenantry:members:manage" in mine["permissions"]
