"""A security key as the second step after the password, in Chromium (SPEC §13): a CDP
virtual authenticator (CTAP2, no resident keys, as a plain USB key) stands in for the key,
added on the profile's two-step verification page, then used to sign in."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, expect

from tests.helpers import Api
from tests.pages.test_pages import PASSWORD, sign_out, signed_up
from tests.pages.test_passkeys import localhost_site  # noqa: F401 (the fixture)

SECURITY_KEY = {
    "protocol": "ctap2",
    "transport": "usb",
    "hasResidentKey": False,
    "hasUserVerification": False,
    "automaticPresenceSimulation": True,
}


def test_a_security_key_added_on_the_profile_is_the_second_step_after_the_password(
    browser: Browser,
    localhost_site: str,  # noqa: F811
) -> None:
    with httpx.Client(base_url=localhost_site, timeout=30) as client:
        api = Api.login(client)
        assert api.patch("/api/v1/environment/settings", json={"mfa": "optional"}).status_code == 200
        context = browser.new_context(base_url=localhost_site)
        try:
            page = context.new_page()
            cdp = page.context.new_cdp_session(page)
            cdp.send("WebAuthn.enable")
            authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": SECURITY_KEY})["authenticatorId"]
            signed_up(page, api)

            page.goto("/profile/mfa")
            expect(page.get_by_text("You have no security keys yet.")).to_be_visible()
            page.get_by_label("Name for the new key").fill("Blue key")
            page.get_by_role("button", name="Add a security key").click()
            expect(page.locator("[data-recovery-codes] code")).to_have_count(10)  # the first factor
            page.get_by_role("link", name="Done").click()
            expect(page.get_by_role("list").filter(has_text="Blue key")).to_be_visible()
            stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
            assert len(stored) == 1 and not stored[0]["isResidentCredential"]

            sign_out(page)
            page.get_by_label("E-mail").fill("ada@example.com")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in", exact=True).click()
            expect(page).to_have_url(re.compile(r"/login/mfa\?"))
            page.get_by_role("button", name="Use your security key").click()
            expect(page).to_have_url(re.compile(r"/organizations$"))
            expect(page.locator("main")).to_contain_text("Signed in as ada@example.com")
        finally:
            context.close()
        events = api.get("/api/v1/events", params={"page_size": 100}).json()["events"]
        factors = [(e["type"], e["data"]["factor"]["method"]) for e in events if e["type"].startswith("user.mfa_")]
        assert sorted(factors) == [("user.mfa_enrolled", "security_key"), ("user.mfa_used", "security_key")]
