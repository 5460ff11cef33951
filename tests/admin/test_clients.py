"""The Applications and API clients tabs in a real browser: secrets shown once and never
again, rotation that cuts the old secret off, deletion after a confirmation page."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.admin.signed_in import dashboard  # noqa: F401  (fixture)
from tests.helpers import Api
from tests.pages.conftest import shoot


def shown_secret(page: Page) -> tuple[str, str]:
    """(client id, secret) from the shown-once panel."""
    panel = page.locator(".secret")
    expect(panel).to_contain_text("shown only once")
    codes = panel.locator("code").all_inner_texts()
    return codes[0], codes[1]


def code_grant(site: str, client_id: str, secret: str) -> httpx.Response:
    """A token request with a made-up code: the secret is checked first, so a right one gets
    400 invalid_grant (the code) and a wrong one 401 invalid_client."""
    return httpx.post(
        f"{site}/oauth/token",
        data={"grant_type": "authorization_code", "code": "made-up", "redirect_uri": "https://app.example/cb"},
        auth=(client_id, secret),
        timeout=30,
    )


def client_token(site: str, client_id: str, secret: str) -> httpx.Response:
    return httpx.post(
        f"{site}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        timeout=30,
    )


def test_application_create_edit_rotate_delete(dashboard: Page, site: str, site_api: Api) -> None:  # noqa: F811
    dashboard.get_by_role("link", name="Applications").click()
    dashboard.get_by_label("Name").fill("Customer portal")
    dashboard.get_by_role("textbox", name=re.compile("^Redirect URIs")).fill(
        "https://app.example/cb\nhttp://evil.example/cb"
    )
    dashboard.get_by_role("button", name="Register application").click()
    expect(dashboard.locator("#redirect_uris-error")).to_contain_text("Line 2")
    assert site_api.get("/api/v1/applications").json()["applications"] == []

    dashboard.get_by_role("textbox", name=re.compile("^Redirect URIs")).fill(
        "https://app.example/cb\n\nhttp://localhost:3000/cb\n"
    )
    dashboard.get_by_label("Post-logout redirect URIs").fill("https://app.example/bye")
    dashboard.get_by_role("button", name="Register application").click()
    client_id, secret = shown_secret(dashboard)
    shoot(dashboard, "admin-application-created")
    assert code_grant(site, client_id, secret).json()["error"] == "invalid_grant"
    [app] = site_api.get("/api/v1/applications").json()["applications"]
    assert (app["id"], app["name"], app["type"]) == (client_id, "Customer portal", "confidential")
    assert app["redirect_uris"] == ["https://app.example/cb", "http://localhost:3000/cb"]
    assert app["post_logout_redirect_uris"] == ["https://app.example/bye"]

    dashboard.goto("/admin/applications")  # the list and the detail never show the secret again
    dashboard.get_by_role("link", name="Customer portal").click()
    expect(dashboard.locator("main")).to_contain_text(client_id)
    assert secret not in dashboard.content()

    dashboard.get_by_label("Name").fill("Portal")
    dashboard.get_by_role("textbox", name=re.compile("^Redirect URIs")).fill("")
    dashboard.get_by_role("button", name="Save changes").click()
    expect(dashboard.locator("#redirect_uris-error")).to_be_visible()
    dashboard.get_by_role("textbox", name=re.compile("^Redirect URIs")).fill("https://portal.example/cb")
    dashboard.get_by_role("button", name="Save changes").click()
    expect(dashboard.get_by_role("status")).to_contain_text("Changes saved")
    app = site_api.get(f"/api/v1/applications/{client_id}").json()["application"]
    assert (app["name"], app["redirect_uris"]) == ("Portal", ["https://portal.example/cb"])

    dashboard.get_by_role("link", name="Rotate secret…").click()
    expect(dashboard.get_by_role("heading", name="Rotate the secret of Portal?")).to_be_visible()
    assert code_grant(site, client_id, secret).status_code == 400  # asking changes nothing
    dashboard.get_by_role("button", name="Rotate secret").click()
    same_id, new_secret = shown_secret(dashboard)
    assert same_id == client_id and new_secret != secret
    assert code_grant(site, client_id, secret).json()["error"] == "invalid_client"
    assert code_grant(site, client_id, new_secret).json()["error"] == "invalid_grant"

    dashboard.get_by_role("link", name="Delete application…").click()
    expect(dashboard.locator("main")).to_contain_text("Refresh tokens it holds are revoked")
    dashboard.get_by_role("button", name="Delete application").click()
    expect(dashboard.get_by_role("status")).to_contain_text("Application deleted")
    assert code_grant(site, client_id, new_secret).json()["error"] == "invalid_client"
    assert site_api.get(f"/api/v1/applications/{client_id}").status_code == 404


def test_public_application_has_no_secret(dashboard: Page, site_api: Api) -> None:  # noqa: F811
    dashboard.goto("/admin/applications")
    dashboard.get_by_label("Name").fill("Mobile app")
    dashboard.get_by_label("Public").check()
    dashboard.get_by_role("textbox", name=re.compile("^Redirect URIs")).fill("com.example.app:/callback")
    dashboard.get_by_role("button", name="Register application").click()
    expect(dashboard.get_by_role("heading", name="Mobile app")).to_be_visible()
    expect(dashboard.locator(".secret")).to_have_count(0)
    expect(dashboard.get_by_role("link", name="Rotate secret…")).to_have_count(0)
    [app] = site_api.get("/api/v1/applications").json()["applications"]
    assert app["type"] == "public"


def test_api_client_create_rotate_delete(dashboard: Page, site: str) -> None:  # noqa: F811
    dashboard.get_by_role("link", name="API clients").click()
    dashboard.get_by_label("Name").fill("   ")
    dashboard.get_by_role("button", name="Create API client").click()
    expect(dashboard.locator("#name-error")).to_be_visible()

    dashboard.get_by_label("Name").fill("billing service")
    dashboard.get_by_role("button", name="Create API client").click()
    client_id, secret = shown_secret(dashboard)
    shoot(dashboard, "admin-api-clients")
    token = client_token(site, client_id, secret)
    assert token.status_code == 200, token.text
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert httpx.get(f"{site}/api/v1/organizations", headers=bearer, timeout=30).status_code == 200

    dashboard.goto("/admin/api-clients")
    dashboard.get_by_role("link", name="Rotate the secret of bootstrap").click()  # it says what start-up does
    expect(dashboard.locator("main")).to_contain_text("set back to TENANTRY_BOOTSTRAP_CLIENT_SECRET")
    dashboard.get_by_role("link", name="Cancel").click()
    row = dashboard.get_by_role("row", name=re.compile("billing service"))
    expect(row).to_contain_text(client_id)
    assert secret not in dashboard.content()

    dashboard.get_by_role("link", name="Rotate the secret of billing service").click()
    expect(dashboard.locator("main")).to_contain_text("Access tokens issued with it are revoked")
    assert httpx.get(f"{site}/api/v1/organizations", headers=bearer, timeout=30).status_code == 200
    dashboard.get_by_role("button", name="Rotate secret").click()
    same_id, new_secret = shown_secret(dashboard)
    assert same_id == client_id and new_secret != secret
    assert client_token(site, client_id, secret).status_code == 401
    assert httpx.get(f"{site}/api/v1/organizations", headers=bearer, timeout=30).status_code == 401
    assert client_token(site, client_id, new_secret).status_code == 200

    dashboard.goto("/admin/api-clients")
    dashboard.get_by_role("link", name="Delete billing service").click()
    dashboard.get_by_role("button", name="Delete API client").click()
    expect(dashboard.get_by_role("status")).to_contain_text("API client deleted")
    expect(dashboard.get_by_role("row", name=re.compile("billing service"))).to_have_count(0)
    assert client_token(site, client_id, new_secret).status_code == 401
