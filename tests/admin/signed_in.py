"""A signed-in dashboard that lands on a given tab, for the Users, Applications, API
clients and Outbox tests: it goes through the log-in form with ``next``, so it depends on
no other tab (the conftest's ``dashboard`` lands on Organizations)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tenantry.server.context import Context
from tests.admin.conftest import signed_in_dashboard


@pytest.fixture
def dashboard(site: str, context: Context, new_page: Callable[[], Page]) -> Page:
    """A browser signed in to the dashboard as a fresh administrator, on the Users tab."""
    return signed_in_dashboard(context, new_page, "users")
