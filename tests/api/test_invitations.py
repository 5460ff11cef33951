"""Invitations (SPEC §1 `invitation_expiry`, `organization_meta_name`; §5; API.md "Invitations")."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.conftest import FakeClock
from tests.helpers import TOKEN_IN_LINK, Api, held_roles, when

DEFAULT_EXPIRY = 1_296_000  # 15 days
PASSWORD = "a long enough passphrase"


def close_to(value: str | None, expected: datetime, tolerance: float = 1.0) -> bool:
    assert value is not None
    return abs((when(value) - expected).total_seconds()) <= tolerance


def invitation_emails(api: Api, email: str) -> list[dict[str, Any]]:
    response = api.get("/api/v1/emails", params={"to": email, "page_size": 100})
    assert response.status_code == 200, response.text
    return [e for e in response.json()["emails"] if e["kind"] == "invitation"]


def tokens(api: Api, email: str) -> list[str]:
    found = []
    for message in invitation_emails(api, email):
        match = TOKEN_IN_LINK.search(message["text"])
        assert match, message["text"]
        found.append(match.group(1))
    return found


def only_new_token(api: Api, email: str, known: list[str]) -> str:
    """The token of the one invitation e-mail sent since ``known`` were seen."""
    new = [token for token in tokens(api, email) if token not in known]
    assert len(new) == 1, new
    return new[0]


def resend(api: Api, org_id: str, user_id: str) -> httpx.Response:
    return api.patch(f"/api/v1/invites/organizations/{org_id}/users/{user_id}/resend")


def assert_invalid(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invitation_invalid"


def assert_expired(response: httpx.Response) -> None:
    assert response.status_code == 410, response.text
    assert response.json()["code"] == "invitation_expired"


def password_login_status(http: TestClient, email: str, password: str) -> int:
    page = http.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF token on the log-in page"
    response = http.post(
        "/login", data={"csrf_token": match.group(1), "email": email, "password": password}, follow_redirects=False
    )
    return response.status_code


# --- expiry --------------------------------------------------------------------------------------


def test_invitation_emails_carry_each_value_escaped_in_html_and_follow_the_settings(api: Api, clock: FakeClock):
    """The e-mail's values (names, inviter, link, expiry) are HTML-escaped in the HTML part only,
    with and without an inviter, and a change of branding or meta name shows in the next one."""
    org_id = api.post("/api/v1/organizations", json={"display_name": 'Zoë & <Søn> "Ltd"'}).json()["organization"]["id"]
    api.user_in(org_id, "ann@example.com", membership={"inviter_email": "o'boss@example.com"})
    api.user_in(org_id, "bob@example.com")
    (ann,) = invitation_emails(api, "ann@example.com")
    (bob,) = invitation_emails(api, "bob@example.com")
    expires = (clock.now() + timedelta(seconds=DEFAULT_EXPIRY)).strftime("%d %B %Y at %H:%M UTC")
    assert ann["subject"] == 'Join Zoë & <Søn> "Ltd" on Tenantry'
    assert ann["text"].startswith(
        'o\'boss@example.com invited you to join the organization Zoë & <Søn> "Ltd" on Tenantry.'
    )
    assert f"expires on {expires}." in ann["text"]
    assert "<title>Join Zoë &amp; &lt;Søn&gt; &#34;Ltd&#34; on Tenantry</title>" in ann["html"]
    assert "<p>o&#39;boss@example.com invited you" in ann["html"]
    assert "<strong>Zoë &amp; &lt;Søn&gt; &#34;Ltd&#34;</strong>" in ann["html"] and "<Søn>" not in ann["html"]
    token = TOKEN_IN_LINK.search(ann["text"])
    assert token and f"token={token.group(1)}" in ann["html"] and f"expires on {expires}." in ann["html"]
    assert bob["text"].startswith("You have been invited to join the organization Zoë")
    assert "<p>You have been invited" in bob["html"] and "invited you" not in bob["html"]
    api.settings(branding={"app_name": "Acme & Co"}, organization_meta_name={"singular": "Workspace"})
    api.user_in(org_id, "cy@example.com", membership={"inviter_email": "o'boss@example.com"})
    (cy,) = invitation_emails(api, "cy@example.com")
    assert cy["subject"] == 'Join Zoë & <Søn> "Ltd" on Acme & Co'
    assert "join the workspace Zoë" in cy["text"] and cy["text"].endswith("-- Acme & Co")
    assert "Sent by Acme &amp; Co." in cy["html"] and "the workspace <strong>" in cy["html"]


def test_default_expiry_is_15_days_from_the_invitation(api: Api, clock: FakeClock):
    assert api.get("/api/v1/environment/settings").json()["settings"]["invitation_expiry_seconds"] == DEFAULT_EXPIRY
    org_id = api.org()["id"]
    invited_at = clock.now()
    user = api.user_in(org_id, "ann@example.com")
    membership = user["memberships"][0]
    assert membership["membership_status"] == "PENDING_INVITE"
    assert membership["join_time"] is None
    assert close_to(membership["invite_expires_at"], invited_at + timedelta(seconds=DEFAULT_EXPIRY))
    assert close_to(api.membership(user, org_id)["invite_expires_at"], invited_at + timedelta(days=15))


def test_changed_expiry_applies_to_new_invitations_only(api: Api, clock: FakeClock):
    org_id = api.org()["id"]
    before = api.user_in(org_id, "before@example.com")
    assert api.settings(invitation_expiry_seconds=3600)["invitation_expiry_seconds"] == 3600
    after = api.user_in(org_id, "after@example.com")
    now = clock.now()
    assert close_to(api.membership(after, org_id)["invite_expires_at"], now + timedelta(seconds=3600))
    assert close_to(api.membership(before, org_id)["invite_expires_at"], now + timedelta(seconds=DEFAULT_EXPIRY))

    clock.advance(seconds=3601)
    assert api.membership(after, org_id)["membership_status"] == "INVITE_EXPIRED"
    assert api.membership(before, org_id)["membership_status"] == "PENDING_INVITE"
    assert_expired(api.accept(tokens(api, "after@example.com")[0]))
    assert api.accept(tokens(api, "before@example.com")[0]).status_code == 200


def test_expiry_applies_to_invitations_of_existing_users_too(api: Api, clock: FakeClock):
    api.settings(invitation_expiry_seconds=600)
    home = api.org("Home")["id"]
    other = api.org("Other")["id"]
    user = api.user_in(home, "ann@example.com", invite=False)
    response = api.post(f"/api/v1/memberships/organizations/{other}/users/{user['id']}", json={})
    assert response.status_code == 201, response.text
    assert close_to(api.membership(user, other)["invite_expires_at"], clock.now() + timedelta(seconds=600))


def test_expiry_setting_bounds(api: Api):
    for bad in (59, 7_776_001, 0, -1):
        response = api.patch("/api/v1/environment/settings", json={"invitation_expiry_seconds": bad})
        assert response.status_code == 400, bad
        assert response.json()["code"] == "invalid_argument"
    assert api.settings(invitation_expiry_seconds=60)["invitation_expiry_seconds"] == 60
    assert api.settings(invitation_expiry_seconds=7_776_000)["invitation_expiry_seconds"] == 7_776_000
    assert api.get("/api/v1/environment/settings").json()["settings"]["invitation_expiry_seconds"] == 7_776_000


def test_status_is_derived_from_the_clock(api: Api, clock: FakeClock):
    api.settings(invitation_expiry_seconds=3600)
    org_id = api.org()["id"]
    user = api.user_in(org_id, "ann@example.com")
    clock.advance(seconds=3599)
    assert api.membership(user, org_id)["membership_status"] == "PENDING_INVITE"
    clock.advance(seconds=1)  # exactly expires_at: no longer valid
    assert api.membership(user, org_id)["membership_status"] == "INVITE_EXPIRED"
    listed = api.get(f"/api/v1/organizations/{org_id}/users").json()["users"]
    assert listed[0]["memberships"][0]["membership_status"] == "INVITE_EXPIRED"
    assert listed[0]["memberships"][0]["invite_expires_at"] is not None


def test_accept_after_expiry_is_410_and_activates_nothing(api: Api, clock: FakeClock):
    org_id = api.org()["id"]
    user = api.user_in(org_id, "ann@example.com")
    token = api.invitation_token("ann@example.com")
    clock.advance(days=15, seconds=1)
    assert_expired(api.accept(token, password=PASSWORD))
    stored = api.get(f"/api/v1/users/{user['id']}").json()["user"]
    assert stored["email_verified"] is False
    assert stored["memberships"][0]["membership_status"] == "INVITE_EXPIRED"


def test_accept_just_before_expiry_works(api: Api, clock: FakeClock):
    org_id = api.org()["id"]
    user = api.user_in(org_id, "ann@example.com")
    clock.advance(days=15, seconds=-1)
    response = api.accept(api.invitation_token("ann@example.com"))
    assert response.status_code == 200, response.text
    assert api.membership(user, org_id)["membership_status"] == "ACTIVE"
    clock.advance(days=30)  # an accepted membership never expires
    assert api.membership(user, org_id)["membership_status"] == "ACTIVE"
    assert api.membership(user, org_id)["invite_expires_at"] is None


# --- resend --------------------------------------------------------------------------------------


def test_resend_returns_the_invite(api: Api, clock: FakeClock):
    org_id = api.org()["id"]
    invited_at = clock.now()
    user = api.user_in(
        org_id, "ann@example.com", membership={"roles": [{"name": "member"}], "inviter_email": "boss@example.com"}
    )
    clock.advance(days=2)
    resent_at = clock.now()
    response = resend(api, org_id, user["id"])
    assert response.status_code == 200, response.text
    invite = response.json()["invite"]
    assert set(invite) >= {
        "organization_id",
        "user_id",
        "inviter_email",
        "status",
        "created_at",
        "expires_at",
        "resent_at",
        "resent_count",
    }
    assert invite["organization_id"] == org_id
    assert invite["user_id"] == user["id"]
    assert invite["inviter_email"] == "boss@example.com"
    assert invite["status"] == "PENDING_INVITE"
    assert close_to(invite["created_at"], invited_at)
    assert close_to(invite["resent_at"], resent_at)
    assert close_to(invite["expires_at"], resent_at + timedelta(seconds=DEFAULT_EXPIRY))
    assert invite["resent_count"] == 1


def test_resend_rotates_the_token(api: Api):
    org_id = api.org()["id"]
    user = api.user_in(org_id, "ann@example.com")
    old = tokens(api, "ann@example.com")
    assert len(old) == 1
    assert resend(api, org_id, user["id"]).status_code == 200
    new = only_new_token(api, "ann@example.com", old)
    assert new != old[0]
    assert_invalid(api.accept(old[0]))
    assert api.membership(user, org_id)["membership_status"] == "PENDING_INVITE"
    accepted = api.accept(new)
    assert accepted.status_code == 200, accepted.text
    assert api.membership(user, org_id)["membership_status"] == "ACTIVE"


def test_resend_restarts_the_expiry_from_the_resend_time(api: Api, clock: FakeClock):
    org_id = api.org()["id"]
    user = api.user_in(org_id, "ann@example.com")
    first = tokens(api, "ann@example.com")
    clock.advance(days=10)
    resent_at = clock.now()
    response = resend(api, org_id, user["id"])
    assert close_to(response.json()["invite"]["expires_at"], resent_at + timedelta(days=15))
    assert close_to(api.membership(user, org_id)["invite_expires_at"], resent_at + timedelta(days=15))
    token = only_new_token(api, "ann@example.com", first)

    clock.advance(days=10)  # 20 days after the first invitation, 10 after the resend
    assert api.membership(user, org_id)["membership_status"] == "PENDING_INVITE"
    assert api.accept(token).status_code == 200


def test_resend_uses_the_current_expiry_setting(api: Api, clock: FakeClock):
    org_id = api.org()["id"]
    user = api.user_in(org_id, "ann@example.com")
    api.settings(invitation_expiry_seconds=7200)
    response = resend(api, org_id, user["id"])
    assert close_to(response.json()["invite"]["expires_at"], clock.now() + timedelta(seconds=7200))


def test_resend_counts_every_resend(api: Api, clock: FakeClock):
    org_id = api.org()["id"]
    user = api.user_in(org_id, "ann@example.com")
    for expected in (1, 2, 3):
        clock.advance(hours=1)
        invite = resend(api, org_id, user["id"]).json()["invite"]
        assert invite["resent_count"] == expected
        assert close_to(invite["resent_at"], clock.now())
    assert len(invitation_emails(api, "ann@example.com")) == 4
    assert len(set(tokens(api, "ann@example.com"))) == 4


def test_only_the_newest_of_several_resent_tokens_works(api: Api):
    org_id = api.org()["id"]
    user = api.user_in(org_id, "ann@example.com")
    seen: list[str] = tokens(api, "ann@example.com")
    for _ in range(2):
        resend(api, org_id, user["id"])
        seen.append(only_new_token(api, "ann@example.com", seen))
    for stale in seen[:-1]:
        assert_invalid(api.accept(stale))
    assert api.accept(seen[-1]).status_code == 200


def test_resending_an_expired_invitation_renews_it(api: Api, clock: FakeClock):
    org_id = api.org()["id"]
    user = api.user_in(org_id, "ann@example.com")
    old = tokens(api, "ann@example.com")
    clock.advance(days=20)
    assert api.membership(user, org_id)["membership_status"] == "INVITE_EXPIRED"
    response = resend(api, org_id, user["id"])
    assert response.status_code == 200, response.text
    invite = response.json()["invite"]
    assert invite["status"] == "PENDING_INVITE"
    assert invite["resent_count"] == 1
    assert close_to(invite["expires_at"], clock.now() + timedelta(days=15))
    assert api.membership(user, org_id)["membership_status"] == "PENDING_INVITE"
    assert_invalid(api.accept(old[0]))  # replaced, not merely expired
    new = only_new_token(api, "ann@example.com", old)
    assert api.accept(new).status_code == 200
    assert api.membership(user, org_id)["membership_status"] == "ACTIVE"


def test_resending_an_active_membership_is_409(api: Api):
    org_id = api.org()["id"]
    active = api.user_in(org_id, "active@example.com", invite=False)
    response = resend(api, org_id, active["id"])
    assert response.status_code == 409
    assert response.json()["code"] == "membership_already_active"
    assert invitation_emails(api, "active@example.com") == []


def test_resending_an_accepted_invitation_is_409(api: Api):
    org_id = api.org()["id"]
    user = api.user_in(org_id, "ann@example.com")
    assert api.accept(api.invitation_token("ann@example.com")).status_code == 200
    response = resend(api, org_id, user["id"])
    assert response.status_code == 409
    assert response.json()["code"] == "membership_already_active"
    assert len(invitation_emails(api, "ann@example.com")) == 1


def test_resending_an_unknown_membership_is_404(api: Api):
    org_id = api.org()["id"]
    other_org = api.org("Other")["id"]
    user = api.user_in(other_org, "ann@example.com")
    for org, user_id in [(org_id, user["id"]), (org_id, "usr_nope"), ("org_nope", user["id"])]:
        response = resend(api, org, user_id)
        assert response.status_code == 404, (org, user_id)
        assert response.json()["code"] == "not_found"
    assert len(invitation_emails(api, "ann@example.com")) == 1


def test_resending_a_revoked_invitation_is_404(api: Api):
    org_id = api.org()["id"]
    user = api.user_in(org_id, "ann@example.com")
    assert api.delete(f"/api/v1/memberships/organizations/{org_id}/users/{user['id']}").status_code == 200
    response = resend(api, org_id, user["id"])
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- accept --------------------------------------------------------------------------------------


def test_accept_returns_the_user_and_organization(api: Api):
    org = api.org("Acme")
    user = api.user_in(org["id"], "ann@example.com")
    response = api.accept(api.invitation_token("ann@example.com"), password=PASSWORD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"user", "organization"}
    assert body["organization"]["id"] == org["id"]
    assert body["organization"]["display_name"] == "Acme"
    assert body["user"]["id"] == user["id"]
    assert body["user"]["email_verified"] is True
    [membership] = body["user"]["memberships"]
    assert membership["membership_status"] == "ACTIVE"
    assert membership["join_time"] is not None
    assert membership["roles"] == held_roles("member")


def test_accept_keeps_the_invited_roles(api: Api):
    org_id = api.org()["id"]
    user = api.user_in(org_id, "ann@example.com", membership={"roles": [{"name": "admin"}]})
    assert api.accept(api.invitation_token("ann@example.com")).status_code == 200
    assert api.membership(user, org_id)["roles"] == held_roles("admin")


def test_accept_is_single_use(api: Api):
    org_id = api.org()["id"]
    api.user_in(org_id, "ann@example.com")
    token = api.invitation_token("ann@example.com")
    assert api.accept(token, password=PASSWORD).status_code == 200
    assert_invalid(api.accept(token))
    assert_invalid(api.accept(token, password="another passphrase"))


def test_unknown_token_is_400_invitation_invalid(api: Api):
    org_id = api.org()["id"]
    api.user_in(org_id, "ann@example.com")
    token = api.invitation_token("ann@example.com")
    for bogus in ("nope", token[:-1], token + "x", "A" * 43):
        assert_invalid(api.accept(bogus))


def test_revoked_token_is_400_invitation_invalid(api: Api):
    org_id = api.org()["id"]
    user = api.user_in(org_id, "ann@example.com")
    token = api.invitation_token("ann@example.com")
    assert api.delete(f"/api/v1/memberships/organizations/{org_id}/users/{user['id']}").status_code == 200
    assert_invalid(api.accept(token, password=PASSWORD))
    stored = api.get(f"/api/v1/users/{user['id']}").json()["user"]
    assert stored["memberships"] == []
    assert stored["email_verified"] is False


def test_token_of_a_deleted_organization_is_400(api: Api):
    org_id = api.org()["id"]
    api.user_in(org_id, "ann@example.com")
    token = api.invitation_token("ann@example.com")
    assert api.delete(f"/api/v1/organizations/{org_id}").status_code == 200
    assert_invalid(api.accept(token))


def test_accept_needs_no_bearer_token(api: Api, http: TestClient):
    org_id = api.org()["id"]
    api.user_in(org_id, "ann@example.com")
    response = http.post("/api/v1/invitations:accept", json={"token": api.invitation_token("ann@example.com")})
    assert response.status_code == 200, response.text


def test_accept_with_password_and_profile_sets_them(api: Api, http: TestClient):
    org_id = api.org()["id"]
    user = api.user_in(org_id, "ann@example.com")
    response = api.accept(
        api.invitation_token("ann@example.com"),
        password=PASSWORD,
        user_profile={"given_name": "Ann", "family_name": "Smith", "locale": "en-GB"},
    )
    assert response.status_code == 200, response.text
    profile = response.json()["user"]["user_profile"]
    assert profile["given_name"] == "Ann"
    assert profile["family_name"] == "Smith"
    assert profile["locale"] == "en-GB"
    stored = api.get(f"/api/v1/users/{user['id']}").json()["user"]["user_profile"]
    assert (stored["given_name"], stored["family_name"], stored["locale"]) == ("Ann", "Smith", "en-GB")
    assert password_login_status(http, "ann@example.com", "not the passphrase") == 401
    assert password_login_status(http, "ann@example.com", PASSWORD) in (302, 303)


def test_accept_with_a_short_password_is_400_and_leaves_the_invitation_open(api: Api):
    org_id = api.org()["id"]
    user = api.user_in(org_id, "ann@example.com")
    token = api.invitation_token("ann@example.com")
    response = api.accept(token, password="short")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_argument"
    assert "password" in {d["field"] for d in response.json()["details"]}
    assert api.membership(user, org_id)["membership_status"] == "PENDING_INVITE"
    assert api.accept(token, password=PASSWORD).status_code == 200


def test_accept_for_an_existing_user_activates_the_new_membership(api: Api, http: TestClient):
    signed_up = api.signup("ann@example.com", password=PASSWORD, organization={"display_name": "Own"}).json()
    user, own = signed_up["user"], signed_up["organization"]["id"]
    other = api.org("Other")["id"]
    added = api.add_user(other, "ANN@example.com")
    assert added.status_code == 201, added.text
    assert added.json()["user"]["id"] == user["id"]
    assert api.membership(user, other)["membership_status"] == "PENDING_INVITE"

    response = api.accept(api.invitation_token("ann@example.com"))
    assert response.status_code == 200, response.text
    assert response.json()["organization"]["id"] == other
    # The public answer names only this membership (not the user's other organizations).
    [accepted] = response.json()["user"]["memberships"]
    assert accepted["organization_id"] == other and accepted["membership_status"] == "ACTIVE"
    assert accepted["roles"] == held_roles("member")
    assert api.membership(user, own)["membership_status"] == "ACTIVE"
    assert api.membership(user, own)["roles"] == held_roles("admin")
    assert api.get("/api/v1/users").json()["total_size"] == 1
    assert password_login_status(http, "ann@example.com", PASSWORD) in (302, 303)


def test_accept_does_not_replace_an_existing_password(api: Api, http: TestClient):
    api.signup("ann@example.com", password=PASSWORD)
    other = api.org("Other")["id"]
    api.user_in(other, "ann@example.com")
    response = api.accept(api.invitation_token("ann@example.com"), password="an attacker's passphrase")
    assert response.status_code == 200, response.text
    assert password_login_status(http, "ann@example.com", "an attacker's passphrase") == 401
    assert password_login_status(http, "ann@example.com", PASSWORD) in (302, 303)


def test_accepting_one_invitation_leaves_the_users_other_invitation_pending(api: Api):
    first = api.org("First")["id"]
    second = api.org("Second")["id"]
    user = api.user_in(first, "ann@example.com")
    first_token = api.invitation_token("ann@example.com")
    assert api.post(f"/api/v1/memberships/organizations/{second}/users/{user['id']}", json={}).status_code == 201
    second_token = only_new_token(api, "ann@example.com", [first_token])

    assert api.accept(second_token).status_code == 200
    assert api.membership(user, second)["membership_status"] == "ACTIVE"
    assert api.membership(user, first)["membership_status"] == "PENDING_INVITE"
    assert api.accept(first_token).status_code == 200
    assert api.membership(user, first)["membership_status"] == "ACTIVE"


# --- the e-mail ----------------------------------------------------------------------------------


def test_inviter_email_is_returned_and_named_in_the_email(api: Api):
    org_id = api.org("Acme")["id"]
    user = api.user_in(
        org_id, "ann@example.com", membership={"roles": [{"name": "member"}], "inviter_email": "boss@example.com"}
    )
    assert user["memberships"][0]["inviter_email"] == "boss@example.com"
    assert api.membership(user, org_id)["inviter_email"] == "boss@example.com"
    [message] = invitation_emails(api, "ann@example.com")
    assert message["to"] == "ann@example.com"
    assert "boss@example.com" in message["text"]
    assert "Acme" in message["text"]
    assert "Acme" in message["subject"]
    assert resend(api, org_id, user["id"]).json()["invite"]["inviter_email"] == "boss@example.com"
    assert "boss@example.com" in invitation_emails(api, "ann@example.com")[-1]["text"]


def test_inviter_email_through_the_membership_route(api: Api):
    home = api.org("Home")["id"]
    other = api.org("Beta Corp")["id"]
    user = api.user_in(home, "ann@example.com", invite=False)
    response = api.post(
        f"/api/v1/memberships/organizations/{other}/users/{user['id']}",
        json={"roles": [{"name": "member"}], "inviter_email": "lead@example.com"},
    )
    assert response.status_code == 201, response.text
    assert api.membership(user, other)["inviter_email"] == "lead@example.com"
    [message] = invitation_emails(api, "ann@example.com")
    assert "lead@example.com" in message["text"]
    assert "Beta Corp" in message["text"]


def test_without_inviter_the_membership_has_none(api: Api):
    org_id = api.org("Acme")["id"]
    user = api.user_in(org_id, "ann@example.com")
    assert user["memberships"][0]["inviter_email"] is None
    assert resend(api, org_id, user["id"]).json()["invite"]["inviter_email"] is None


def test_email_link_points_at_the_hosted_accept_page(api: Api):
    org_id = api.org("Acme")["id"]
    api.user_in(org_id, "ann@example.com")
    [message] = invitation_emails(api, "ann@example.com")
    assert re.search(r"http://tenantry\.test/invitations/accept\?token=[A-Za-z0-9_\-]{20,}", message["text"])


def test_no_email_without_send_invitation_email(api: Api):
    org_id = api.org("Acme")["id"]
    api.user_in(org_id, "ann@example.com", invite=False)
    assert invitation_emails(api, "ann@example.com") == []


def test_email_uses_the_default_meta_name(api: Api):
    org_id = api.org("Acme")["id"]
    api.user_in(org_id, "ann@example.com")
    [message] = invitation_emails(api, "ann@example.com")
    assert "organization" in message["text"].lower()


def test_email_uses_the_configured_meta_name(api: Api):
    api.settings(organization_meta_name={"singular": "Workspace", "plural": "Workspaces"})
    org_id = api.org("Acme")["id"]
    api.user_in(org_id, "ann@example.com")
    [message] = invitation_emails(api, "ann@example.com")
    for body in (message["text"], message["html"]):
        assert "Acme" in body
        assert "workspace" in body.lower()
        assert "organization" not in body.lower()


def test_resent_email_uses_the_meta_name_in_force_then(api: Api):
    org_id = api.org("Acme")["id"]
    user = api.user_in(org_id, "ann@example.com")
    api.settings(organization_meta_name={"singular": "Team", "plural": "Teams"})
    resend(api, org_id, user["id"])
    texts = [m["text"] for m in invitation_emails(api, "ann@example.com")]
    assert any("team" in text.lower() and "organization" not in text.lower() for text in texts)
    assert any("organization" in text.lower() for text in texts)


def test_email_uses_the_current_organization_name(api: Api):
    org_id = api.org("Old name")["id"]
    assert api.patch(f"/api/v1/organizations/{org_id}", json={"display_name": "New name"}).status_code == 200
    api.user_in(org_id, "ann@example.com")
    [message] = invitation_emails(api, "ann@example.com")
    assert "New name" in message["text"]
    assert "Old name" not in message["text"]
