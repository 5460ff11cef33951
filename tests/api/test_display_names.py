"""Every name people read is one line of visible text (issue 15 item 6): control characters,
line breaks, bidirectional overrides and invisible-only text are refused in organization,
user, application, API client and attribute names, the meta name and the app name, by the
one validator in ``domain/types.py``, with a per-field ``invalid_argument`` detail."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import assert_problem
from tests.oidc.conftest import form_token

BAD = {
    "crlf": ("Acme\r\nBcc: victim@example.com", "invalid_characters"),
    "newline-and-url": ("Acme\n\nhttps://evil.example/x", "invalid_characters"),
    "tab": ("Acme\tCorp", "invalid_characters"),
    "escape": ("\x1b[31mAcme", "invalid_characters"),
    "line-separator": ("Acme\u2028Corp", "invalid_characters"),
    "bidi-override": ("Invoice \u202egpj.exe", "invalid_characters"),
    "bidi-isolate": ("\u2067Acme\u2069", "invalid_characters"),
    "zero-width-only": ("\u200b\u200b\u200d", "no_visible_characters"),
    "filler-only": ("\u3164\u3164", "no_visible_characters"),
    "combining-only": ("\u0301\u0301", "no_visible_characters"),
}
GOOD = ["Zoë & Søn — 株式会社", "👩‍💻 Team", "شركة المثال", "O'Brien-Smith (EU)", "Acme\u00a0Corp"]


def _org(api, name: str):
    return api.post("/api/v1/organizations", json={"display_name": name})


def _org_update(api, name: str):
    org = api.org("Plain")
    return api.patch(f"/api/v1/organizations/{org['id']}", json={"display_name": name})


def _signup_org(api, name: str):
    return api.signup("s@example.com", "a long and unusual passphrase", organization={"display_name": name})


def _user_given_name(api, name: str):
    org = api.org("Plain")
    return api.add_user(org["id"], "u@example.com", user_profile={"given_name": name})


def _user_patch_name(api, name: str):
    org = api.org("Plain")
    user = api.user_in(org["id"], "p@example.com")
    return api.patch(f"/api/v1/users/{user['id']}", json={"user_profile": {"family_name": name}})


def _application(api, name: str):
    return api.post(
        "/api/v1/applications",
        json={"name": name, "type": "confidential", "redirect_uris": ["https://app.example/cb"]},
    )


def _client(api, name: str):
    return api.post("/api/v1/clients", json={"name": name})


def _attribute(api, name: str):
    return api.post("/api/v1/user-attributes", json={"key": "team", "display_name": name, "type": "string"})


def _attribute_option(api, name: str):
    return api.post(
        "/api/v1/user-attributes", json={"key": "tier", "display_name": "Tier", "type": "enum", "options": [name]}
    )


def _meta_name(api, name: str):
    return api.patch("/api/v1/environment/settings", json={"organization_meta_name": {"singular": name}})


def _app_name(api, name: str):
    return api.patch("/api/v1/environment/settings", json={"branding": {"app_name": name}})


ENTRY_POINTS: dict[str, tuple[Any, str]] = {
    "organization": (_org, "display_name"),
    "organization-update": (_org_update, "display_name"),
    "signup-organization": (_signup_org, "organization.display_name"),
    "user-given-name": (_user_given_name, "user_profile.given_name"),
    "user-family-name": (_user_patch_name, "user_profile.family_name"),
    "application": (_application, "name"),
    "api-client": (_client, "name"),
    "attribute": (_attribute, "display_name"),
    "attribute-option": (_attribute_option, "options.0"),
    "meta-name": (_meta_name, "organization_meta_name.singular"),
    "app-name": (_app_name, "branding.app_name"),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("kind", BAD)
def test_hidden_characters_are_refused_in_every_display_name(api, entry, kind):
    send, field = ENTRY_POINTS[entry]
    value, code = BAD[kind]
    body = assert_problem(send(api, value), 400, "invalid_argument")
    assert (field, code) in [(d["field"], d["code"]) for d in body["details"]], body


@pytest.mark.parametrize("entry", ["organization", "user-given-name", "application", "attribute", "meta-name"])
@pytest.mark.parametrize("name", GOOD)
def test_names_in_any_script_with_emoji_and_punctuation_are_fine(api, entry, name):
    send, _field = ENTRY_POINTS[entry]
    response = send(api, name)
    assert response.status_code in (200, 201), response.text


def test_the_hosted_create_organization_form_shows_the_error_on_its_field(http, api):
    api.signup("ada@example.com", "a long and unusual passphrase")
    password = "a long and unusual passphrase"
    http.post(
        "/login", data={"email": "ada@example.com", "password": password, "csrf_token": form_token(http, "/login")}
    )
    page = http.post(
        "/organizations/new",
        data={
            "display_name": "Acme\r\nURGENT: verify at https://evil.example",
            "csrf_token": form_token(http, "/organizations/new"),
        },
    )
    assert page.status_code == 400
    assert 'id="display_name-error"' in page.text and "line breaks" in page.text
