"""Helpers of the SSO tests: an organization with a verified domain and a connection, and
a browser's round trip through an identity provider."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi.testclient import TestClient

from tests.helpers import Api
from tests.sso.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeOidc

DOMAIN = "acme-sso.com"


def org_with_domain(api: Api, name: str = "Acme", domain: str = DOMAIN) -> dict[str, Any]:
    org = api.org(name)
    created = api.post(f"/api/v1/organizations/{org['id']}/domains", json={"domain": {"domain": domain}})
    assert created.status_code == 201, created.text
    verified = api.patch(
        f"/api/v1/organizations/{org['id']}/domains/{created.json()['domain']['id']}:verify",
        json={"verification_method": "ADMIN"},
    )
    assert verified.status_code == 200, verified.text
    return org


def oidc_connection(api: Api, org_id: str, idp: FakeOidc, **fields: Any) -> dict[str, Any]:
    body = {
        "type": "OIDC",
        "provider": "OKTA",
        "oidc_config": {"issuer": idp.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        **fields,
    }
    created = api.post(f"/api/v1/organizations/{org_id}/connections", json={"connection": body})
    assert created.status_code == 201, created.text
    connection = created.json()["connection"]
    enabled = api.patch(f"/api/v1/organizations/{org_id}/connections/{connection['id']}:enable")
    assert enabled.status_code == 200, enabled.text
    return dict(enabled.json()["connection"])


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def round_trip(http: TestClient, start: str) -> httpx.Response:
    """Follow a sign-in from Tenantry's ``start`` path through the IdP (which signs its next
    user in at once) and back to Tenantry's callback; returns the callback's answer."""
    to_idp = http.get(start, follow_redirects=False)
    assert to_idp.status_code == 303, to_idp.text
    back = httpx.get(to_idp.headers["location"], follow_redirects=False)
    assert back.status_code == 302, back.text
    return http.get(path_of(back.headers["location"]), follow_redirects=False)
