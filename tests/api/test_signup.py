"""POST /api/v1/signup (SPEC §1 `signup_enabled`, API.md "Headless sign-up"), and invitations
while sign-up is closed (SPEC §5)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import Api, held_roles

PASSWORD = "correct horse battery"


def total_users(api: Api) -> int:
    response = api.get("/api/v1/users")
    assert response.status_code == 200, response.text
    return int(response.json()["total_size"])


def total_organizations(api: Api) -> int:
    response = api.get("/api/v1/organizations")
    assert response.status_code == 200, response.text
    return int(response.json()["total_size"])


def detail_fields(response: Any) -> set[str]:
    return {detail["field"] for detail in response.json()["details"]}


def password_login_status(http: TestClient, email: str, password: str) -> int:
    """Status of the hosted log-in form for these credentials (303/302 ok, 401 refused)."""
    page = http.get("/login")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF token on the log-in page"
    response = http.post(
        "/login",
        data={"csrf_token": match.group(1), "email": email, "password": password},
        follow_redirects=False,
    )
    return response.status_code


# --- the happy path --------------------------------------------------------------------------


def test_sign_up_returns_201_with_the_user_and_the_organization_they_own(api: Api):
    response = api.signup(
        "ada@example.com",
        user_profile={"given_name": "Ada", "family_name": "Lovelace"},
        organization={"display_name": "Analytical Engines"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"user", "organization"}
    user, org = body["user"], body["organization"]
    assert user["id"].startswith("usr_")
    assert user["email"] == "ada@example.com"
    assert user["user_profile"]["given_name"] == "Ada"
    assert user["user_profile"]["family_name"] == "Lovelace"
    assert org["id"].startswith("org_")
    assert org["display_name"] == "Analytical Engines"
    assert len(user["memberships"]) == 1
    membership = user["memberships"][0]
    assert membership["organization_id"] == org["id"]
    assert membership["membership_status"] == "ACTIVE"
    assert membership["roles"] == held_roles("admin")
    assert membership["invite_expires_at"] is None
    assert membership["join_time"] is not None


def test_sign_up_is_stored_user_and_organization_are_readable_afterwards(api: Api):
    body = api.signup("ada@example.com", organization={"display_name": "Engines"}).json()
    user_id, org_id = body["user"]["id"], body["organization"]["id"]

    stored_user = api.get(f"/api/v1/users/{user_id}")
    assert stored_user.status_code == 200
    [membership] = stored_user.json()["user"]["memberships"]
    assert membership["organization_id"] == org_id
    assert membership["membership_status"] == "ACTIVE"
    assert membership["roles"] == held_roles("admin")

    stored_org = api.get(f"/api/v1/organizations/{org_id}")
    assert stored_org.status_code == 200
    assert stored_org.json()["organization"]["display_name"] == "Engines"

    members = api.get(f"/api/v1/organizations/{org_id}/users").json()
    assert members["total_size"] == 1
    assert members["users"][0]["id"] == user_id
    assert total_users(api) == 1
    assert total_organizations(api) == 1
    assert api.seats_used(org_id) == 1


def test_sign_up_sets_the_password(api: Api, http: TestClient):
    assert api.signup("ada@example.com", password=PASSWORD).status_code == 201
    assert password_login_status(http, "ada@example.com", "a different passphrase") == 401
    assert password_login_status(http, "ada@example.com", PASSWORD) in (302, 303)


def test_without_an_organization_name_a_default_name_is_used(api: Api):
    named = api.signup("grace@example.com", user_profile={"given_name": "Grace"})
    assert named.status_code == 201, named.text
    name = named.json()["organization"]["display_name"]
    assert name.strip()
    assert "Grace" in name
    assert named.json()["user"]["memberships"][0]["name"] == name

    anonymous = api.signup("linus@example.com")
    assert anonymous.status_code == 201, anonymous.text
    assert "linus" in anonymous.json()["organization"]["display_name"]


def test_the_default_organization_name_uses_the_meta_name(api: Api):
    api.settings(organization_meta_name={"singular": "Workspace", "plural": "Workspaces"})
    response = api.signup("grace@example.com", user_profile={"given_name": "Grace"})
    assert response.status_code == 201, response.text
    name = response.json()["organization"]["display_name"]
    assert "Grace" in name
    assert "Workspace" in name
    assert "Organization" not in name


def test_each_sign_up_creates_its_own_organization(api: Api):
    first = api.signup("a@example.com", organization={"display_name": "Same name"}).json()
    second = api.signup("b@example.com", organization={"display_name": "Same name"}).json()
    assert first["organization"]["id"] != second["organization"]["id"]
    assert total_organizations(api) == 2
    assert api.get(f"/api/v1/organizations/{first['organization']['id']}/users").json()["total_size"] == 1


# --- sign-up switched off ----------------------------------------------------------------------


def test_disabled_sign_up_is_403_signup_disabled_and_creates_nothing(api: Api):
    assert api.settings(signup_enabled=False)["signup_enabled"] is False
    response = api.signup("bob@example.com", organization={"display_name": "Bob's"})
    assert response.status_code == 403
    assert response.json()["code"] == "signup_disabled"
    assert response.json()["message"]
    assert total_users(api) == 0
    assert total_organizations(api) == 0


def test_disabled_sign_up_refuses_before_looking_at_the_password(api: Api):
    api.settings(signup_enabled=False)
    response = api.signup("bob@example.com", password="short")
    assert response.status_code == 403
    assert response.json()["code"] == "signup_disabled"
    assert total_users(api) == 0


def test_re_enabling_sign_up_lets_people_register_again(api: Api):
    api.settings(signup_enabled=False)
    assert api.signup("bob@example.com").status_code == 403
    assert api.settings(signup_enabled=True)["signup_enabled"] is True
    response = api.signup("bob@example.com")
    assert response.status_code == 201, response.text
    assert response.json()["user"]["email"] == "bob@example.com"
    assert total_users(api) == 1
    assert total_organizations(api) == 1


def test_the_setting_is_read_back(api: Api):
    assert api.get("/api/v1/environment/settings").json()["settings"]["signup_enabled"] is True
    api.settings(signup_enabled=False)
    assert api.get("/api/v1/environment/settings").json()["settings"]["signup_enabled"] is False


def test_invitations_still_work_while_sign_up_is_disabled(api: Api, http: TestClient):
    api.settings(signup_enabled=False)
    org = api.org("Invite only")["id"]
    invited = api.user_in(org, "bob@example.com")
    assert invited["memberships"][0]["membership_status"] == "PENDING_INVITE"

    accepted = api.accept(api.invitation_token("bob@example.com"), password=PASSWORD)
    assert accepted.status_code == 200, accepted.text
    user, organization = accepted.json()["user"], accepted.json()["organization"]
    assert user["id"] == invited["id"]
    assert user["email_verified"] is True
    assert organization["id"] == org
    [membership] = user["memberships"]
    assert membership["organization_id"] == org
    assert membership["membership_status"] == "ACTIVE"
    assert api.membership(user, org)["membership_status"] == "ACTIVE"
    assert api.get(f"/api/v1/users/{user['id']}").json()["user"]["email_verified"] is True
    assert password_login_status(http, "bob@example.com", PASSWORD) in (302, 303)

    # still closed for everyone else
    assert api.signup("carol@example.com").status_code == 403
    assert total_users(api) == 1


def test_adding_an_existing_user_by_invitation_works_while_sign_up_is_disabled(api: Api):
    owner = api.signup("ada@example.com").json()["user"]
    api.settings(signup_enabled=False)
    org = api.org("Second")["id"]
    response = api.post(
        f"/api/v1/memberships/organizations/{org}/users/{owner['id']}", json={"roles": [{"name": "member"}]}
    )
    assert response.status_code == 201, response.text
    accepted = api.accept(api.invitation_token("ada@example.com"))
    assert accepted.status_code == 200, accepted.text
    assert api.membership(owner, org)["membership_status"] == "ACTIVE"
    assert len(api.get(f"/api/v1/users/{owner['id']}").json()["user"]["memberships"]) == 2


# --- refusals ----------------------------------------------------------------------------------


def test_duplicate_email_in_another_case_is_409_already_exists_and_writes_nothing(api: Api):
    first = api.signup("Ada@Example.com", organization={"display_name": "First"})
    assert first.status_code == 201, first.text
    for email in ("ada@example.com", "ADA@EXAMPLE.COM", "Ada@Example.com"):
        response = api.signup(email, organization={"display_name": "Second"})
        assert response.status_code == 409, email
        assert response.json()["code"] == "already_exists"
    assert total_users(api) == 1
    assert total_organizations(api) == 1


def test_signing_up_with_the_email_of_an_invited_user_is_409(api: Api):
    org = api.org("Acme")["id"]
    invited = api.user_in(org, "bob@example.com")
    response = api.signup("BOB@example.com")
    assert response.status_code == 409
    assert response.json()["code"] == "already_exists"
    assert total_users(api) == 1
    assert total_organizations(api) == 1
    assert api.membership(invited, org)["membership_status"] == "PENDING_INVITE"


@pytest.mark.parametrize("password", ["", "a", "1234567", "seven77"])
def test_password_under_8_characters_is_400_on_password(api: Api, password: str):
    response = api.signup("ada@example.com", password=password)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_argument"
    assert "password" in detail_fields(response)
    assert total_users(api) == 0
    assert total_organizations(api) == 0


def test_password_of_exactly_8_characters_is_accepted(api: Api):
    response = api.signup("ada@example.com", password="q7#Lw9!z")
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("email", ["not-an-email", "ada@", "@example.com", "ada example@example.com", ""])
def test_invalid_email_is_400_on_email(api: Api, email: str):
    response = api.signup(email)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_argument"
    assert "email" in detail_fields(response)
    assert total_users(api) == 0
    assert total_organizations(api) == 0


def test_missing_fields_are_400_naming_them(api: Api, http: TestClient):
    response = http.post("/api/v1/signup", json={})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_argument"
    assert {"email", "password"} <= detail_fields(response)


def test_blank_organization_name_is_400_and_writes_nothing(api: Api):
    response = api.signup("ada@example.com", organization={"display_name": "   "})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_argument"
    assert any(field.startswith("organization") for field in detail_fields(response))
    assert total_users(api) == 0
    assert total_organizations(api) == 0


def test_sign_up_needs_no_bearer_token(http: TestClient):
    response = http.post("/api/v1/signup", json={"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 201, response.text
