"""The user-management rules of SPEC §1, §2 and §5, through the HTTP API."""

from __future__ import annotations

from tests.helpers import Api, held_roles, when

DAY = 24 * 3600


def total_users(api: Api) -> int:
    return int(api.get("/api/v1/users").json()["total_size"])


# --- sign-up toggle -----------------------------------------------------------------------


def test_sign_up_creates_a_user_who_owns_a_new_organization(api: Api):
    response = api.signup("Ada@Example.com", organization={"display_name": "Engines"})
    assert response.status_code == 201, response.text
    user, org = response.json()["user"], response.json()["organization"]
    assert user["id"].startswith("usr_") and org["id"].startswith("org_")
    assert org["display_name"] == "Engines"
    [membership] = user["memberships"]
    assert membership["organization_id"] == org["id"]
    assert membership["membership_status"] == "ACTIVE"
    assert membership["roles"] == held_roles("admin")
    assert api.signup("ada@EXAMPLE.com").json()["code"] == "already_exists"


def test_disabled_sign_up_is_refused_but_invitations_still_work(api: Api):
    api.settings(signup_enabled=False)
    refused = api.signup("bob@example.com")
    assert refused.status_code == 403 and refused.json()["code"] == "signup_disabled"
    assert total_users(api) == 0
    assert api.get("/api/v1/organizations").json()["total_size"] == 0

    org = api.org("Invite only")["id"]
    api.user_in(org, "bob@example.com")
    accepted = api.accept(api.invitation_token("bob@example.com"), password="bob's long passphrase")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["user"]["memberships"][0]["membership_status"] == "ACTIVE"
    assert accepted.json()["user"]["email_verified"] is True

    api.settings(signup_enabled=True)
    assert api.signup("carol@example.com").status_code == 201


# --- organizations per user ---------------------------------------------------------------


def test_the_creation_limit_counts_existing_organizations_the_user_created(api: Api):
    api.settings(max_organizations_per_user=2)
    user = api.signup("dan@example.com").json()["user"]  # organization 1 of 2
    for _ in range(3):  # the application's own organizations never count
        api.org("Made by the app")
    second = api.post("/api/v1/organizations", json={"display_name": "Second", "created_by_user_id": user["id"]})
    assert second.status_code == 201
    third = api.post("/api/v1/organizations", json={"display_name": "Third", "created_by_user_id": user["id"]})
    assert third.status_code == 409 and third.json()["code"] == "organization_creation_limit_reached"
    assert api.get(f"/api/v1/users/{user['id']}").json()["user"]["memberships"][1]["roles"] == held_roles("admin")

    assert api.delete(f"/api/v1/organizations/{second.json()['organization']['id']}").status_code == 200
    again = api.post("/api/v1/organizations", json={"display_name": "Third", "created_by_user_id": user["id"]})
    assert again.status_code == 201

    api.settings(max_organizations_per_user=None)
    assert (
        api.post("/api/v1/organizations", json={"display_name": "More", "created_by_user_id": user["id"]}).status_code
        == 201
    )
    api.settings(max_organizations_per_user=1)  # lowered below the count: nothing removed, nothing new
    assert len(api.get(f"/api/v1/users/{user['id']}").json()["user"]["memberships"]) == 3
    blocked = api.post("/api/v1/organizations", json={"display_name": "No", "created_by_user_id": user["id"]})
    assert blocked.json()["code"] == "organization_creation_limit_reached"
    missing = api.post("/api/v1/organizations", json={"display_name": "X", "created_by_user_id": "usr_nobody"})
    assert missing.status_code == 404


# --- users per organization ---------------------------------------------------------------


def full_organization(api: Api, limit: int = 2) -> tuple[str, dict, dict]:
    org = api.org("Full")["id"]
    api.limit(org, limit)
    active = api.user_in(org, "active@example.com", invite=False)
    pending = api.user_in(org, "pending@example.com")
    return org, active, pending


def test_active_members_and_unexpired_invitations_count(api: Api, clock):
    org, _, _ = full_organization(api, limit=3)
    assert api.seats_used(org) == 2
    assert api.limit(org, 3) == {"settings": {"max_allowed_users": 3}, "seats_used": 2}
    clock.advance(days=15, seconds=1)  # the invitation expired: its seat is free again
    assert api.seats_used(org) == 1
    assert api.add_user(org, "new1@example.com").status_code == 201
    assert api.add_user(org, "new2@example.com").status_code == 201
    assert api.add_user(org, "new3@example.com").json()["code"] == "organization_user_limit_reached"


def test_every_way_in_is_refused_when_full_and_nothing_is_written(api: Api, clock):
    org, _, _ = full_organization(api)
    outsider = api.user_in(api.org("Elsewhere")["id"], "outsider@example.com", invite=False)
    users_before, emails_before = total_users(api), api.get("/api/v1/emails").json()["total_size"]

    for invite in (True, False):
        refused = api.add_user(org, "newcomer@example.com", invite=invite)
        assert refused.status_code == 409 and refused.json()["code"] == "organization_user_limit_reached"
    by_membership = api.post(f"/api/v1/memberships/organizations/{org}/users/{outsider['id']}")
    assert by_membership.json()["code"] == "organization_user_limit_reached"
    assert total_users(api) == users_before  # the refused newcomer was not half-created
    assert api.get("/api/v1/emails").json()["total_size"] == emails_before

    # An expired invitation frees its seat; renewing it needs a seat again.
    late = api.user_in(api.org("Another")["id"], "late@example.com", invite=False)
    api.limit(org, 3)
    api.post(f"/api/v1/memberships/organizations/{org}/users/{late['id']}")  # pending, seat 3
    clock.advance(days=16)
    assert api.seats_used(org) == 1
    api.add_user(org, "filler1@example.com", invite=False)
    api.add_user(org, "filler2@example.com", invite=False)
    resend = api.patch(f"/api/v1/invites/organizations/{org}/users/{late['id']}/resend")
    assert resend.status_code == 409 and resend.json()["code"] == "organization_user_limit_reached"


def test_a_full_organization_can_complete_its_own_invitations(api: Api):
    org, _, pending = full_organization(api)
    accepted = api.accept(api.invitation_token("pending@example.com"), password="pending's passphrase")
    assert accepted.status_code == 200, accepted.text
    assert api.seats_used(org) == 2
    assert api.membership(pending, org)["membership_status"] == "ACTIVE"


def test_lowering_the_limit_removes_nobody_and_blocks_acceptance_while_over(api: Api):
    org, _, pending = full_organization(api, limit=3)
    third = api.user_in(org, "third@example.com", invite=False)
    api.limit(org, 2)  # 3 seats used
    members = api.get(f"/api/v1/organizations/{org}/users").json()
    assert members["total_size"] == 3
    assert api.add_user(org, "x@example.com").json()["code"] == "organization_user_limit_reached"

    token = api.invitation_token("pending@example.com")
    refused = api.accept(token, password="pending's passphrase")
    assert refused.status_code == 409 and refused.json()["code"] == "organization_user_limit_reached"
    assert api.membership(pending, org)["membership_status"] == "PENDING_INVITE"  # nothing changed

    api.delete(f"/api/v1/memberships/organizations/{org}/users/{third['id']}")  # others now hold 1 < 2
    assert api.accept(token, password="pending's passphrase").status_code == 200
    assert api.seats_used(org) == 2


def test_revoking_deleting_and_removing_free_seats(api: Api):
    org, active, pending = full_organization(api)
    assert api.delete(f"/api/v1/memberships/organizations/{org}/users/{pending['id']}").status_code == 200
    assert api.seats_used(org) == 1
    assert api.accept(api.invitation_token("pending@example.com")).json()["code"] == "invitation_invalid"
    newcomer = api.user_in(org, "newcomer@example.com")
    assert api.delete(f"/api/v1/users/{active['id']}").status_code == 200
    assert api.seats_used(org) == 1
    assert api.add_user(org, "another@example.com").status_code == 201
    assert api.get(f"/api/v1/users/{newcomer['id']}").status_code == 200


def test_no_limit_and_bad_limits(api: Api):
    org = api.org()["id"]
    for value in (None, 0):
        assert api.limit(org, value)["settings"]["max_allowed_users"] is None
    for bad in (-1, "many", 1.5):
        response = api.patch(
            f"/api/v1/organizations/{org}/settings/usermanagement", json={"settings": {"max_allowed_users": bad}}
        )
        assert response.status_code == 400 and response.json()["code"] == "invalid_argument"
        assert response.json()["details"][0]["field"] == "settings.max_allowed_users"
    assert api.get("/api/v1/organizations/org_missing/settings/usermanagement").status_code == 404


def test_a_user_in_two_organizations_takes_a_seat_in_each(api: Api):
    first, second = api.org("One")["id"], api.org("Two")["id"]
    api.limit(first, 1)
    api.limit(second, 1)
    user = api.user_in(first, "both@example.com", invite=False)
    assert api.user_in(second, "BOTH@example.com", invite=False)["id"] == user["id"]
    assert api.seats_used(first) == api.seats_used(second) == 1


# --- invitations -----------------------------------------------------------------------------


def test_invitations_expire_after_the_configured_time(api: Api, clock):
    org = api.org()["id"]
    user = api.user_in(org, "eve@example.com")
    membership = api.membership(user, org)
    assert membership["membership_status"] == "PENDING_INVITE"
    expires = when(membership["invite_expires_at"])
    assert abs((expires - clock.now()).total_seconds() - 15 * DAY) < 1

    api.settings(invitation_expiry_seconds=3600)
    other = api.user_in(org, "fay@example.com")
    assert abs((when(api.membership(other, org)["invite_expires_at"]) - clock.now()).total_seconds() - 3600) < 1

    clock.advance(seconds=3601)
    assert api.membership(other, org)["membership_status"] == "INVITE_EXPIRED"  # derived, no job ran
    assert api.membership(user, org)["membership_status"] == "PENDING_INVITE"
    expired = api.accept(api.invitation_token("fay@example.com"))
    assert expired.status_code == 410 and expired.json()["code"] == "invitation_expired"


def test_resend_rotates_the_link_and_restarts_the_expiry(api: Api, clock):
    org = api.org()["id"]
    user = api.user_in(org, "gus@example.com", membership={"inviter_email": "boss@example.com"})
    old_token = api.invitation_token("gus@example.com")
    clock.advance(days=20)  # expired
    resent = api.patch(f"/api/v1/invites/organizations/{org}/users/{user['id']}/resend")
    assert resent.status_code == 200, resent.text
    invite = resent.json()["invite"]
    assert invite["status"] == "PENDING_INVITE" and invite["resent_count"] == 1
    assert invite["organization_id"] == org and invite["user_id"] == user["id"]
    assert invite["inviter_email"] == "boss@example.com"
    assert abs((when(invite["expires_at"]) - clock.now()).total_seconds() - 15 * DAY) < 1
    assert abs((when(invite["resent_at"]) - clock.now()).total_seconds()) < 1
    second = api.patch(f"/api/v1/invites/organizations/{org}/users/{user['id']}/resend").json()["invite"]
    assert second["resent_count"] == 2

    assert api.accept(old_token).json()["code"] == "invitation_invalid"
    new_token = api.invitation_token("gus@example.com")
    assert new_token != old_token
    assert api.accept(new_token).status_code == 200
    assert api.accept(new_token).json()["code"] == "invitation_invalid"  # single use
    active = api.patch(f"/api/v1/invites/organizations/{org}/users/{user['id']}/resend")
    assert active.status_code == 409 and active.json()["code"] == "membership_already_active"
    assert api.patch(f"/api/v1/invites/organizations/{org}/users/usr_nobody/resend").status_code == 404


def test_unknown_tokens_are_invalid(api: Api):
    for token in ("nope", "x" * 43):
        response = api.accept(token)
        assert response.status_code == 400 and response.json()["code"] == "invitation_invalid"


def test_accepting_sets_the_password_and_profile_for_a_new_user(api: Api):
    org = api.org("Globex")["id"]
    api.user_in(org, "hank@example.com")
    weak = api.accept(api.invitation_token("hank@example.com"), password="password")
    assert weak.status_code == 400 and weak.json()["details"][0] == {
        "field": "password",
        "code": "too_common",
        "message": weak.json()["details"][0]["message"],
    }
    accepted = api.accept(
        api.invitation_token("hank@example.com"), password="hank's long passphrase", user_profile={"given_name": "Hank"}
    )
    assert accepted.status_code == 200
    assert accepted.json()["user"]["user_profile"]["given_name"] == "Hank"
    assert accepted.json()["organization"]["display_name"] == "Globex"


def test_the_invitation_email_uses_the_meta_name(api: Api):
    api.settings(organization_meta_name={"singular": "Workspace", "plural": "Workspaces"})
    org = api.org("Hooli")["id"]
    api.user_in(org, "ivy@example.com", membership={"inviter_email": "gavin@example.com"})
    [email] = api.get("/api/v1/emails", params={"to": "ivy@example.com"}).json()["emails"]
    assert "gavin@example.com invited you to join the workspace Hooli" in email["text"]
    assert "Hooli" in email["subject"]


def test_null_for_a_setting_that_needs_a_value_is_refused(api: Api):
    for body, field in [
        ({"invitation_expiry_seconds": None}, "invitation_expiry_seconds"),
        ({"signup_enabled": None}, "signup_enabled"),
        ({"branding": {"app_name": None}}, "branding.app_name"),
    ]:
        response = api.patch("/api/v1/environment/settings", json=body)
        assert response.status_code == 400, body
        assert response.json()["details"][0]["field"] == field
    assert api.settings(branding={"logo_url": None})["branding"]["logo_url"] is None  # nullable: fine
