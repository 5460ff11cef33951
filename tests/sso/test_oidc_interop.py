"""OIDC sign-in through node-oidc-provider (an IdP nobody here wrote): JIT into an organization
with one free seat; the second new user sees the full page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import Api
from tests.sso.flows import org_with_domain, path_of

DOMAIN = "acme-oidc.com"
SECRET = "interop-client-secret-0123456789"


USERS = [
    {"sub": "u-ann", "email": f"ann@{DOMAIN}", "email_verified": True, "given_name": "Ann", "groups": ["eng"]},
    {"sub": "u-ben", "email": f"ben@{DOMAIN}", "email_verified": True, "given_name": "Ben", "groups": []},
]


def test_jit_through_node_oidc_provider(api: Api, http: TestClient, node_idp_start) -> None:  # type: ignore[no-untyped-def]
    org = org_with_domain(api, domain=DOMAIN)
    path = f"/api/v1/organizations/{org['id']}/connections"
    draft = api.post(
        path, json={"connection": {"type": "OIDC", "oidc_config": {"client_id": "tenantry", "client_secret": SECRET}}}
    ).json()["connection"]
    idp = node_idp_start(draft["oidc_config"]["redirect_uri"], USERS, SECRET)
    configured = api.patch(
        f"{path}/{draft['id']}",
        json={
            "connection": {"oidc_config": {"issuer": idp.issuer, "scopes": ["openid", "email", "profile", "groups"]}}
        },
    )
    assert configured.status_code == 200, configured.text
    assert api.patch(f"{path}/{draft['id']}:enable").status_code == 200
    api.limit(org["id"], 1)
    callback_prefix = draft["oidc_config"]["redirect_uri"]

    def sign_in(email: str):  # type: ignore[no-untyped-def]
        http.cookies.clear()
        to_idp = http.get(f"/sso/start?connection_id={draft['id']}&next=/organizations", follow_redirects=False)
        assert to_idp.status_code == 303, to_idp.text
        back = idp.log_in(to_idp.headers["location"], email, callback_prefix)
        return http.get(path_of(back), follow_redirects=False)

    first = sign_in(f"ann@{DOMAIN}")
    assert first.status_code == 303, first.text
    users = {u["email"]: u for u in api.get("/api/v1/users", params={"page_size": 100}).json()["users"]}
    ann = users[f"ann@{DOMAIN}"]
    assert ann["user_profile"]["given_name"] == "Ann"
    assert ann["memberships"][0]["provisioning_method"] == "sso_jit"
    second = sign_in(f"ben@{DOMAIN}")
    assert second.status_code == 409
    assert "Acme&#39;s organization is full" in second.text
    users = {u["email"] for u in api.get("/api/v1/users", params={"page_size": 100}).json()["users"]}
    assert f"ben@{DOMAIN}" not in users
