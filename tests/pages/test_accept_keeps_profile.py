"""An existing user accepting an invitation into a second organization keeps what they saved
(issue 15 item 11): the page shows their saved attributes, asks only for what is missing, and
submitting it erases nothing (a date, a boolean). And the dashboard's "add as active member"
asks, on its own form, for the required attributes a new member lacks."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tenantry.server.services.identity import admins
from tests.helpers import Api
from tests.oidc.conftest import PASSWORD, form_token


def define(api: Api, key: str, kind: str, **fields) -> None:
    definition = {"key": key, "display_name": key.replace("_", " ").title(), "type": kind, **fields}
    response = api.post("/api/v1/user-attributes", json=definition)
    assert response.status_code == 201, response.text


def inputs(html: str) -> set[str]:
    return set(re.findall(r'<(?:input|select)[^>]*name="(ca\.[a-z_]+)"', html))


def test_an_existing_user_sees_their_saved_values_and_is_asked_only_for_the_missing_one(http: TestClient, api: Api):
    define(api, "start_date", "date", collect_on_signup=True)
    define(api, "newsletter", "boolean", collect_on_signup=True)
    saved = {"start_date": "2024-03-01", "newsletter": True}
    ann = api.signup("ann@example.com", PASSWORD, user_profile={"custom_attributes": saved}).json()["user"]
    define(api, "team", "string", required=True, collect_on_signup=True)  # added after Ann signed up
    api.user_in(api.org("Second")["id"], "ann@example.com")
    token = api.invitation_token("ann@example.com")

    page = http.get("/invitations/accept", params={"token": token})
    assert page.status_code == 200
    assert inputs(page.text) == {"ca.team"}  # only what is missing is asked
    assert 'data-saved="start_date">2024-03-01<' in page.text and 'data-saved="newsletter">Yes<' in page.text

    # A browser sends the form as shown: no box for the saved boolean, nothing for the date.
    csrf = form_token(http, "/login")
    missing = http.post("/invitations/accept", data={"token": token, "csrf_token": csrf}, follow_redirects=False)
    assert missing.status_code == 400 and 'id="ca.team-error"' in missing.text
    assert inputs(missing.text) == {"ca.team"}
    joined = http.post(
        "/invitations/accept", data={"token": token, "ca.team": "Blue", "csrf_token": csrf}, follow_redirects=False
    )
    assert joined.status_code == 303, joined.text
    profile = api.get(f"/api/v1/users/{ann['id']}").json()["user"]["user_profile"]
    assert profile["custom_attributes"] == {"start_date": "2024-03-01", "newsletter": True, "team": "Blue"}


def test_adding_an_active_member_on_the_dashboard_asks_for_required_attributes_on_the_form(
    http: TestClient, api: Api, context
):
    define(api, "department", "enum", required=True, options=["Sales", "R&D"])
    define(api, "badge", "string", required=True)
    org = api.org("Acme")["id"]
    admins.create(context, "root@ops.example", "correct horse battery staple")
    login = {"email": "root@ops.example", "password": "correct horse battery staple", "next": "/admin/organizations"}
    signed_in = http.post(
        "/admin/login", data={**login, "csrf_token": form_token(http, "/admin/login")}, follow_redirects=False
    )
    assert signed_in.status_code == 303
    page = f"/admin/organizations/{org}"

    first = http.post(
        f"{page}/members", data={"email": "new@example.com", "role": "member", "csrf_token": form_token(http, page)}
    )
    assert first.status_code == 400
    assert "fill in the required details below" in first.text
    assert inputs(first.text) == {"ca.department", "ca.badge"}
    assert 'id="ca.department-error"' in first.text and 'id="ca.badge-error"' in first.text
    assert api.get(f"/api/v1/organizations/{org}/users").json()["users"] == []

    second = http.post(
        f"{page}/members",
        data={
            "email": "new@example.com",
            "role": "member",
            "with_attributes": "true",
            "ca.department": "R&D",
            "ca.badge": "B-7",
            "csrf_token": form_token(http, page),
        },
        follow_redirects=False,
    )
    assert second.status_code == 303, second.text
    (user,) = api.get(f"/api/v1/organizations/{org}/users").json()["users"]
    assert user["memberships"][0]["membership_status"] == "ACTIVE"
    assert user["user_profile"]["custom_attributes"] == {"department": "R&D", "badge": "B-7"}
