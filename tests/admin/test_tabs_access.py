"""Every route of the dashboard: without a session it sends the browser to the log-in page;
with one, a POST without the form's CSRF token is refused and changes nothing. The list of
routes is checked against the app's, so a new page cannot be left out."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tenantry.server.context import Context
from tenantry.server.http.admin.router import TABS
from tenantry.server.services.identity import admins
from tenantry.server.services.integration import clients
from tests.admin.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.helpers import Api, assert_problem, token_for

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
PUBLIC = {
    ("GET", "/admin"),
    ("GET", "/admin/login"),
    ("POST", "/admin/login"),
    ("POST", "/admin/logout"),
    ("GET", "/admin/setup"),
    ("POST", "/admin/setup"),
}
ROUTES = (  # (method, path template); {action} stands for both confirmation pages
    ("GET", "/admin/configuration"),
    ("POST", "/admin/configuration"),
    ("GET", "/admin/mfa"),
    ("POST", "/admin/mfa/begin"),
    ("POST", "/admin/mfa/setup"),
    ("POST", "/admin/mfa/remove"),
    ("GET", "/admin/attributes"),
    ("GET", "/admin/attributes/new"),
    ("POST", "/admin/attributes"),
    ("GET", "/admin/attributes/{key}"),
    ("POST", "/admin/attributes/{key}"),
    ("POST", "/admin/attributes/{key}/move"),
    ("GET", "/admin/attributes/{key}/delete"),
    ("POST", "/admin/attributes/{key}/delete"),
    ("GET", "/admin/organizations"),
    ("POST", "/admin/organizations"),
    ("GET", "/admin/organizations/{organization_id}"),
    ("POST", "/admin/organizations/{organization_id}"),
    ("POST", "/admin/organizations/{organization_id}/limits"),
    ("POST", "/admin/organizations/{organization_id}/mfa"),
    ("POST", "/admin/organizations/{organization_id}/portal-link"),
    ("GET", "/admin/organizations/{organization_id}/delete"),
    ("POST", "/admin/organizations/{organization_id}/delete"),
    ("POST", "/admin/organizations/{organization_id}/members"),
    ("POST", "/admin/organizations/{organization_id}/members/{user_id}/resend"),
    ("POST", "/admin/organizations/{organization_id}/members/{user_id}/revoke"),
    ("POST", "/admin/organizations/{organization_id}/members/{user_id}/remove"),
    ("POST", "/admin/organizations/{organization_id}/members/{user_id}/roles"),
    ("GET", "/admin/organizations/{organization_id}/domains"),
    ("POST", "/admin/organizations/{organization_id}/domains"),
    ("POST", "/admin/organizations/{organization_id}/domains/settings"),
    ("POST", "/admin/organizations/{organization_id}/domains/{domain_id}/verify"),
    ("POST", "/admin/organizations/{organization_id}/domains/{domain_id}/approve"),
    ("POST", "/admin/organizations/{organization_id}/domains/{domain_id}/delete"),
    ("GET", "/admin/organizations/{organization_id}/connections"),
    ("POST", "/admin/organizations/{organization_id}/connections"),
    ("GET", "/admin/organizations/{organization_id}/connections/{connection_id}"),
    ("POST", "/admin/organizations/{organization_id}/connections/{connection_id}"),
    ("POST", "/admin/organizations/{organization_id}/connections/{connection_id}/enable"),
    ("POST", "/admin/organizations/{organization_id}/connections/{connection_id}/disable"),
    ("POST", "/admin/organizations/{organization_id}/connections/{connection_id}/delete"),
    ("GET", "/admin/organizations/{organization_id}/directories"),
    ("POST", "/admin/organizations/{organization_id}/directories"),
    ("GET", "/admin/organizations/{organization_id}/directories/{directory_id}"),
    ("POST", "/admin/organizations/{organization_id}/directories/{directory_id}/attributes"),
    ("POST", "/admin/organizations/{organization_id}/directories/{directory_id}"),
    ("POST", "/admin/organizations/{organization_id}/directories/{directory_id}/rotate"),
    ("POST", "/admin/organizations/{organization_id}/directories/{directory_id}/roles"),
    ("POST", "/admin/organizations/{organization_id}/directories/{directory_id}/delete"),
    ("GET", "/admin/organizations/{organization_id}/provisioning"),
    ("GET", "/admin/invitations"),
    ("POST", "/admin/invitations/{organization_id}/{user_id}/resend"),
    ("POST", "/admin/invitations/{organization_id}/{user_id}/revoke"),
    ("GET", "/admin/administrators"),
    ("POST", "/admin/administrators"),
    ("POST", "/admin/administrators/{admin_id}/delete"),
    ("GET", "/admin/webhooks"),
    ("POST", "/admin/webhooks"),
    ("GET", "/admin/webhooks/{webhook_id}"),
    ("POST", "/admin/webhooks/{webhook_id}"),
    ("GET", "/admin/webhooks/{webhook_id}/{action}"),
    ("POST", "/admin/webhooks/{webhook_id}/rotate"),
    ("POST", "/admin/webhooks/{webhook_id}/delete"),
    ("GET", "/admin/webhooks/{webhook_id}/deliveries/{delivery_id}"),
    ("POST", "/admin/webhooks/{webhook_id}/deliveries/{delivery_id}/replay"),
    ("GET", "/admin/events"),
    ("GET", "/admin/users"),
    ("GET", "/admin/users/{user_id}"),
    ("POST", "/admin/users/{user_id}"),
    ("POST", "/admin/users/{user_id}/sessions/end"),
    ("GET", "/admin/users/{user_id}/delete"),
    ("POST", "/admin/users/{user_id}/delete"),
    ("GET", "/admin/applications"),
    ("POST", "/admin/applications"),
    ("GET", "/admin/applications/{application_id}"),
    ("POST", "/admin/applications/{application_id}"),
    ("GET", "/admin/applications/{application_id}/{action}"),
    ("POST", "/admin/applications/{application_id}/rotate"),
    ("POST", "/admin/applications/{application_id}/delete"),
    ("GET", "/admin/api-clients"),
    ("POST", "/admin/api-clients"),
    ("GET", "/admin/api-clients/{client_id}/{action}"),
    ("POST", "/admin/api-clients/{client_id}/rotate"),
    ("POST", "/admin/api-clients/{client_id}/delete"),
    ("GET", "/admin/outbox"),
    ("GET", "/admin/roles"),
    ("POST", "/admin/roles"),
    ("POST", "/admin/roles/{name}"),
    ("POST", "/admin/roles/{name}/delete"),
    ("POST", "/admin/roles/-/defaults"),
    ("POST", "/admin/roles/-/permissions"),
    ("POST", "/admin/roles/-/permissions/{name}/delete"),
)


def test_the_list_names_every_route_of_the_dashboard() -> None:
    served = {
        (method, route.path)  # type: ignore[attr-defined]
        for module in TABS
        for route in module.router.routes
        for method in route.methods  # type: ignore[attr-defined]
    }
    assert served - PUBLIC == set(ROUTES)


@pytest.fixture
def targets(api: Api, context: Context) -> dict[str, str]:
    """A user, an application and an API client for the routes to name."""
    org = api.org("Engines")
    user = api.user_in(org["id"], "ada@engines.example", invite=False)
    response = api.post("/api/v1/applications", json={"name": "Portal", "redirect_uris": ["https://app.example/cb"]})
    assert response.status_code == 201, response.text
    client = clients.create_client(context, "billing")
    attribute = api.post("/api/v1/user-attributes", json={"key": "team", "display_name": "Team", "type": "string"})
    assert attribute.status_code == 201, attribute.text
    hook = api.post("/api/v1/webhooks", json={"url": "https://hooks.example/in"}).json()["webhook"]
    api.org("Another")  # an event, so the webhook has a delivery
    (delivery,) = api.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["deliveries"]
    return {
        "organization_id": org["id"],
        "key": "team",
        "webhook_id": hook["id"],
        "delivery_id": delivery["id"],
        "admin_id": "adm_00000000000000000000000000",
        "user_id": user["id"],
        "application_id": response.json()["application"]["id"],
        "client_id": client.id,
        "client_secret": client.secret,
        "name": "member",
        # refused before any look-up (no session, no CSRF token): ids that name nothing do
        "domain_id": "dom_00000000000000000000000000",
        "connection_id": "conn_00000000000000000000000000",
        "directory_id": "dir_00000000000000000000000000",
    }


def concrete(targets: dict[str, str]) -> list[tuple[str, str]]:
    paths = []
    for method, template in ROUTES:
        for action in ("rotate", "delete") if "{action}" in template else ("",):
            paths.append((method, template.format(action=action, **targets)))
    return paths


def test_without_a_session_every_route_leads_to_the_log_in(http: TestClient, targets: dict[str, str]) -> None:
    for method, path in concrete(targets):
        response = http.request(method, path, data={"name": "x"}, follow_redirects=False)
        assert response.status_code == 303, (method, path, response.status_code)
        expected = f"/admin/login?next={path}" if method == "GET" else "/admin/login"
        assert response.headers["location"] == expected, (method, path)


def signed_in(http: TestClient) -> str:
    """Sign the client in to the dashboard; returns the CSRF token of its pages."""
    page = http.get("/admin/login")
    token = CSRF.search(page.text)
    assert token, page.text
    response = http.post(
        "/admin/login",
        data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token.group(1), "next": "/admin/users"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/admin/users", response.text
    fresh = CSRF.search(http.get("/admin/users").text)  # the CSRF secret is renewed at sign-in
    assert fresh, "no form token on /admin/users"
    return fresh.group(1)


def test_with_a_session_a_post_without_the_csrf_token_is_refused(
    http: TestClient, api: Api, context: Context, targets: dict[str, str]
) -> None:
    admins.create(context, ADMIN_EMAIL, ADMIN_PASSWORD)
    good_token = signed_in(http)
    assert http.get("/admin/users").status_code == 200  # the session works
    for method, path in concrete(targets):
        if method != "POST":
            continue
        for sent in ({}, {"csrf_token": "0" * 64}, {"csrf_token": good_token[:-1]}):
            response = http.post(path, data={"name": "Renamed", **sent}, follow_redirects=False)
            assert response.status_code == 403, (path, sent, response.status_code)
            assert "did not come from this site" in response.text
    # Nothing happened: the user, the application and the client are as they were.
    assert api.get(f"/api/v1/users/{targets['user_id']}").status_code == 200
    application = api.get(f"/api/v1/applications/{targets['application_id']}").json()["application"]
    assert application["name"] == "Portal"
    assert token_for(http, targets["client_id"], targets["client_secret"])
    assert "Renamed" not in [c.name for c in clients.list_clients(context)]


def test_unknown_records_and_actions_get_the_dashboards_not_found_page(
    http: TestClient, api: Api, context: Context, targets: dict[str, str]
) -> None:
    admins.create(context, ADMIN_EMAIL, ADMIN_PASSWORD)
    token = signed_in(http)
    for path in (  # actions on records that do not exist answer as the API would: 404
        "/admin/invitations/org_00000000000000000000000000/usr_00000000000000000000000000/resend",
        f"/admin/organizations/{targets['organization_id']}/members/usr_00000000000000000000000000/remove",
        "/admin/administrators/adm_00000000000000000000000000/delete",
    ):
        assert http.post(path, data={"csrf_token": token}).status_code == 404, path
    for path in (
        "/admin/users/usr_00000000000000000000000000",
        "/admin/users/usr_00000000000000000000000000/delete",
        "/admin/applications/app_00000000000000000000000000",
        f"/admin/applications/{targets['application_id']}/frobnicate",
        f"/admin/api-clients/{targets['client_id']}/frobnicate",
        "/admin/api-clients/cli_00000000000000000000000000/rotate",
    ):
        response = http.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert "Not found" in response.text, path
    # The API keeps answering problem JSON.
    assert_problem(api.get("/api/v1/users/usr_00000000000000000000000000"), 404, "not_found")
