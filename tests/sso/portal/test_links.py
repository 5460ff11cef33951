"""Portal links through the HTTP surface: validity and scope, expiry and revocation pages,
and one organization's link never reaching another's
domains, connections or directories."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi.testclient import TestClient

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tests.conftest import FakeClock
from tests.helpers import Api, assert_problem, when
from tests.interop.saml_idp import SamlIdp
from tests.sso.portal.helpers import csrf, new_link, open_portal

OKTA = {
    "authorize_uri": "https://idp.example/a",
    "token_uri": "https://idp.example/t",
    "jwks_uri": "https://idp.example/k",
}


def test_links_are_validated_scoped_and_listed_without_their_secret(api: Api, clock: FakeClock) -> None:
    org = api.org("Acme")
    base = f"/api/v1/organizations/{org['id']}/portal_links"
    link = new_link(api, org["id"])
    assert link["features"] == ["sso", "directory_sync", "domains"] and link["state"] == "active"
    assert when(link["expire_time"]) == clock.now() + timedelta(days=7)
    assert link["location"].startswith("http") and "/portal/open?token=ptl_" in link["location"]
    for bad in ({"expires_in_days": 31}, {"expires_in_days": 0}, {"features": ["billing"]}):
        assert_problem(api.post(base, json=bad), 400, "invalid_argument")
    assert_problem(api.post("/api/v1/organizations/org_nosuch/portal_links", json={}), 404, "not_found")
    scalekit = api.http.put(f"{base}?features=sso&features=dir_sync", headers=api.headers)
    assert scalekit.status_code == 200 and scalekit.json()["link"]["features"] == ["sso", "directory_sync"]
    month = new_link(api, org["id"], expires_in_days=30)
    assert when(month["expire_time"]) == clock.now() + timedelta(days=30)
    listed = api.get(base).json()["links"]
    assert {entry["id"] for entry in listed} == {link["id"], scalekit.json()["link"]["id"], month["id"]}
    assert all(entry["location"] == "" for entry in listed)


def test_expired_and_revoked_links_show_a_clear_page_and_end_open_sessions(
    api: Api, http: TestClient, clock: FakeClock
) -> None:
    org = api.org("Acme")
    link = new_link(api, org["id"])
    assert open_portal(http, link).status_code == 303
    home = http.get("/portal")
    assert home.status_code == 200 and "Acme" in home.text
    assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
    assert api.delete(f"/api/v1/organizations/{org['id']}/portal_links/{link['id']}").status_code == 200
    revoked = http.get("/portal")  # the session opened before ends with its link
    assert revoked.status_code == 410 and "This link was revoked" in revoked.text
    again = open_portal(http, link)
    assert again.status_code == 410 and "This link was revoked" in again.text
    assert http.get("/portal").status_code == 401  # the cookie went with the refusal

    week = new_link(api, org["id"])
    assert open_portal(http, week).status_code == 303
    clock.advance(days=7, seconds=1)
    assert http.get("/portal").status_code in (401, 410)  # the session never outlives its link
    expired = open_portal(http, week)
    assert expired.status_code == 410 and "This link has expired" in expired.text
    unknown = http.get("/portal/open?token=ptl_forged")
    assert unknown.status_code == 404 and "This link does not work" in unknown.text
    states = {
        entry["id"]: entry["state"]
        for entry in api.get(f"/api/v1/organizations/{org['id']}/portal_links").json()["links"]
    }
    assert states == {link["id"]: "revoked", week["id"]: "expired"}


def test_a_link_for_one_organization_never_touches_another(api: Api, http: TestClient) -> None:
    acme, globex = api.org("Acme"), api.org("Globex")
    theirs = f"/api/v1/organizations/{globex['id']}"
    domain = api.post(f"{theirs}/domains", json={"domain": {"domain": "globex-portal.com"}}).json()["domain"]
    body = {"connection": {"type": "OIDC", "oidc_config": {"client_id": "x", **OKTA}}}
    connection = api.post(f"{theirs}/connections", json=body).json()["connection"]
    directory = api.post(f"{theirs}/directories", json={"name": "Globex"}).json()["directory"]
    assert open_portal(http, new_link(api, acme["id"])).status_code == 303
    token = csrf(http)
    attempts = [
        ("POST", f"/portal/domains/{domain['id']}/verify"),
        ("GET", f"/portal/sso/{connection['id']}"),
        ("POST", f"/portal/sso/{connection['id']}/idp"),
        ("POST", f"/portal/sso/{connection['id']}/mapping"),
        ("POST", f"/portal/sso/{connection['id']}/enable"),
        ("POST", f"/portal/directories/{directory['id']}/token"),
        ("POST", f"/portal/directories/{directory['id']}/roles"),
        ("POST", f"/portal/directories/{directory['id']}/attributes"),
    ]
    for method, path in attempts:
        answer = http.request(
            method, path, data={"csrf_token": token, "protocol": "OIDC"} if method == "POST" else None
        )
        assert answer.status_code == 404, (path, answer.status_code)
    assert "globex" not in http.get("/portal/domains").text.lower()
    assert http.get("/portal/log").text.count("Globex") == 0
    after = api.get(f"{theirs}/directories/{directory['id']}").json()["directory"]
    assert (
        after["secrets"] == []
        and api.get(f"{theirs}/connections/{connection['id']}").json()["connection"]["enabled"] is False
    )
    # the features a link names are all it opens
    assert open_portal(http, new_link(api, acme["id"], features=["sso"])).status_code == 303
    assert http.get("/portal/domains").status_code == 404 and http.get("/portal/sso").status_code == 200


def test_a_directory_made_in_the_portal_shows_its_token_once_and_the_token_works(api: Api, http: TestClient) -> None:
    org = api.org("Acme")
    assert open_portal(http, new_link(api, org["id"], features=["directory_sync"])).status_code == 303
    form = {"csrf_token": csrf(http, "/portal/directories"), "name": "Okta", "provider": "OKTA"}
    made = http.post("/portal/directories", data=form)
    assert made.status_code == 201, made.text
    token = re.search(r'<code id="scim-token">([^<]+)</code>', made.text)
    endpoint = re.search(r'<code id="scim-endpoint">([^<]+)</code>', made.text)
    assert token and endpoint
    assert token.group(1) not in http.get("/portal/directories").text  # shown once
    users = endpoint.group(1).split("://", 1)[1].split("/", 1)[1].join(["/", ""]) + "/Users"
    headers = {"Authorization": f"Bearer {token.group(1)}", "Content-Type": "application/scim+json"}
    pushed = http.post(
        users,
        headers=headers,
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "grace@acme-dir.com",
            "emails": [{"value": "grace@acme-dir.com", "primary": True}],
            "active": True,
        },
    )
    assert pushed.status_code == 201, pushed.text
    group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Admins"}
    group["members"] = [{"value": pushed.json()["id"]}]
    group_id = http.post(users.replace("/Users", "/Groups"), headers=headers, json=group).json()["id"]
    form = {"csrf_token": csrf(http, "/portal/directories"), f"group.{group_id}": "admin"}
    mapped = http.post(f"/portal/directories/{pushed.url.path.split('/')[3]}/roles", data=form)
    assert mapped.status_code == 200 and "The group roles are saved" in mapped.text
    [grace] = [u for u in api.get("/api/v1/users").json()["users"] if u["email"] == "grace@acme-dir.com"]
    assert [r["name"] for r in grace["memberships"][0]["roles"]] == ["admin"]
    assert http.get(users, headers={"Authorization": "Bearer scim_wrong"}).status_code == 401
    log = http.get("/portal/log").text  # the SCIM writes are in the portal's log
    assert 'data-event="directory.operation"' in log and "grace@acme-dir.com" in log
    [event] = api.get("/api/v1/events", params={"type": "directory.secret_created"}).json()["events"]
    assert event["actor"]["type"] == "PORTAL_LINK"


def test_saml_metadata_uploaded_as_a_file_and_refusals_in_plain_words(
    api: Api, http: TestClient, saml: SamlIdp
) -> None:
    org = api.org("Acme")
    assert open_portal(http, new_link(api, org["id"], features=["sso"])).status_code == 303
    started = http.post("/portal/sso", data={"csrf_token": csrf(http, "/portal/sso"), "guide": "google"})
    assert started.status_code == 200 and "Google Workspace" in started.text and "Download metadata" in started.text
    connection_id = started.url.path.rsplit("/", 1)[1]
    form = {"csrf_token": csrf(http, "/portal/sso"), "protocol": "SAML"}
    field = "connection.saml_config.idp_metadata_file"
    bad = http.post(f"/portal/sso/{connection_id}/idp", data=form, files={field: ("idp.xml", b"<not metadata")})
    assert bad.status_code == 400 and "error-summary" in bad.text
    early = http.post(f"/portal/sso/{connection_id}/enable", data=form)
    assert early.status_code == 409 and "incomplete" in early.text
    metadata = httpx.get(saml.metadata_url, timeout=30).content
    good = http.post(f"/portal/sso/{connection_id}/idp", data=form, files={field: ("idp.xml", metadata)})
    assert good.status_code == 200 and "settings are saved" in good.text
    connection = api.get(f"/api/v1/organizations/{org['id']}/connections/{connection_id}").json()["connection"]
    assert connection["provider"] == "GOOGLE" and connection["status"] == "COMPLETED"
    # a test whose answer is refused says why, and leads back to the set-up
    started = http.get(
        f"/sso/start?connection_id={connection_id}&test=true&next=/portal/sso/{connection_id}", follow_redirects=False
    )
    relay_state = parse_qs(urlsplit(started.headers["location"]).query)["RelayState"][0]
    forged = {"SAMLResponse": base64.b64encode(b"<samlp:Response/>").decode(), "RelayState": relay_state}
    refused = http.post(f"/sso/saml/{connection_id}/acs", data=forged)
    assert refused.status_code == 400 and "The connection test did not work" in refused.text
    assert f'href="/portal/sso/{connection_id}"' in refused.text


def test_guessing_portal_links_is_slowed_per_address(settings, clock, engine) -> None:
    limited = settings.model_copy(update={"rate_limits_enabled": True})
    with TestClient(create_app(context=build_context(limited, clock, engine=engine))) as browser:
        answers = [browser.get(f"/portal/open?token=ptl_guess{n}").status_code for n in range(31)]
    assert answers == [404] * 30 + [429]
