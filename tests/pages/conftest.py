"""Helpers of the browser tests (the browser fixtures are in tests/browser.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page

from tests.helpers import Api

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "flows"  # main screens: tests/a11y
CODE = re.compile(r"\b(\d{6})\b")
LINK = re.compile(r"(/(?:invitations/accept|reset-password)\?token=[A-Za-z0-9_\-]+)")


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
