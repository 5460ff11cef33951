"""Helpers of the admin portal tests (their fixtures are the SSO tests': the loopback DNS
server and SimpleSAMLphp, tests/sso/conftest.py)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.helpers import Api

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def new_link(api: Api, org_id: str, status: int = 201, **body: Any) -> dict[str, Any]:
    created = api.post(f"/api/v1/organizations/{org_id}/portal_links", json=body)
    assert created.status_code == status, created.text
    return dict(created.json().get("link") or created.json())


def path_of(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def open_portal(browser: TestClient | httpx.Client, link: dict[str, Any]) -> httpx.Response:
    return browser.get(path_of(link["location"]), follow_redirects=False)


def csrf(browser: TestClient | httpx.Client, path: str = "/portal/domains") -> str:
    match = CSRF.search(browser.get(path).text)
    assert match, path
    return match.group(1)
