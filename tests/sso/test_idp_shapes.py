"""What Entra ID and Okta send (fixtures from their public documentation) maps to a profile and
roles with no configuration beyond the group-to-role mapping."""

from __future__ import annotations

import json
from pathlib import Path

from tenantry.server.domain.sso import mapped, roles_for

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> dict[str, object]:
    data = json.loads((FIXTURES / name).read_text())
    data.pop("_source")
    return data


def test_entra_id_saml_attributes_map_by_default() -> None:
    values = mapped(load("entra_saml_attributes.json"), {})
    assert values["email"] == "dana@contoso.com"
    assert (values["given_name"], values["family_name"], values["name"]) == ("Dana", "Jones", "Dana Jones")
    assert len(values["groups"]) == 2
    group = values["groups"][0]
    assert roles_for(values["groups"], {group: ["admin"]}, ["member"]) == ["admin"]


def test_okta_id_token_claims_map_by_default_and_explicit_mapping_wins() -> None:
    claims = load("okta_oidc_id_token_claims.json")
    values = mapped(claims, {})
    assert values["email"] == "dana@contoso.com" and values["locale"] == "en-US"
    assert roles_for(values["groups"], {"Contoso Admins": ["admin"]}, ["member"]) == ["admin"]
    assert roles_for(["Everyone"], {"Contoso Admins": ["admin"]}, ["member"]) == ["member"]
    custom = mapped(claims, {"email": "preferred_username", "custom_attributes.okta_idp": "idp"})
    assert custom["custom_attributes.okta_idp"] == "00o5rb5mt2H3d1TJd0h7"
