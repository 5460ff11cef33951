"""Pages never print text from their own query string (issue 15 item 8): ``?notice=`` takes a
fixed key (unknown keys show nothing), the switcher names the session's current organization.
Otherwise a link to our site could carry a phishing sentence under our branding."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tenantry.server.services.identity import admins
from tests.oidc.conftest import PASSWORD, form_token

PHISH = "Your account is locked. Call +1 555 0100 to unlock it"


def admin_signed_in(http: TestClient, context) -> TestClient:
    admins.create(context, "root@ops.example", "correct horse battery staple")
    data = {"email": "root@ops.example", "password": "correct horse battery staple", "next": "/admin/organizations"}
    response = http.post(
        "/admin/login", data={**data, "csrf_token": form_token(http, "/admin/login")}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return http


def user_signed_in(http: TestClient, api, email: str = "ada@example.com") -> str:
    """Ada, signed in, admin of her own organization; returns its id."""
    assert api.signup(email, PASSWORD, organization={"display_name": "Acme"}).status_code == 201
    data = {"email": email, "password": PASSWORD, "csrf_token": form_token(http, "/login")}
    response = http.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 303
    (user,) = [u for u in api.get("/api/v1/users").json()["users"] if u["email"] == email]
    return str(user["memberships"][0]["organization_id"])


@pytest.mark.parametrize(
    "path", ["/admin/organizations", "/admin/configuration", "/admin/users", "/admin/attributes", "/admin/webhooks"]
)
def test_the_dashboard_shows_no_text_from_the_query_string(http, context, path):
    admin_signed_in(http, context)
    page = http.get(path, params={"notice": PHISH, "count": "1"})
    assert page.status_code == 200 and "Call +1 555" not in page.text
    assert 'role="status"' not in page.text or "alert success" not in page.text


def test_the_dashboard_shows_fixed_notices_by_key(http, context):
    admin_signed_in(http, context)
    assert "Settings saved." in http.get("/admin/configuration", params={"notice": "settings_saved"}).text
    counted = http.get("/admin/attributes", params={"notice": "attribute_deleted", "count": "3"}).text
    assert "removed from 3 profile(s)" in counted
    tampered = http.get("/admin/attributes", params={"notice": "attribute_deleted", "count": "3 <b>x</b>"}).text
    assert "removed from" not in tampered  # a count is a number or nothing is shown


def test_the_hosted_pages_show_no_text_from_the_query_string(http, api):
    org = user_signed_in(http, api)
    members = http.get(f"/organizations/{org}/members", params={"notice": PHISH})
    assert members.status_code == 200 and "Call +1 555" not in members.text
    assert "Invitation sent." in http.get(f"/organizations/{org}/members", params={"notice": "invited"}).text
    switcher = http.get("/organizations", params={"notice": PHISH})
    assert switcher.status_code == 200 and "Call +1 555" not in switcher.text and "You joined" not in switcher.text
    # the name comes from the session's current organization, never from the address bar
    assert "You joined Acme; it is now your current" in http.get("/organizations", params={"notice": "joined"}).text
