"""Fields a directory owns (SPEC §12) are read-only on the hosted profile page and in the
dashboard: shown disabled, and a submission that sets one anyway is refused with the
detail code ``directory_owned``; the user's other fields stay editable. The management API
is left to the application (SPEC §12 names only the two screens)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tenantry.server.context import Context
from tenantry.server.services.identity import admins, login
from tests.admin.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.helpers import Api
from tests.oidc.conftest import form_token
from tests.scim.scim import ENTERPRISE, Scim, directory, user_body

DEPARTMENT = f"{ENTERPRISE}:department"


def _input(html: str, name: str) -> str:
    match = re.search(rf'<(?:input|select)[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert match, name
    return match.group(0)


def _user(api: Api, user_id: str) -> dict[str, Any]:
    return dict(api.get(f"/api/v1/users/{user_id}").json()["user"])


def test_directory_owned_fields_are_read_only_on_the_profile_page_and_the_dashboard(
    api: Api, http: TestClient, context: Context
) -> None:
    for key in ("department", "team"):
        body = {"key": key, "display_name": key.title(), "type": "string", "user_editable": True}
        assert api.post("/api/v1/user-attributes", json=body).status_code == 201
    org = api.org()["id"]
    found = directory(api, org)
    mapped = api._send(
        "PUT",
        f"/api/v1/organizations/{org}/directories/{found['id']}/attributes",
        json={"attributes": [{"key": "department", "map_to": DEPARTMENT}]},
    )
    assert mapped.status_code == 200, mapped.text
    pushed = user_body("ada@example.com", schemas=[user_body("x")["schemas"][0], ENTERPRISE])
    pushed[ENTERPRISE] = {"department": "Research"}
    assert Scim(http, found).post("/Users", pushed).status_code == 201
    [ada] = [u for u in api.get("/api/v1/users").json()["users"] if u["email"] == "ada@example.com"]

    # The hosted profile page: the directory's fields disabled, the others editable.
    http.cookies.set("tenantry_session", login.open_session(context, ada["id"], "test", org))
    page = http.get("/profile").text
    assert " disabled" in _input(page, "given_name") and " disabled" in _input(page, "family_name")
    assert " readonly" in _input(page, "ca.department")
    assert " disabled" not in _input(page, "phone_number") and " readonly" not in _input(page, "ca.team")
    token = form_token(http, "/profile")
    saved = http.post("/profile", data={"csrf_token": token, "phone_number": "+44 20 7946 0018", "ca.team": "blue"})
    assert saved.status_code == 200 and "Saved." in saved.text
    forged = http.post("/profile", data={"csrf_token": token, "given_name": "Eve", "ca.department": "Sales"})
    assert forged.status_code == 400 and "anaged by the directory" in forged.text
    after = _user(api, ada["id"])
    assert after["user_profile"]["given_name"] == "Ada" and after["user_profile"]["phone_number"] == "+44 20 7946 0018"
    assert after["user_profile"]["custom_attributes"] == {"department": "Research", "team": "blue"}

    # The dashboard: the same fields disabled; setting one anyway is refused.
    http.cookies.clear()
    admins.create(context, ADMIN_EMAIL, ADMIN_PASSWORD)
    signed = http.post(
        "/admin/login",
        data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": form_token(http, "/admin/login")},
    )
    assert signed.status_code == 200, signed.text
    path = f"/admin/users/{ada['id']}"
    edit = http.get(path).text
    assert " disabled" in _input(edit, "given_name") and " disabled" not in _input(edit, "picture")
    refused = http.post(path, data={"csrf_token": form_token(http, path), "given_name": "Eve"})
    assert refused.status_code == 400 and "anaged by the directory" in refused.text
    kept = http.post(path, data={"csrf_token": form_token(http, path), "locale": "en-GB", "ca.team": "red"})
    assert kept.status_code == 200, kept.text
    after = _user(api, ada["id"])
    assert after["user_profile"]["given_name"] == "Ada" and after["user_profile"]["locale"] == "en-GB"
    assert after["user_profile"]["custom_attributes"] == {"department": "Research", "team": "red"}
    # The management API is the application's: it may still change them.
    changed = api.patch(f"/api/v1/users/{ada['id']}", json={"user_profile": {"given_name": "Ada L."}})
    assert changed.status_code == 200, changed.text
