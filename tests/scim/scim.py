"""Helpers for the SCIM tests: a directory with its token, and a SCIM client of it."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.helpers import Api

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def directory(api: Api, org_id: str, provider: str = "OKTA") -> dict[str, Any]:
    created = api.post(f"/api/v1/organizations/{org_id}/directories", json={"directory_provider": provider})
    assert created.status_code == 201, created.text
    found = created.json()["directory"]
    secret = api.post(f"/api/v1/organizations/{org_id}/directories/{found['id']}/secrets")
    assert secret.status_code == 201, secret.text
    return {**found, "token": secret.json()["plain_secret"]}


class Scim:
    """Requests to one directory's SCIM base URL with its bearer token."""

    def __init__(self, http: TestClient | httpx.Client, found: dict[str, Any]) -> None:
        self.http = http
        self.base = f"/scim/v2/{found['id']}"
        self.headers = {"Authorization": f"Bearer {found['token']}", "Content-Type": "application/scim+json"}

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.http.request(method, self.base + path, headers=self.headers, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.request("POST", path, json=body)

    def put(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.request("PUT", path, json=body)

    def patch(self, path: str, *operations: dict[str, Any]) -> httpx.Response:
        return self.request("PATCH", path, json={"schemas": [PATCH_OP], "Operations": list(operations)})

    def delete(self, path: str) -> httpx.Response:
        return self.request("DELETE", path)

    def user(self, user_name: str, **fields: Any) -> dict[str, Any]:
        response = self.post("/Users", user_body(user_name, **fields))
        assert response.status_code == 201, response.text
        return dict(response.json())


def user_body(user_name: str, **fields: Any) -> dict[str, Any]:
    return {
        "schemas": [CORE_USER],
        "userName": user_name,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "active": True,
        **fields,
    }


def assert_scim_error(response: httpx.Response, status: int, scim_type: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type, body
    return dict(body)
