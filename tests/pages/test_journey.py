"""The whole journey of issue 4 in a real browser, with the meta name set to "Workspace":
sign-up → verify → second workspace → invite a colleague → the colleague accepts from the
e-mail link → both switch workspaces."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.pages.conftest import code_in, latest_email, link_in, shoot


def no_default_meta_name(page: Page) -> None:
    """Nowhere may a page say "Organization" when the setting says "Workspace"."""
    text = page.locator("body").inner_text()
    assert not re.search(r"organi[sz]ation", text, re.IGNORECASE), text


def sign_up(page: Page, email: str, organization: str) -> None:
    page.goto("/signup")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("a long and unusual passphrase")
    page.get_by_label("First name").fill(email.split("@")[0].title())
    page.get_by_label("Workspace name").fill(organization)
    page.get_by_role("button", name="Create account").click()


def test_sign_up_verify_invite_accept_and_switch(site_api, new_page):
    site_api.settings(
        organization_meta_name={"singular": "Workspace", "plural": "Workspaces"}, branding={"app_name": "Acme Cloud"}
    )
    ada = new_page()

    ada.goto("/signup")
    expect(ada.get_by_role("heading", name="Create your account")).to_be_visible()
    expect(ada.locator("body")).to_contain_text("a workspace of your own")
    expect(ada.locator("header")).to_contain_text("Acme Cloud")
    no_default_meta_name(ada)
    shoot(ada, "signup")

    sign_up(ada, "ada@example.com", "Analytical Engines")
    expect(ada).to_have_url(re.compile(r"/verify-email"))
    no_default_meta_name(ada)
    shoot(ada, "verify-email")
    ada.get_by_label("Code").fill(code_in(latest_email(site_api, "ada@example.com", "verify_email")))
    ada.get_by_role("button", name="Confirm").click()

    expect(ada).to_have_url(re.compile(r"/organizations(\?notice=\w+)?$"))
    expect(ada.get_by_role("heading", name="Your workspaces")).to_be_visible()
    expect(ada.get_by_role("list", name="Workspaces")).to_contain_text("Analytical Engines")
    no_default_meta_name(ada)

    ada.get_by_role("link", name="Create a workspace").click()
    expect(ada.get_by_role("heading", name="Create a Workspace")).to_be_visible()
    no_default_meta_name(ada)
    shoot(ada, "create-organization")
    ada.get_by_label("Workspace name").fill("Difference Engines")
    ada.get_by_role("button", name="Create workspace").click()
    workspaces = ada.get_by_role("list", name="Workspaces")
    expect(workspaces.locator("li.current")).to_contain_text("Difference Engines")

    workspaces.locator("li", has_text="Difference Engines").get_by_role("link", name="Members").click()
    no_default_meta_name(ada)
    ada.get_by_label("E-mail").fill("bob@example.com")
    ada.get_by_role("button", name="Send invitation").click()
    expect(ada.get_by_role("status")).to_contain_text("Invitation sent")
    expect(ada.get_by_role("list", name="Members")).to_contain_text("Invitation pending")
    shoot(ada, "members")

    bob = new_page()
    bob.goto(link_in(latest_email(site_api, "bob@example.com", "invitation")))
    expect(bob.get_by_role("heading", name="Join Difference Engines")).to_be_visible()
    expect(bob.locator("main")).to_contain_text("ada@example.com invited you to the workspace")
    no_default_meta_name(bob)
    shoot(bob, "accept-invitation")
    bob.get_by_label("Choose a password").fill("bob's own long passphrase")
    bob.get_by_label("First name").fill("Bob")
    bob.get_by_role("button", name="Join Difference Engines").click()
    expect(bob).to_have_url(re.compile(r"/organizations(\?notice=\w+)?$"))
    expect(bob.get_by_role("list", name="Workspaces").locator("li.current")).to_contain_text("Difference Engines")

    # Ada also invites Bob to her first workspace; Bob joins it from his switcher.
    workspaces_page = "/organizations"
    ada.goto(workspaces_page)
    ada.get_by_role("list", name="Workspaces").locator("li", has_text="Analytical Engines").get_by_role(
        "button", name="Switch"
    ).click()
    ada.get_by_role("list", name="Workspaces").locator("li", has_text="Analytical Engines").get_by_role(
        "link", name="Members"
    ).click()
    ada.get_by_label("E-mail").fill("bob@example.com")
    ada.get_by_role("button", name="Send invitation").click()
    expect(ada.get_by_role("status")).to_contain_text("Invitation sent")

    bob.reload()
    invitations = bob.get_by_role("list", name="Invitations")
    expect(invitations).to_contain_text("Analytical Engines")
    expect(invitations).to_contain_text("Invited by ada@example.com")
    no_default_meta_name(bob)
    shoot(bob, "organizations")
    invitations.get_by_role("button", name="Join").click()
    expect(bob.get_by_role("status")).to_contain_text("You joined Analytical Engines")
    bob_workspaces = bob.get_by_role("list", name="Workspaces")
    expect(bob_workspaces.locator("li")).to_have_count(2)
    expect(bob_workspaces.locator("li.current")).to_contain_text("Analytical Engines")
    bob_workspaces.locator("li", has_text="Difference Engines").get_by_role("button", name="Switch").click()
    expect(bob.get_by_role("list", name="Workspaces").locator("li.current")).to_contain_text("Difference Engines")

    ada.goto("/organizations")
    ada_workspaces = ada.get_by_role("list", name="Workspaces")
    expect(ada_workspaces.locator("li.current")).to_contain_text("Analytical Engines")
    ada_workspaces.locator("li", has_text="Difference Engines").get_by_role("button", name="Switch").click()
    expect(ada.get_by_role("list", name="Workspaces").locator("li.current")).to_contain_text("Difference Engines")

    # The API sees what the pages did.
    bob_user = site_api.get("/api/v1/users", params={"page_size": 100}).json()["users"]
    bob_user = next(u for u in bob_user if u["email"] == "bob@example.com")
    assert sorted(m["name"] for m in bob_user["memberships"]) == ["Analytical Engines", "Difference Engines"]
    assert all(m["membership_status"] == "ACTIVE" for m in bob_user["memberships"])
    assert bob_user["email_verified"] is True
