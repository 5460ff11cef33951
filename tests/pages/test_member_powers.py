"""The hosted members page obeys Tenantry's permissions (SPEC §9): a custom role with only
``tenantry:members:read`` sees the members but not the invite form; managing needs
``tenantry:members:manage``; the last admin stays (issue 16 item 8, issue 15 item 10)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tenantry.server.app import create_app
from tests.helpers import Api, held_roles
from tests.oidc.conftest import form_token, sign_in

PASSWORD = "a long and unusual passphrase"


@pytest.fixture
def people(context) -> Iterator[tuple[TestClient, TestClient, Api]]:
    app = create_app(context=context)
    with TestClient(app, follow_redirects=False) as owner, TestClient(app, follow_redirects=False) as clerk:
        yield owner, clerk, Api.login(owner)


def post(browser: TestClient, page: str, action: str, **data: str):
    return browser.post(f"{page}/{action}", data={**data, "csrf_token": form_token(browser, page)})


def test_a_role_with_only_members_read_sees_members_but_cannot_invite_or_manage(people):
    owner, clerk, api = people
    billing = {"name": "billing", "display_name": "Billing desk", "permissions": ["tenantry:members:read"]}
    assert api.post("/api/v1/roles", json={"role": billing}).status_code == 201
    signed = api.signup(
        "ada@example.com",
        PASSWORD,
        user_profile={"given_name": "Ada", "family_name": "Lovelace"},
        organization={"display_name": "Engines"},
    ).json()
    org, ada = signed["organization"]["id"], signed["user"]
    bob = api.signup("bob@example.com", PASSWORD, user_profile={"given_name": "Bob"}).json()["user"]
    added = api.post(
        f"/api/v1/memberships/organizations/{org}/users/{bob['id']}",
        params={"send_invitation_email": "false"},
        json={"roles": [{"name": "billing"}]},
    )
    assert added.status_code == 201, added.text
    page = f"/organizations/{org}/members"
    # The page's forms name memberships: read them off a manager's view of the page.
    sign_in(owner, "ada@example.com", PASSWORD)
    forms = owner.get(page).text
    ids = {
        email: re.search(rf'data-member="{re.escape(email)}".*?{page}/(mem_\w+)/roles', forms, re.S).group(1)  # type: ignore[union-attr]
        for email in ("ada@example.com", "bob@example.com")
    }
    ada_m, bob_m = ids["ada@example.com"], ids["bob@example.com"]

    sign_in(clerk, "bob@example.com", PASSWORD)
    assert f'href="{page}"' in clerk.get("/organizations").text  # the switcher links to it
    seen = clerk.get(page)
    assert seen.status_code == 200, seen.text
    assert "Ada Lovelace" in seen.text and "ada@example.com" in seen.text  # members with names
    assert "Billing desk" in seen.text and "Admin" in seen.text  # roles with display names
    assert "Invite someone" not in seen.text and f'action="{page}/invite"' not in seen.text
    assert "Change role" not in seen.text and "/remove" not in seen.text
    assert post(clerk, page, "invite", email="eve@example.com").status_code == 403
    assert post(clerk, page, f"{ada_m}/remove").status_code == 403
    assert post(clerk, page, f"{ada_m}/roles", role="member").status_code == 403
    assert api.membership(ada, org)["roles"] == held_roles("admin")

    managed = owner.get(page).text
    assert f'action="{page}/invite"' in managed and "Change role" in managed
    # The last admin cannot demote or remove herself.
    refused = post(owner, page, f"{ada_m}/roles", role="member")
    assert refused.status_code == 409 and "last member who can manage members" in refused.text
    assert post(owner, page, f"{ada_m}/remove").status_code == 409
    # She changes Bob's role: without the read power he no longer sees the page.
    assert post(owner, page, f"{bob_m}/roles", role="member").status_code == 303
    assert api.membership(bob, org)["roles"] == held_roles("member")
    assert clerk.get(page).status_code == 403
    assert f'href="{page}"' not in clerk.get("/organizations").text
    assert post(owner, page, f"{bob_m}/remove").status_code == 303
    assert "bob@example.com" not in owner.get(page).text


def test_organization_settings_need_the_power_to_manage_the_organization(people):
    owner, clerk, api = people
    steward = {"name": "steward", "display_name": "Steward", "permissions": ["tenantry:organization:manage"]}
    assert api.post("/api/v1/roles", json={"role": steward}).status_code == 201
    org = api.signup("ada@example.com", PASSWORD, organization={"display_name": "Engines"}).json()["organization"]["id"]
    bob = api.signup("bob@example.com", PASSWORD).json()["user"]
    added = api.post(
        f"/api/v1/memberships/organizations/{org}/users/{bob['id']}",
        params={"send_invitation_email": "false"},
        json={"roles": [{"name": "member"}]},
    )
    assert added.status_code == 201, added.text
    page = f"/organizations/{org}/settings"

    sign_in(clerk, "bob@example.com", PASSWORD)
    assert f'href="{page}"' not in clerk.get("/organizations").text
    assert clerk.get(page).status_code == 403
    sign_in(owner, "ada@example.com", PASSWORD)
    refused = clerk.post(page, data={"display_name": "Mine now", "csrf_token": form_token(clerk, "/organizations")})
    assert refused.status_code == 403
    assert api.get(f"/api/v1/organizations/{org}").json()["organization"]["display_name"] == "Engines"

    # Bob gets the steward role: he may change the settings, but not see or manage members.
    changed = api.patch(
        f"/api/v1/memberships/organizations/{org}/users/{bob['id']}", json={"roles": [{"name": "steward"}]}
    )
    assert changed.status_code == 200, changed.text
    assert f'href="{page}"' in clerk.get("/organizations").text
    form = clerk.get(page)
    assert form.status_code == 200 and 'value="Engines"' in form.text and "/members" not in form.text
    bad = clerk.post(page, data={"display_name": "", "logo_url": "ftp://x", "csrf_token": form_token(clerk, page)})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text
    saved = clerk.post(
        page,
        data={
            "display_name": "Difference Engines",
            "logo_url": "https://cdn.example.com/e.png",
            "csrf_token": form_token(clerk, page),
        },
    )
    assert saved.status_code == 303, saved.text
    org_now = api.get(f"/api/v1/organizations/{org}").json()["organization"]
    assert org_now["display_name"] == "Difference Engines" and org_now["logo_url"] == "https://cdn.example.com/e.png"
    assert "Settings saved." in clerk.get(saved.headers["location"]).text
    assert clerk.get(f"/organizations/{org}/members").status_code == 403
    # The admin (every tenantry: power) reaches it from the members page; a stale form is refused.
    assert f'href="{page}"' in owner.get(f"/organizations/{org}/members").text
    assert owner.post(page, data={"display_name": "X", "csrf_token": "stale"}).status_code == 403
    assert api.get(f"/api/v1/organizations/{org}").json()["organization"]["display_name"] == "Difference Engines"
