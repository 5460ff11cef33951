"""Browser tests: Debian's Chromium driven by Playwright, against the app served by uvicorn
in a thread of the test process (so tests share its FakeClock and database)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.helpers import Api

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CODE = re.compile(r"\b(\d{6})\b")
LINK = re.compile(r"(/(?:invitations/accept|reset-password)\?token=[A-Za-z0-9_\-]+)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser, site: str):  # type: ignore[no-untyped-def]
    """Open pages in fresh browsers (separate cookies), as different people would."""
    contexts = []

    def open_page() -> Page:
        browser_context = browser.new_context(base_url=site, viewport={"width": 1000, "height": 900})
        contexts.append(browser_context)
        return browser_context.new_page()

    yield open_page
    for browser_context in contexts:
        browser_context.close()


def latest_email(api: Api, to: str, kind: str) -> str:
    emails = [
        e for e in api.get("/api/v1/emails", params={"to": to, "page_size": 100}).json()["emails"] if e["kind"] == kind
    ]
    assert emails, f"no {kind} e-mail to {to}"
    return str(emails[-1]["text"])


def code_in(text: str) -> str:
    match = CODE.search(text)
    assert match, text
    return match.group(1)


def link_in(text: str) -> str:
    """The path of the link in an e-mail (its host is the configured public URL)."""
    match = LINK.search(text)
    assert match, text
    return match.group(1)


def shoot(page: Page, name: str) -> None:
    """Save a screenshot for the README when TENANTRY_SCREENSHOTS=1."""
    if os.environ.get("TENANTRY_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
