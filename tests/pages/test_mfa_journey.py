"""Two-step verification in Chromium, one journey: set up an authenticator from the profile
(QR code and key), sign in with a code the test computes, then with a recovery code."""

from __future__ import annotations

import re

import pyotp
from playwright.sync_api import expect

from tests.conftest import FakeClock
from tests.helpers import Api
from tests.pages.conftest import code_in, latest_email

PASSWORD = "a long and unusual passphrase"


def _password(page, site: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site}/login")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def _sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("navigation", name="Account").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))


def test_totp_enrolment_then_sign_in_with_a_code_and_a_recovery_code(
    site: str, site_api: Api, new_page, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    signed_up = site_api.signup("ada@example.com", PASSWORD, verified=False, organization={"display_name": "Ada's"})
    assert signed_up.status_code == 201
    assert site_api.patch("/api/v1/environment/settings", json={"mfa": "optional"}).status_code == 200
    page = new_page()
    _password(page, site)  # optional and none set up yet; the address unproved: the e-mailed code signs in
    page.get_by_label("Code").fill(code_in(latest_email(site_api, "ada@example.com", "verify_email")))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/organizations"))

    page.goto(f"{site}/profile")
    page.get_by_role("link", name="Two-step verification").click()
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.locator(".qr svg")).to_be_visible()
    totp = pyotp.TOTP(page.locator("[data-totp-secret]").inner_text())
    page.get_by_label("Code from the app").fill(totp.at(clock.now()))
    page.get_by_role("button", name="Turn on two-step verification").click()
    codes = page.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_text("10 recovery codes left")).to_be_visible()
    _sign_out(page)

    clock.advance(seconds=30)  # the enrolment's code is used: the next step's
    _password(page, site)
    expect(page).to_have_url(re.compile(r"/login/mfa\?"))
    page.get_by_label("Code").fill(totp.at(clock.now()))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/organizations"))
    _sign_out(page)

    _password(page, site)
    page.get_by_label("Code").fill(codes[3])
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/organizations"))
    page.goto(f"{site}/profile/mfa")
    expect(page.get_by_text("9 recovery codes left")).to_be_visible()
