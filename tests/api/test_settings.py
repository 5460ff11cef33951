"""GET/PATCH /api/v1/environment/settings (API.md "Environment settings", SPEC §1)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from tests.helpers import Api

URL = "/api/v1/environment/settings"
FIFTEEN_DAYS = 15 * 24 * 3600
NINETY_DAYS = 90 * 24 * 3600


def current(api) -> dict:
    response = api.get(URL)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"settings"}
    return response.json()["settings"]


def refused(api, body, field: str) -> dict:
    """PATCH must answer 400 invalid_argument with a detail naming ``field``; returns the body."""
    response = api.patch(URL, json=body)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["code"] == "invalid_argument"
    assert isinstance(problem["message"], str) and problem["message"]
    fields = [d["field"] for d in problem["details"]]
    assert field in fields, problem["details"]
    return problem


def test_defaults_are_exactly_the_contract(api):
    settings = current(api)
    assert set(settings) == {
        "signup_enabled",
        "max_organizations_per_user",
        "invitation_expiry_seconds",
        "organization_meta_name",
        "branding",
        "mfa",
        "admin_mfa_required",
        "sign_in_methods",
    }
    assert settings["sign_in_methods"] == {"passkeys": True, "magic_link": False, "magic_link_lifetime_seconds": 600}
    assert settings["signup_enabled"] is True
    assert settings["mfa"] == "off" and settings["admin_mfa_required"] is False  # SPEC §13
    assert settings["max_organizations_per_user"] is None
    assert settings["invitation_expiry_seconds"] == 1296000 == FIFTEEN_DAYS
    assert settings["organization_meta_name"] == {"singular": "Organization", "plural": "Organizations"}
    branding = settings["branding"]
    assert set(branding) == {"app_name", "logo_url", "primary_color"}
    assert isinstance(branding["app_name"], str) and branding["app_name"]
    assert branding["logo_url"] is None
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", branding["primary_color"])


def test_settings_need_a_token(http):
    assert http.get(URL).status_code == 401
    response = http.patch(URL, json={"signup_enabled": False})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_partial_patch_changes_only_the_named_field(api):
    before = current(api)
    response = api.patch(URL, json={"signup_enabled": False})
    assert response.status_code == 200, response.text
    after = response.json()["settings"]
    assert after["signup_enabled"] is False
    assert {k: v for k, v in after.items() if k != "signup_enabled"} == {
        k: v for k, v in before.items() if k != "signup_enabled"
    }

    after = api.settings(invitation_expiry_seconds=3600)
    assert after["invitation_expiry_seconds"] == 3600
    assert after["signup_enabled"] is False  # the earlier change stays
    assert after["organization_meta_name"] == before["organization_meta_name"]
    assert after["branding"] == before["branding"]


def test_empty_patch_changes_nothing(api):
    before = current(api)
    response = api.patch(URL, json={})
    assert response.status_code == 200, response.text
    assert response.json()["settings"] == before
    assert current(api) == before


def test_nested_partial_patch_of_meta_name(api):
    after = api.settings(organization_meta_name={"singular": "Workspace"})
    assert after["organization_meta_name"] == {"singular": "Workspace", "plural": "Organizations"}
    after = api.settings(organization_meta_name={"plural": "Workspaces"})
    assert after["organization_meta_name"] == {"singular": "Workspace", "plural": "Workspaces"}
    assert current(api)["organization_meta_name"] == {"singular": "Workspace", "plural": "Workspaces"}


def test_nested_partial_patch_of_branding(api):
    before = current(api)["branding"]
    after = api.settings(branding={"primary_color": "#1A73E8"})["branding"]
    assert after["primary_color"].lower() == "#1a73e8"
    assert after["app_name"] == before["app_name"]
    assert after["logo_url"] is None

    after = api.settings(branding={"app_name": "Acme Cloud", "logo_url": "https://cdn.example.com/logo.png"})[
        "branding"
    ]
    assert after["app_name"] == "Acme Cloud"
    assert after["logo_url"] == "https://cdn.example.com/logo.png"
    assert after["primary_color"].lower() == "#1a73e8"

    after = api.settings(branding={"logo_url": None})["branding"]
    assert after == {"app_name": "Acme Cloud", "logo_url": None, "primary_color": after["primary_color"]}
    assert after["primary_color"].lower() == "#1a73e8"


def test_max_organizations_per_user_set_and_cleared_with_null(api):
    assert api.settings(max_organizations_per_user=3)["max_organizations_per_user"] == 3
    assert current(api)["max_organizations_per_user"] == 3
    # leaving it out keeps it
    assert api.settings(signup_enabled=True)["max_organizations_per_user"] == 3
    # sending null clears it
    assert api.settings(max_organizations_per_user=None)["max_organizations_per_user"] is None
    assert current(api)["max_organizations_per_user"] is None


def test_max_organizations_per_user_of_one_is_accepted(api):
    assert api.settings(max_organizations_per_user=1)["max_organizations_per_user"] == 1


@pytest.mark.parametrize("value", [0, -1])
def test_max_organizations_per_user_below_one_is_refused(api, value):
    api.settings(max_organizations_per_user=2)
    refused(api, {"max_organizations_per_user": value}, "max_organizations_per_user")
    assert current(api)["max_organizations_per_user"] == 2


@pytest.mark.parametrize("value", [59, 7776001, 0, -60])
def test_invitation_expiry_out_of_bounds_is_refused(api, value):
    refused(api, {"invitation_expiry_seconds": value}, "invitation_expiry_seconds")
    assert current(api)["invitation_expiry_seconds"] == FIFTEEN_DAYS


@pytest.mark.parametrize("value", [60, 7776000])
def test_invitation_expiry_bounds_are_inclusive(api, value):
    assert api.settings(invitation_expiry_seconds=value)["invitation_expiry_seconds"] == value
    assert current(api)["invitation_expiry_seconds"] == value
    assert value in (60, NINETY_DAYS)


def test_sign_in_methods_change_one_at_a_time_within_bounds(api):
    after = api.settings(sign_in_methods={"magic_link": True})["sign_in_methods"]
    assert after == {"passkeys": True, "magic_link": True, "magic_link_lifetime_seconds": 600}
    for bad in ({"magic_link_lifetime_seconds": 59}, {"magic_link_lifetime_seconds": 3601}, {"passkeys": "maybe"}):
        refused(api, {"sign_in_methods": bad}, f"sign_in_methods.{next(iter(bad))}")
    refused(api, {"sign_in_methods": {"passkeys": None}}, "sign_in_methods.passkeys")
    assert current(api)["sign_in_methods"] == after


@pytest.mark.parametrize("color", ["red", "#12345", "#1234567", "#gggggg", "1a73e8", ""])
def test_bad_primary_color_is_refused(api, color):
    before = current(api)
    refused(api, {"branding": {"primary_color": color}}, "branding.primary_color")
    assert current(api) == before


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_meta_name_is_refused(api, name):
    refused(api, {"organization_meta_name": {"singular": name}}, "organization_meta_name.singular")
    refused(api, {"organization_meta_name": {"plural": name}}, "organization_meta_name.plural")
    assert current(api)["organization_meta_name"] == {"singular": "Organization", "plural": "Organizations"}


def test_unknown_fields_are_refused(api):
    before = current(api)
    problem = refused(api, {"signup_enabled": False, "colour": "blue"}, "colour")
    assert "unknown_field" in [d["code"] for d in problem["details"]]
    refused(api, {"branding": {"font": "Comic Sans"}}, "branding.font")
    refused(api, {"organization_meta_name": {"dual": "x"}}, "organization_meta_name.dual")
    assert current(api) == before  # the valid part of a refused patch was not applied


def test_wrong_types_are_refused(api):
    refused(api, {"signup_enabled": "perhaps"}, "signup_enabled")
    refused(api, {"invitation_expiry_seconds": "soon"}, "invitation_expiry_seconds")
    refused(api, {"max_organizations_per_user": 1.5}, "max_organizations_per_user")
    refused(api, {"branding": "blue"}, "branding")
    assert current(api)["signup_enabled"] is True


def test_one_bad_field_refuses_the_whole_patch(api):
    before = current(api)
    refused(api, {"signup_enabled": False, "invitation_expiry_seconds": 59}, "invitation_expiry_seconds")
    assert current(api) == before


def test_settings_persist_across_requests_and_clients(api, http):
    api.settings(
        signup_enabled=False,
        max_organizations_per_user=4,
        invitation_expiry_seconds=86400,
        organization_meta_name={"singular": "Team", "plural": "Teams"},
        branding={"app_name": "Acme", "logo_url": "https://acme.example/logo.svg", "primary_color": "#00ff00"},
    )
    other = Api.login(http)  # a new token: nothing is held per client or per request
    settings = current(other)
    assert settings["signup_enabled"] is False
    assert settings["max_organizations_per_user"] == 4
    assert settings["invitation_expiry_seconds"] == 86400
    assert settings["organization_meta_name"] == {"singular": "Team", "plural": "Teams"}
    assert settings["branding"]["app_name"] == "Acme"
    assert settings["branding"]["logo_url"] == "https://acme.example/logo.svg"
    assert settings["branding"]["primary_color"].lower() == "#00ff00"


def test_invitation_expiry_setting_is_used_for_new_invitations(api):
    api.settings(invitation_expiry_seconds=3600)
    org = api.org()
    user = api.user_in(org["id"], "invitee@example.com")
    membership = user["memberships"][0]
    assert membership["membership_status"] == "PENDING_INVITE"
    expires = datetime.fromisoformat(membership["invite_expires_at"].replace("Z", "+00:00"))
    created = datetime.fromisoformat(user["create_time"].replace("Z", "+00:00"))
    assert abs((expires - created).total_seconds() - 3600) < 2
