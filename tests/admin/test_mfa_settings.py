"""The dashboard's two-step verification controls at the HTTP level (SPEC §13): the
environment's policy and administrators' requirement on the Configuration tab, an
organization's requirement on its page; each change is what the management API then shows."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.helpers import Api
from tests.oidc.conftest import form_token
from tests.security.test_notices import admin_signed_in

CHECKED = re.compile(r'<input type="radio" name="mfa" value="(\w+)" checked>')


def save(http: TestClient, path: str, **fields: str) -> TestClient:
    return http.post(
        path, data={**fields, "csrf_token": form_token(http, "/admin/configuration")}, follow_redirects=False
    )  # type: ignore[return-value]


def settings(api: Api) -> dict[str, object]:
    return dict(api.get("/api/v1/environment/settings").json()["settings"])


def test_mfa_policy_and_requirements_from_the_dashboard(http: TestClient, api: Api, context) -> None:  # type: ignore[no-untyped-def]
    admin_signed_in(http, context)
    assert CHECKED.findall(http.get("/admin/configuration").text) == ["off"]

    saved = save(http, "/admin/configuration", section="mfa", mfa="optional")
    assert saved.status_code == 303 and saved.headers["location"].endswith("notice=settings_saved_mfa#mfa")
    assert settings(api)["mfa"] == "optional" and settings(api)["admin_mfa_required"] is False
    page = http.get(saved.headers["location"]).text
    assert CHECKED.findall(page) == ["optional"] and "Two-step verification settings saved." in page

    refused = save(http, "/admin/configuration", section="mfa", mfa="sometimes", admin_mfa_required="true")
    assert refused.status_code == 400 and 'id="mfa-error"' in refused.text
    assert settings(api)["mfa"] == "optional" and settings(api)["admin_mfa_required"] is False  # nothing saved

    org = api.post("/api/v1/organizations", json={"display_name": "Acme"}).json()["organization"]
    org_path = f"/admin/organizations/{org['id']}"
    assert "must sign in with a second step" in http.get(org_path).text
    assert http.post(f"{org_path}/mfa", data={"mfa_required": "true"}).status_code == 403  # no CSRF token
    turned_on = save(http, f"{org_path}/mfa", mfa_required="true")
    assert turned_on.headers["location"] == f"{org_path}?notice=organization_mfa_saved#mfa"
    assert api.get(f"/api/v1/organizations/{org['id']}/settings/mfa").json()["settings"]["mfa_required"] is True
    assert 'name="mfa_required" value="true" checked' in http.get(org_path).text
    save(http, f"{org_path}/mfa")  # the box left unticked
    assert api.get(f"/api/v1/organizations/{org['id']}/settings/mfa").json()["settings"]["mfa_required"] is False

    # Administrators must use an authenticator: this one has none, so only the set-up page is open now.
    save(http, "/admin/configuration", section="mfa", mfa="required", admin_mfa_required="true")
    assert settings(api)["mfa"] == "required" and settings(api)["admin_mfa_required"] is True
    assert http.get("/admin/organizations", follow_redirects=False).headers["location"] == "/admin/mfa"
    kinds = [e["type"] for e in api.get("/api/v1/events", params={"page_size": 100}).json()["events"]]
    assert kinds.count("environment.settings_updated") == 2 and kinds.count("organization.updated") == 2
