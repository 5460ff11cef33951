"""The Outbox tab in a real browser: the e-mails Tenantry wrote, newest first, filtered by
recipient, with working links; and what it says when SMTP delivers the mail instead."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tenantry.server.settings import Settings
from tests.admin.signed_in import dashboard  # noqa: F401  (fixture)
from tests.helpers import Api
from tests.pages.conftest import shoot


def recipients(page: Page) -> list[str]:
    return page.locator("li.email .to").all_inner_texts()


def test_outbox_lists_invitations_newest_first_with_working_links(dashboard: Page, site_api: Api) -> None:  # noqa: F811
    site_api.settings(organization_meta_name={"singular": "Workspace", "plural": "Workspaces"})
    org = site_api.org("Analytical Engines")
    site_api.user_in(org["id"], "ada@engines.example")
    site_api.user_in(org["id"], "charles@engines.example")

    dashboard.get_by_role("link", name="Outbox").click()
    rows = dashboard.locator("li.email")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("charles@engines.example")  # the newest first
    expect(rows.nth(1)).to_contain_text("ada@engines.example")

    dashboard.get_by_label("Recipient").fill("ada@engines.example")
    dashboard.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    ada = rows.first
    expect(ada).to_contain_text("ada@engines.example")
    link = ada.locator("a.email-link")
    expect(link).to_have_attribute("href", re.compile(r"/invitations/accept\?token=[A-Za-z0-9_\-]+$"))
    ada.get_by_text("Show message").click()
    expect(ada.locator("pre.email-body")).to_be_visible()
    expect(ada.locator("pre.email-body")).to_contain_text("join the workspace Analytical Engines")
    shoot(dashboard, "admin-outbox")

    invitation = dashboard.context.new_page()  # the link works: it opens the invitation
    invitation.goto(str(link.get_attribute("href")))
    expect(invitation.locator("main")).to_contain_text("Analytical Engines")
    expect(invitation.get_by_role("button", name=re.compile("Accept|Join"))).to_be_visible()

    dashboard.get_by_label("Recipient").fill("nobody@engines.example")
    dashboard.get_by_role("button", name="Filter").click()
    expect(dashboard.get_by_text("No e-mails to nobody@engines.example")).to_be_visible()
    dashboard.get_by_label("Recipient").fill("not an address")
    dashboard.get_by_role("button", name="Filter").click()
    expect(dashboard.locator("#to-error")).to_contain_text("whole e-mail address")


def test_outbox_pages_through_many_emails(dashboard: Page, site_api: Api) -> None:  # noqa: F811
    org = site_api.org("Crowd")
    for n in range(26):
        site_api.user_in(org["id"], f"p{n:02d}@crowd.example")
    dashboard.goto("/admin/outbox")
    first = recipients(dashboard)
    assert len(first) == 25
    expect(dashboard.locator(".pager")).to_contain_text("26 in all")
    with dashboard.expect_navigation():  # read the list only once the next page is there
        dashboard.get_by_role("link", name="Next").click()
    second = recipients(dashboard)
    assert sorted(first + second) == [f"p{n:02d}@crowd.example" for n in range(26)]


class TestWithSmtp:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"smtp_host": "smtp.mail.example"})

    def test_outbox_says_mail_goes_by_smtp(self, dashboard: Page) -> None:  # noqa: F811
        dashboard.goto("/admin/outbox")
        expect(dashboard.get_by_role("status")).to_contain_text("delivered by SMTP through smtp.mail.example")
