"""Passkeys in Chromium (SPEC §13), with a CDP virtual authenticator standing in for the
device: registered from the profile page, then used to sign in from the log-in page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tests.conftest import ThreadServer
from tests.helpers import Api, free_port
from tests.pages.test_pages import sign_out, signed_up

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


@pytest.fixture
def localhost_site(settings, clock, engine) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app at http://localhost:PORT: WebAuthn needs a domain as its RP id (not an IP address)."""
    port = free_port()
    served = settings.model_copy(update={"public_url": f"http://localhost:{port}"})
    with ThreadServer(create_app(context=build_context(served, clock, engine=engine)), port):
        yield f"http://localhost:{port}"


def test_a_passkey_registered_on_the_profile_page_signs_in_without_a_password(browser: Browser, localhost_site):
    with httpx.Client(base_url=localhost_site, timeout=30) as client:
        api = Api.login(client)
        context = browser.new_context(base_url=localhost_site)
        try:
            page = context.new_page()
            cdp = page.context.new_cdp_session(page)
            cdp.send("WebAuthn.enable")
            authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})["authenticatorId"]
            signed_up(page, api)

            page.goto("/profile")
            expect(page.get_by_text("You have no passkeys yet.")).to_be_visible()
            page.get_by_label("Name for the new passkey").fill("Work laptop")
            page.get_by_role("button", name="Add a passkey").click()
            expect(page.get_by_role("status").filter(has_text="Passkey added.")).to_be_visible()
            expect(page.locator("#passkeys li")).to_contain_text("Work laptop")
            stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
            assert len(stored) == 1 and stored[0]["isResidentCredential"]

            # Where the browser offers passkeys in the e-mail field's autofill (conditional UI), the
            # virtual authenticator answers at once: the log-in page signs straight back in.
            page.get_by_role("button", name="Sign out", exact=True).click()
            expect(page).to_have_url(re.compile(r"/organizations$"))
            expect(page.locator("main")).to_contain_text("Signed in as ada@example.com")

            # A browser without conditional UI: the button.
            page.add_init_script("PublicKeyCredential.isConditionalMediationAvailable = async () => false;")
            sign_out(page)
            page.get_by_role("button", name="Use a passkey").click()
            expect(page).to_have_url(re.compile(r"/organizations$"))
            expect(page.locator("main")).to_contain_text("Signed in as ada@example.com")
        finally:
            context.close()
        events = [e["type"] for e in api.get("/api/v1/events", params={"page_size": 100}).json()["events"]]
        assert events.count("user.passkey_registered") == 1
        assert events.count("user.logout") == events.count("user.passkey_login") == 2
