"""Dashboard browser tests: an administrator signed in through the real log-in form."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tenantry.server.context import Context
from tenantry.server.services.identity import admins

ADMIN_EMAIL = "root@ops.example"
ADMIN_PASSWORD = "correct horse battery staple"


def sign_in(page: Page, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD, path: str = "/admin") -> None:
    page.goto(path)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def signed_in_dashboard(context: Context, new_page: Callable[[], Page], tab: str = "organizations") -> Page:
    """A browser signed in as a fresh administrator, through the log-in form, on ``tab``."""
    admins.create(context, ADMIN_EMAIL, ADMIN_PASSWORD)
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})  # a desktop: the dashboard's audience
    sign_in(page, path=f"/admin/login?next=/admin/{tab}")
    page.wait_for_url(f"**/admin/{tab}")
    return page


@pytest.fixture
def dashboard(site: str, context: Context, new_page: Callable[[], Page]) -> Page:
    """A browser signed in to the dashboard, on the Organizations tab."""
    return signed_in_dashboard(context, new_page)
