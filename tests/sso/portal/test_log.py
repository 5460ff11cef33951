"""The portal's log: the organization's SSO sign-ins and refusals, provisioning and set-up,
and nothing else of the audit log (the application's own changes, secrets)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.helpers import Api
from tests.sso.fake_oidc import CLIENT_SECRET, FakeOidc
from tests.sso.flows import DOMAIN, oidc_connection, org_with_domain, round_trip
from tests.sso.portal.helpers import csrf, new_link, open_portal

ROW = re.compile(r'<tr data-event="([^"]+)"[^>]*>(.*?)</tr>', re.S)


def test_the_log_shows_sign_ins_provisioning_and_set_up_but_not_the_applications_business(
    api: Api, http: TestClient, fake_oidc: FakeOidc
) -> None:
    org = org_with_domain(api)
    connection = oidc_connection(api, org["id"], fake_oidc)
    employee = TestClient(http.app)
    fake_oidc.user = {"sub": "s1", "email": f"alice@{DOMAIN}", "email_verified": True, "given_name": "A" * 300}
    assert round_trip(employee, f"/sso/start?connection_id={connection['id']}").status_code == 303
    fake_oidc.user = {"sub": "s2", "email": "mallory@elsewhere.example", "email_verified": True}
    assert round_trip(employee, f"/sso/start?connection_id={connection['id']}").status_code == 400
    # The application's own business: a member it adds and whose metadata it changes.
    added = api.post(
        f"/api/v1/organizations/{org['id']}/users?send_invitation_email=false",
        json={"email": "bob@app-side.example", "metadata": {"plan": "gold"}},
    )
    assert added.status_code == 201, added.text
    api.patch(f"/api/v1/users/{added.json()['user']['id']}", json={"metadata": {"plan": "silver"}})

    link = new_link(api, org["id"])
    assert open_portal(http, link).status_code == 303
    form = {"csrf_token": csrf(http, "/portal/directories"), "name": "Okta", "provider": "OKTA"}
    made = http.post("/portal/directories", data=form)
    token = re.search(r'<code id="scim-token">([^<]+)</code>', made.text)
    assert made.status_code == 201 and token
    page = http.get("/portal/log")
    assert page.status_code == 200
    rows = {kind: text for kind, text in ROW.findall(page.text)}
    assert set(rows) == {
        "user.sso_login",
        "user.sso_login_refused",
        "organization.domain_created",
        "organization.domain_verified",
        "organization.connection_created",
        "organization.connection_enabled",
        "organization.portal_link_created",
        "organization.portal_link_opened",
        "directory.created",
        "directory.secret_created",
    }
    assert f"alice@{DOMAIN}" in rows["user.sso_login"] and "given_name" in rows["user.sso_login"]
    assert "not on a verified domain" in rows["user.sso_login_refused"]
    assert "this portal" in rows["directory.secret_created"]
    for secret in (token.group(1), CLIENT_SECRET, link["location"].split("token=")[1]):
        assert secret not in page.text
    assert "bob@app-side.example" not in page.text and "gold" not in page.text
