"""The admin portal's whole journey in Chromium (SPEC §14): the application makes a link,
the customer's IT administrator opens it, adds and verifies a domain (loopback DNS), sets up
SAML against SimpleSAMLphp from its metadata, tests it, maps a group to a role and turns it
on; then an employee signs in through it."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.dns_server import LoopbackDns
from tests.helpers import Api
from tests.interop.saml_idp import USERS_DOMAIN, SamlIdp
from tests.sso.portal.helpers import new_link, path_of


def idp_sign_in(page: Page, username: str, site: str) -> None:
    """At SimpleSAMLphp's form; its answer posts itself back to our ACS."""
    page.locator("input[name='username']").fill(username)
    page.locator("input[name='password']").fill(f"{username}pass")
    page.locator("input[name='password']").press("Enter")
    page.wait_for_url(re.compile(re.escape(site) + "/"))


def test_it_admin_sets_up_domain_and_saml_then_an_employee_signs_in(
    site: str, site_api: Api, new_page, dns: LoopbackDns, saml: SamlIdp
) -> None:
    site_api.settings(branding={"app_name": "Acme Cloud"})
    org = site_api.org("Acme Saml")
    link = new_link(site_api, org["id"], features=["domains", "sso"])
    nav = lambda page: page.get_by_role("navigation", name="Admin portal")  # noqa: E731

    admin = new_page()
    admin.goto(path_of(link["location"]))
    expect(admin.get_by_role("heading", name="Acme Saml")).to_be_visible()
    expect(admin.locator("header")).to_contain_text("Acme Cloud")
    expect(nav(admin).get_by_role("link", name="Directory sync")).to_have_count(0)  # not in this link

    nav(admin).get_by_role("link", name="Domains").click()
    admin.get_by_label("Domain").fill(USERS_DOMAIN)
    admin.get_by_role("button", name="Add domain").click()
    panel = admin.locator(f"[data-domain='{USERS_DOMAIN}']")
    name, value = (panel.locator("code").nth(i).inner_text() for i in range(2))
    assert name == f"_tenantry-challenge.{USERS_DOMAIN}"
    expect(panel.get_by_role("button", name="Copy: TXT record value")).to_be_visible()
    panel.get_by_role("button", name="Check now").click()
    expect(admin.locator(".error-summary")).to_contain_text("TXT record")  # not published yet
    dns.txt[name] = [value]
    admin.locator(f"[data-domain='{USERS_DOMAIN}']").get_by_role("button", name="Check now").click()
    expect(admin.get_by_role("status")).to_contain_text(f"{USERS_DOMAIN} is verified")

    nav(admin).get_by_role("link", name="Single sign-on").click()
    admin.get_by_label("Your identity provider").select_option("saml")
    admin.get_by_role("button", name="Start set-up").click()
    expect(admin.get_by_role("heading", name="Another SAML 2.0 identity provider", exact=True)).to_be_visible()
    sp_metadata = admin.locator("#sp-metadata_url").inner_text()
    saml.trust_sp(httpx.get(sp_metadata, timeout=30).text)  # what the IT admin does at the IdP
    admin.get_by_label("Identity provider metadata URL").fill(saml.metadata_url)
    admin.get_by_role("button", name="Save settings").click()
    expect(admin.get_by_role("status")).to_contain_text("settings are saved")

    admin.get_by_role("link", name="Test connection").click()
    idp_sign_in(admin, "alice", site)
    expect(admin.get_by_role("heading", name="The connection works")).to_be_visible()
    expect(admin.get_by_role("table", name="Attributes received")).to_contain_text(f"alice@{USERS_DOMAIN}")
    admin.get_by_role("link", name="Back to the set-up").click()

    admin.get_by_label("Group roles").fill("admins = admin")
    admin.get_by_role("button", name="Save mapping").click()
    expect(admin.get_by_role("status")).to_contain_text("mapping is saved")
    admin.get_by_role("button", name="Turn on").click()
    expect(admin.locator("[data-connection-state]")).to_have_text("On")

    employee = new_page()
    employee.goto("/login")
    employee.get_by_label("E-mail").fill(f"alice@{USERS_DOMAIN}")
    employee.get_by_role("button", name="Use single sign-on (SSO)").click()
    idp_sign_in(employee, "alice", site)
    expect(employee.locator("body")).to_contain_text("Acme Saml")
    [alice] = [u for u in site_api.get("/api/v1/users").json()["users"] if u["email"] == f"alice@{USERS_DOMAIN}"]
    [membership] = alice["memberships"]
    assert [r["name"] for r in membership["roles"]] == ["admin"]

    nav(admin).get_by_role("link", name="Log").click()
    log = admin.get_by_role("table", name="Log")
    for kind in (
        "Domain verified",
        "SSO connection turned on",
        "Signed in with single sign-on",
        f"alice@{USERS_DOMAIN}",
    ):
        expect(log).to_contain_text(kind)
    actors = {
        e["actor"]["type"]
        for e in site_api.get("/api/v1/events", params={"type": "organization.connection_enabled"}).json()["events"]
    }
    assert actors == {"PORTAL_LINK"}
