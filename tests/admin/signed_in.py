"""A signed-in dashboard that lands on a given tab, for the Users, Applications, API
clients and Outbox tests: it goes through the log-in form with ``next``, so it depends on
no other tab (the conftest's ``dashboard`` lands on Organizations)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tenantry.server.context import Context
from tenantry.server.services import admins
from tests.admin.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, sign_in


@pytest.fixture
def dashboard(site: str, context: Context, new_page: Callable[[], Page]) -> Page:
    """A browser signed in to the dashboard as a fresh administrator, on the Users tab."""
    admins.create(context, ADMIN_EMAIL, ADMIN_PASSWORD)
    page = new_page()
    sign_in(page, path="/admin/login?next=/admin/users")
    page.wait_for_url("**/admin/users")
    return page
