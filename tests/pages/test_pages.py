"""Each hosted page and each refusal, in a real browser: log-in both ways, sign-up closed,
expired / used invitations, full organizations, attributes on sign-up, password reset,
profile, CSRF, and the meta name on every page."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.pages.conftest import code_in, latest_email, link_in, shoot

PASSWORD = "a long and unusual passphrase"


def signed_up(page: Page, api, email: str = "ada@example.com", organization: str = "Acme") -> None:  # type: ignore[no-untyped-def]
    """A verified account, signed in on ``page``."""
    page.goto("/signup")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("input[name=organization_name]").fill(organization)
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Code").fill(code_in(latest_email(api, email, "verify_email")))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/organizations(\?notice=\w+)?$"))


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def test_log_in_with_password_and_with_an_emailed_code(site_api, new_page):
    page = new_page()
    signed_up(page, site_api)
    sign_out(page)

    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("e-mail or password is not right")
    shoot(page, "login")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/organizations(\?notice=\w+)?$"))
    sign_out(page)

    page.get_by_role("link", name="E-mail me a sign-in code instead").click()
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_role("button", name="E-mail me a code").click()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".field-error")).to_contain_text("not valid")
    page.get_by_label("Code").fill(code_in(latest_email(site_api, "ada@example.com", "login_code")))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/organizations(\?notice=\w+)?$"))
    expect(page.locator("main")).to_contain_text("Signed in as ada@example.com")


def test_unknown_emails_get_the_same_answers_as_known_ones(site_api, new_page):
    page = new_page()
    signed_up(page, site_api)
    sign_out(page)
    answers = []
    for email in ("ada@example.com", "nobody@example.com"):
        page.goto("/login/code")
        page.get_by_label("E-mail").fill(email)
        page.get_by_role("button", name="E-mail me a code").click()
        answers.append(page.locator("main").inner_text().replace(email, "EMAIL"))
        page.goto("/forgot-password")
        page.get_by_label("E-mail").fill(email)
        page.get_by_role("button", name="Send the link").click()
        answers.append(page.locator("main").inner_text().replace(email, "EMAIL"))
    assert answers[:2] == answers[2:]
    # Signing up again with a registered address looks like a fresh sign-up; the owner is told by e-mail.
    other = new_page()
    other.goto("/signup")
    other.get_by_label("E-mail").fill("ada@example.com")
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Create account").click()
    expect(other).to_have_url(re.compile(r"/verify-email"))
    assert "You already have" in latest_email(site_api, "ada@example.com", "account_exists")


def test_sign_up_closed_leaves_invitations_open(site_api, new_page):
    site_api.settings(signup_enabled=False)
    page = new_page()
    page.goto("/signup")
    expect(page.get_by_role("heading", name="Sign-up is by invitation only")).to_be_visible()
    expect(page.locator("form[action='/signup']")).to_have_count(0)
    shoot(page, "signup-closed")
    page.goto("/login")
    expect(page.get_by_role("link", name="Create an account")).to_have_count(0)

    org = site_api.org("Invite Only Inc")["id"]
    site_api.user_in(org, "carol@example.com", membership={"inviter_email": "boss@example.com"})
    page.goto(link_in(latest_email(site_api, "carol@example.com", "invitation")))
    page.get_by_label("Choose a password").fill("carol's long passphrase")
    page.get_by_role("button", name="Join Invite Only Inc").click()
    expect(page.get_by_role("list", name="Organizations").locator("li.current")).to_contain_text("Invite Only Inc")


def test_expired_and_used_invitation_links_explain_themselves(site_api, new_page, clock):
    org = site_api.org("Initech")["id"]
    site_api.user_in(
        org, "dave@example.com", membership={"roles": [{"name": "member"}], "inviter_email": "boss@initech.example"}
    )
    site_api.user_in(org, "erin@example.com")
    dave_link = link_in(latest_email(site_api, "dave@example.com", "invitation"))
    erin_link = link_in(latest_email(site_api, "erin@example.com", "invitation"))
    page = new_page()

    page.goto(erin_link)
    page.get_by_label("Choose a password").fill("erin's long passphrase")
    page.get_by_role("button", name="Join Initech").click()
    expect(page).to_have_url(re.compile(r"/organizations(\?notice=\w+)?$"))
    response = page.goto(erin_link)
    assert response is not None and response.status == 400
    # The link's digest remembers why it died (issue 16); the page names neither address nor organization.
    expect(page.get_by_role("heading", name="This invitation was already accepted")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Initech")

    clock.advance(days=16)
    response = page.goto(dave_link)
    assert response is not None and response.status == 410
    expect(page.get_by_role("heading", name="This invitation has expired")).to_be_visible()
    # It names the organization and the inviter, and asks them for a new invitation in one click.
    expect(page.locator("main")).to_contain_text(
        "boss@initech.example invited you (dave@example.com) to the organization Initech"
    )
    shoot(page, "invitation-expired")
    page.get_by_role("button", name="Ask boss@initech.example for a new invitation").click()
    expect(page.locator("main")).to_contain_text("We asked boss@initech.example to send you a new invitation")
    asked = latest_email(site_api, "boss@initech.example", "invitation_request")
    assert "dave@example.com" in asked and f"/organizations/{org}/members" in asked


def test_a_full_organization_refuses_new_invitations_on_the_members_page(site_api, new_page):
    page = new_page()
    signed_up(page, site_api, organization="Tiny Team")
    org = site_api.get("/api/v1/organizations").json()["organizations"][0]["id"]
    site_api.limit(org, 2)
    page.goto(f"/organizations/{org}/members")
    page.get_by_label("E-mail").fill("first@example.com")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status").first).to_contain_text("Invitation sent")
    expect(page.locator("main")).to_contain_text("2 of 2 seats used")
    # Said once, up front: one banner, and the form is off.
    expect(page.locator(".alert")).to_have_count(2)  # the notice of what was just done, and the one banner
    expect(page.locator("#full-banner")).to_contain_text("This organization is full")
    expect(page.locator("#full-banner")).to_contain_text("Pending invitations can still be accepted")
    expect(page.get_by_role("button", name="Send invitation")).to_be_disabled()
    expect(page.get_by_label("E-mail")).to_be_disabled()
    # A form loaded before the organization filled up is refused, worded with the meta name.
    page.evaluate("document.querySelectorAll('form [disabled]').forEach(e => e.disabled = false)")
    page.get_by_label("E-mail").fill("second@example.com")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("This organization has reached its maximum number of users")
    assert site_api.get("/api/v1/emails", params={"to": "second@example.com"}).json()["total_size"] == 0


def test_accepting_is_refused_after_the_limit_was_lowered_below_the_seats_in_use(site_api, new_page):
    org = site_api.org("Shrinking")["id"]
    site_api.user_in(org, "a@example.com", invite=False)
    site_api.user_in(org, "b@example.com", invite=False)
    site_api.user_in(org, "late@example.com")
    site_api.limit(org, 2)  # 3 seats in use, limit 2: the pending invitation cannot complete
    page = new_page()
    response = page.goto(link_in(latest_email(site_api, "late@example.com", "invitation")))
    # Before any form (SPEC §2's exception): the link says the organization is over its limit.
    assert response is not None and response.status == 409
    expect(page.get_by_role("heading", name="This organization is full")).to_be_visible()
    expect(page.locator("main")).to_contain_text("over its user limit")
    expect(page.get_by_label("Choose a password")).to_have_count(0)
    members = site_api.get(f"/api/v1/organizations/{org}/users").json()["users"]
    late = next(u for u in members if u["email"] == "late@example.com")
    assert late["memberships"][0]["membership_status"] == "PENDING_INVITE"


def test_sign_up_collects_and_validates_custom_attributes(site_api, new_page):
    site_api.post(
        "/api/v1/user-attributes",
        json={
            "key": "department",
            "display_name": "Department",
            "type": "enum",
            "options": ["Sales", "Engineering"],
            "required": True,
            "collect_on_signup": True,
        },
    )
    site_api.post(
        "/api/v1/user-attributes",
        json={
            "key": "employee_id",
            "display_name": "Employee ID",
            "type": "string",
            "pattern": r"E\d{4}",
            "collect_on_signup": True,
        },
    )
    site_api.post(
        "/api/v1/user-attributes",
        json={"key": "newsletter", "display_name": "Send me news", "type": "boolean", "collect_on_signup": True},
    )
    page = new_page()
    page.goto("/signup")
    page.get_by_label("E-mail").fill("fay@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Employee ID").fill("X1")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#ca\\.department-error")).to_contain_text("required")
    expect(page.locator("#ca\\.employee_id-error")).to_contain_text("expected format")
    shoot(page, "signup-attribute-errors")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Department").select_option("Engineering")
    page.get_by_label("Employee ID").fill("E1234")
    page.get_by_label("Send me news").check()
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/verify-email"))
    user = site_api.get("/api/v1/users").json()["users"][0]
    assert user["user_profile"]["custom_attributes"] == {
        "department": "Engineering",
        "employee_id": "E1234",
        "newsletter": True,
    }


def test_password_reset_signs_out_other_browsers(site_api, new_page):
    first = new_page()
    signed_up(first, site_api)
    other = new_page()
    other.goto("/forgot-password")
    other.get_by_label("E-mail").fill("ada@example.com")
    other.get_by_role("button", name="Send the link").click()
    other.goto(link_in(latest_email(site_api, "ada@example.com", "reset_password")))
    other.get_by_label("New password").fill("password")
    other.get_by_role("button", name="Save and sign in").click()
    expect(other.locator(".field-error")).to_contain_text("too common")
    other.get_by_label("New password").fill("a brand new long passphrase")
    other.get_by_role("button", name="Save and sign in").click()
    expect(other).to_have_url(re.compile(r"/organizations(\?notice=\w+)?$"))
    first.goto("/organizations")
    expect(first).to_have_url(re.compile(r"/login"))


def test_profile_edits_only_what_the_user_may_edit(site_api, new_page):
    site_api.post("/api/v1/user-attributes", json={"key": "team", "display_name": "Team", "type": "string"})
    site_api.post(
        "/api/v1/user-attributes",
        json={"key": "cost_center", "display_name": "Cost center", "type": "integer", "user_editable": False},
    )
    page = new_page()
    signed_up(page, site_api)
    user_id = site_api.get("/api/v1/users").json()["users"][0]["id"]
    site_api.patch(f"/api/v1/users/{user_id}", json={"user_profile": {"custom_attributes": {"cost_center": 42}}})
    page.goto("/profile")
    expect(page.get_by_label("Cost center")).to_have_attribute("readonly", "")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Team").fill("Compilers")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    shoot(page, "profile")
    profile = site_api.get(f"/api/v1/users/{user_id}").json()["user"]["user_profile"]
    assert profile["given_name"] == "Ada"
    assert profile["custom_attributes"] == {"team": "Compilers", "cost_center": 42}


def test_forms_without_a_valid_csrf_token_are_refused(site, site_api, new_page):
    page = new_page()
    signed_up(page, site_api)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    with httpx.Client(base_url=site, cookies=cookies) as forged:
        for token in (None, "0" * 64):
            data = {"display_name": "Forged"} | ({"csrf_token": token} if token else {})
            response = forged.post("/organizations/new", data=data)
            assert response.status_code == 403
            assert "Please try again" in response.text
    assert site_api.get("/api/v1/organizations").json()["total_size"] == 1


def test_every_page_uses_the_configured_meta_name(site_api, new_page, clock):
    site_api.settings(organization_meta_name={"singular": "Team", "plural": "Teams"})
    org = site_api.org("Rockets")["id"]
    site_api.user_in(org, "gus@example.com")
    invitation = link_in(latest_email(site_api, "gus@example.com", "invitation"))
    page = new_page()
    signed_up(page, site_api, organization="Ada's Team")
    own = next(o["id"] for o in site_api.get("/api/v1/organizations").json()["organizations"] if o["id"] != org)
    visitor = new_page()
    pages = [
        (page, "/organizations"),
        (page, "/organizations/new"),
        (page, f"/organizations/{own}/members"),
        (page, "/profile"),
        (visitor, "/signup"),
        (visitor, "/login"),
        (visitor, "/login/code"),
        (visitor, "/forgot-password"),
        (visitor, "/reset-password?token=nope"),
        (visitor, "/verify-email"),
        (visitor, invitation),
        (visitor, "/invitations/accept?token=nope"),
    ]
    for browser_page, path in pages:
        browser_page.goto(path)
        text = browser_page.locator("body").inner_text()
        assert not re.search(r"organi[sz]ation", text, re.IGNORECASE), (path, text)
    page.goto("/organizations")
    expect(page.get_by_role("heading", name="Your teams")).to_be_visible()
    visitor.goto(invitation)
    expect(visitor.locator("main")).to_contain_text("to the team Rockets")
    assert "team" in latest_email(site_api, "gus@example.com", "invitation")


def test_the_creation_limit_is_explained_on_the_create_page(site_api, new_page):
    site_api.settings(max_organizations_per_user=1)
    page = new_page()
    signed_up(page, site_api, organization="Only One")
    # The switcher does not offer what would be refused, and says why.
    expect(page.get_by_role("link", name="Create an organization")).to_have_count(0)
    expect(page.locator("#creation-limit")).to_contain_text(
        "You have created 1 organization, the most one person may create here"
    )
    page.goto("/organizations/new")
    expect(page.get_by_role("status")).to_contain_text("You have already created 1 organization; the limit is 1.")
    expect(page.get_by_label("Organization name")).to_have_count(0)
    # A form loaded earlier is refused in the same words, for the person it is about.
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = page.request.post("/organizations/new", form={"csrf_token": token, "display_name": "One Too Many"})
    assert refused.status == 400 and "You have already created 1 organization; the limit is 1." in refused.text()
    assert site_api.get("/api/v1/organizations").json()["total_size"] == 1


def test_the_members_page_revokes_invitations_but_never_removes_active_members(site, site_api, new_page):
    page = new_page()
    signed_up(page, site_api, organization="Careful")
    org = site_api.get("/api/v1/organizations").json()["organizations"][0]["id"]
    pending = site_api.user_in(org, "pending@example.com")
    page.goto(f"/organizations/{org}/members")
    page.get_by_role("list", name="Members").locator("li", has_text="pending@example.com").get_by_role(
        "button", name="Revoke"
    ).click()
    expect(page.get_by_role("status").first).to_contain_text("Invitation revoked")
    assert site_api.get(f"/api/v1/users/{pending['id']}").json()["user"]["memberships"] == []

    # The revoke action posted by hand for an active membership (the page offers it only for
    # invitations): refused, the member stays.
    removal = page.locator("li[data-member='ada@example.com'] form[action$='/remove']").get_attribute("action")
    assert removal is not None
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    forged = page.request.post(site + removal.replace("/remove", "/revoke"), form={"csrf_token": token})
    assert forged.status == 409
    members = site_api.get(f"/api/v1/organizations/{org}/users").json()["users"]
    assert [m["email"] for m in members] == ["ada@example.com"]
