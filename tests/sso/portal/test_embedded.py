"""The embedded admin portal: opened at once inside the application's page (another site's
frame), so its cookies must be ``SameSite=None; Secure`` (and partitioned) — which needs
https. Over https (the server's own TLS, development certificate, on loopback) it works and
acts as its link; over plain http it is refused with a clear answer before the link is used up."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.settings import Settings
from tests.conftest import FakeClock, ThreadServer
from tests.helpers import Api, assert_problem, free_port, when
from tests.sso.fake_oidc import FakeOidc
from tests.sso.flows import oidc_connection
from tests.sso.portal.helpers import csrf, new_link, open_portal

APP = {"name": "App", "redirect_uris": ["https://app.example/callback"]}


@pytest.fixture
def tls_site(settings: Settings, clock: FakeClock, engine: Engine, tmp_path: Path) -> Iterator[httpx.Client]:
    """A browser of Tenantry served over TLS on loopback (its public URL is https)."""
    port = free_port()
    served = settings.model_copy(update={"public_url": f"https://127.0.0.1:{port}", "grpc_enabled": False})
    ctx = build_context(served, clock, engine=engine)
    server = ThreadServer(create_app(context=ctx), port, fronted=ctx)
    with server:
        ca = tmp_path / "tenantry-dev.pem"
        ca.write_text(server.certificate)
        with httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=ssl.create_default_context(cafile=ca)) as web:
            yield web


def cookie_attributes(response: httpx.Response, name: str) -> set[str]:
    [header] = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_over_https_the_embedded_portal_keeps_its_cookies_in_a_frame_and_acts_as_its_link(
    tls_site: httpx.Client, fake_oidc: FakeOidc
) -> None:
    api = Api.login(tls_site)
    org = api.org("Acme")
    assert api.post("/api/v1/applications", json=APP).status_code == 201
    link = new_link(api, org["id"], embeddable=True)
    assert when(link["expire_time"]) - when(link["create_time"]) == timedelta(minutes=5)
    assert link["location"].startswith(str(tls_site.base_url))
    assert_problem(
        api.post(f"/api/v1/organizations/{org['id']}/portal_links", json={"embeddable": True, "expires_in_days": 3}),
        400,
        "invalid_argument",
    )
    opened = open_portal(tls_site, link)
    assert opened.status_code == 303
    for cookie in ("tenantry_portal", "tenantry_csrf"):  # both are needed inside the frame
        assert {"samesite=none", "secure", "partitioned", "httponly"} <= cookie_attributes(opened, cookie), cookie
    home = tls_site.get("/portal")
    assert home.status_code == 200 and "Acme" in home.text
    assert "frame-ancestors 'self' https://app.example" in home.headers["content-security-policy"]
    assert "x-frame-options" not in home.headers
    added = tls_site.post(
        "/portal/domains", data={"csrf_token": csrf(tls_site), "domain": "acme-portal.com"}, follow_redirects=False
    )
    assert added.status_code == 303, added.text
    [event] = api.get("/api/v1/events", params={"type": "organization.domain_created"}).json()["events"]
    assert event["actor"] == {"type": "PORTAL_LINK", "id": link["id"]}
    # Identity providers refuse frames: the connection test opens a tab of its own.
    connection = oidc_connection(api, org["id"], fake_oidc)
    assert 'target="_blank" rel="noopener"' in tls_site.get(f"/portal/sso/{connection['id']}").text
    tls_site.cookies.clear()  # another browser
    blocked = tls_site.get("/portal", headers={"Sec-Fetch-Dest": "iframe"})  # a frame whose cookie was refused
    assert blocked.status_code == 401 and "did not keep its cookie" in blocked.text
    used = open_portal(tls_site, link)
    assert used.status_code == 410 and "already used" in used.text.lower()
    # A link that is not embeddable keeps the first-party cookies.
    plain = open_portal(tls_site, new_link(api, org["id"]))
    assert "samesite=lax" in cookie_attributes(plain, "tenantry_portal")
    assert "partitioned" not in cookie_attributes(plain, "tenantry_portal")


def test_over_plain_http_an_embedded_link_is_refused_clearly_and_not_used_up(
    api: Api, http: TestClient, settings: Settings, clock: FakeClock, engine: Engine
) -> None:
    org = api.org("Acme")
    path = f"/api/v1/organizations/{org['id']}/portal_links"
    assert_problem(api.post(path, json={"embeddable": True}), 409, "failed_precondition")
    secure = settings.model_copy(update={"public_url": "https://testserver"})
    with TestClient(
        create_app(context=build_context(secure, clock, engine=engine)), base_url="https://testserver"
    ) as tls:
        link = new_link(Api.login(tls), org["id"], embeddable=True)  # made while Tenantry was on https
        refused = open_portal(http, link)  # opened where it is served over http
        assert refused.status_code == 409 and "needs Tenantry on https" in refused.text
        assert "tenantry_portal" not in refused.headers.get("set-cookie", "")
        assert open_portal(tls, link).status_code == 303  # the refusal did not use it up
