"""SSO in a real browser: Chromium asks Tenantry's hosted log-in page for an address on a
verified domain, is sent to SimpleSAMLphp (a SAML identity provider nobody here wrote),
signs in there and comes back signed in, provisioned just in time into the organization."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page

from tests.helpers import Api
from tests.interop.saml_idp import USERS_DOMAIN, SamlIdp
from tests.sso.flows import org_with_domain
from tests.sso.test_saml_sso import saml_connection, users_with


def test_chromium_signs_in_through_simplesamlphp_from_the_log_in_page(
    site: str, site_api: Api, new_page: Callable[[], Page], saml: SamlIdp
) -> None:
    org = org_with_domain(site_api, "Acme", domain=USERS_DOMAIN)
    saml_connection(site_api, site_api.http, org["id"], saml)  # type: ignore[arg-type]
    page = new_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill(f"carol@{USERS_DOMAIN}")
    page.get_by_role("button", name="Use single sign-on (SSO)").click()
    page.wait_for_url(re.compile(r".*/module\.php/core/loginuserpass.*"))  # SimpleSAMLphp's own form
    idp_origin = saml.metadata_url.split("/saml2/")[0]
    assert page.url.startswith(idp_origin)
    page.locator("input[name='username']").fill("carol")
    page.locator("input[name='password']").fill("carolpass")
    page.locator("form button[type='submit'], form input[type='submit']").first.click()
    page.wait_for_url(re.compile(re.escape(site) + r"/(?!sso/).*"))  # its answer posted back to the ACS
    [carol] = users_with(site_api, f"carol@{USERS_DOMAIN}")
    [membership] = carol["memberships"]
    assert membership["organization_id"] == org["id"] and membership["provisioning_method"] == "sso_jit"
    assert membership["membership_status"] == "ACTIVE" and carol["email_verified"] is True
    page.goto("/profile")  # signed in: the hosted profile page, not the log-in page
    assert page.locator("input[name='given_name']").input_value() == "Carol"
