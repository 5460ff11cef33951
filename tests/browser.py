"""Browser fixtures: Debian's Chromium driven by Playwright, against the app served by uvicorn
in a thread of the test process (so tests share its FakeClock and database). Registered
once for the whole suite (tests/conftest.py), so one Playwright runs per test process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"


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
