"""The dashboard's domain and SSO connection screens, in Chromium, as one administrator's
journey: claim a domain and prove it by DNS, set domain join, configure an OIDC connection
from the identity provider's issuer with its JIT role mapping, enable, disable, delete."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tenantry.server.context import Context
from tests.admin.conftest import signed_in_dashboard
from tests.dns_server import LoopbackDns
from tests.helpers import Api
from tests.sso.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeOidc

DOMAIN = "acme-dash.com"


def test_domains_and_connections_journey(
    site: str,
    site_api: Api,
    context: Context,
    new_page: Callable[[], Page],
    dns: LoopbackDns,
    fake_oidc: FakeOidc,
) -> None:
    org = site_api.org("Acme")
    page = signed_in_dashboard(context, new_page)
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations before destructive actions
    page.goto(f"/admin/organizations/{org['id']}")
    page.get_by_role("navigation", name="Acme").get_by_role("link", name="Domains").click()

    # A free-mail domain is refused; a real one waits for its TXT record.
    page.get_by_label("Domain", exact=True).fill("gmail.com")
    page.get_by_role("button", name="Add domain").click()
    expect(page.locator("#domain-error")).to_contain_text("Free e-mail")
    page.get_by_label("Domain", exact=True).fill(DOMAIN)
    page.get_by_role("button", name="Add domain").click()
    row = page.locator(f"tr[data-domain='{DOMAIN}']")
    expect(row).to_contain_text("Pending")
    name = row.locator("[data-txt-name]").inner_text()
    value = row.locator("[data-txt-value]").inner_text()
    assert name == f"_tenantry-challenge.{DOMAIN}"
    row.get_by_role("button", name="Check DNS").click()
    expect(page.get_by_role("alert")).to_contain_text("No TXT record")
    dns.txt[name] = [value]
    page.locator(f"tr[data-domain='{DOMAIN}']").get_by_role("button", name="Check DNS").click()
    expect(page.locator(f"tr[data-domain='{DOMAIN}']")).to_contain_text("Verified")
    page.get_by_label("Domain join", exact=True).select_option("auto")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Settings saved")

    # An OIDC connection: our redirect URI shown, the IdP's issuer discovered, groups → roles.
    page.get_by_role("navigation", name="Acme").get_by_role("link", name="SSO connections").click()
    page.get_by_label("Protocol").select_option("OIDC")
    page.get_by_label("Identity provider").select_option("OKTA")
    page.get_by_role("button", name="Create connection").click()
    expect(page.locator("[data-state]")).to_contain_text("Draft")
    connection_id = page.url.split("/connections/")[1].split("?")[0]
    expect(page.locator("[data-sp]")).to_contain_text(f"{site}/sso/oidc/{connection_id}/callback")
    page.get_by_label("Issuer").fill(fake_oidc.issuer)
    page.get_by_label("Client ID").fill(CLIENT_ID)
    page.get_by_label("Client secret").fill(CLIENT_SECRET)
    page.get_by_label("Roles from IdP groups").fill("engineering-admins = admin\nnot a mapping")
    page.get_by_role("button", name="Save connection").click()
    expect(page.locator("#group_roles-error")).to_contain_text("Line 2")
    page.get_by_label("Roles from IdP groups").fill("engineering-admins = admin")
    page.get_by_label("Client secret").fill(CLIENT_SECRET)  # a refused form never shows a secret back
    page.get_by_label("Attribute mapping").fill("given_name = first_name")
    page.get_by_role("button", name="Save connection").click()
    expect(page.get_by_role("status")).to_contain_text("Connection saved")
    page.get_by_role("button", name="Enable", exact=True).click()
    expect(page.locator("[data-state]")).to_have_text("Enabled")
    stored = site_api.get(f"/api/v1/organizations/{org['id']}/connections/{connection_id}").json()["connection"]
    assert stored["enabled"] is True and stored["oidc_config"]["client_secret_set"] is True
    assert stored["oidc_config"]["issuer"] == fake_oidc.issuer
    assert stored["group_roles"] == {"engineering-admins": ["admin"]}
    assert stored["attribute_mapping"] == {"given_name": "first_name"}
    page.get_by_role("button", name="Disable", exact=True).click()
    expect(page.locator("[data-state]")).to_have_text("Disabled")
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Connection deleted")
    assert site_api.get(f"/api/v1/organizations/{org['id']}/connections").json()["connections"] == []

    # The domain goes too.
    page.get_by_role("navigation", name="Acme").get_by_role("link", name="Domains").click()
    page.locator(f"tr[data-domain='{DOMAIN}']").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_contain_text("Domain deleted")
    assert site_api.get(f"/api/v1/organizations/{org['id']}/domains").json()["domains"] == []
    settings = site_api.get(f"/api/v1/organizations/{org['id']}/settings/domains").json()["settings"]
    assert settings["domain_join"] == "auto"
