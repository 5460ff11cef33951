"""Scalekit's REST surface (SPEC §15): the request bodies of Scalekit's API reference, replayed
as a program written for Scalekit sends them, and the fields its answers carry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.api.test_lockout import CSRF, login
from tests.helpers import Api, assert_problem

ORGS = "/api/v1/organizations"

# The examples of Scalekit's reference (scalekit-rest-surface.txt), field for field.
CREATE_ORGANIZATION = {
    "display_name": "Megasoft Inc",
    "external_id": "my_unique_id",
    "metadata": {"industry": "technology"},
    "region_code": "US",
    "slug": "acme",
    "logo_url": "https://cdn.example.com/acme-logo.png",
}
UPDATE_ORGANIZATION = {
    "display_name": "Acme Corporation",
    "external_id": "tenant_12345",
    "metadata": {"industry": "technology"},
    "slug": "oauth.pstmn.io",
}
ORGANIZATION_SETTINGS = {"features": [{"name": "sso", "enabled": True}, {"name": "directory_sync", "enabled": False}]}
CREATE_USER = {
    "email": "user@example.com",
    "external_id": "ext_12345a67b89c",
    "metadata": {"department": "engineering", "location": "nyc-office"},
    "membership": {"roles": [{"name": "admin"}], "inviter_email": "john.doe@example.com"},
    "user_profile": {
        "given_name": "John",
        "family_name": "Doe",
        "name": "John Michael Doe",
        "locale": "en-US",
        "phone_number": "+14155552671",
        "metadata": {"account_status": "active", "signup_source": "mobile_app"},
        "custom_attributes": {"department": "engineering", "security_clearance": "level2"},
        "preferred_username": "John Michael Doe",
        "picture": "https://example.com/avatar.jpg",
        "gender": "male",
        "groups": ["engineering", "managers"],
    },
}
UPDATE_USER = {"user_profile": {"first_name": "Johnny", "last_name": "Doe"}, "metadata": {"department": "sales"}}


def organization(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(ORGS, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json()["organization"])


def test_organization_fields_settings_lookup_and_search(api: Api) -> None:
    org = organization(api, CREATE_ORGANIZATION)
    assert {k: org[k] for k in CREATE_ORGANIZATION} == CREATE_ORGANIZATION
    assert org["settings"] == {"features": []}

    assert_problem(api.post(ORGS, json={"display_name": "Other", "slug": "acme"}), 409, "already_exists")
    assert_problem(api.post(ORGS, json={"display_name": "Other", "slug": "Not A Label"}), 400, "invalid_argument")
    assert_problem(
        api.post(ORGS, json={"display_name": "Other", "logo_url": "http://plain.example/logo.png"}),
        400,
        "invalid_argument",
    )
    assert_problem(api.post(ORGS, json={"display_name": "Other", "region_code": "MARS"}), 400, "invalid_argument")

    updated = api.patch(f"{ORGS}/{org['id']}", json=UPDATE_ORGANIZATION).json()["organization"]
    assert {k: updated[k] for k in UPDATE_ORGANIZATION} == UPDATE_ORGANIZATION
    cleared = api.patch(f"{ORGS}/{org['id']}", json={"slug": "", "logo_url": ""}).json()["organization"]
    assert cleared["slug"] is None and cleared["logo_url"] is None and cleared["region_code"] == "US"

    settings = api.patch(f"{ORGS}/{org['id']}/settings", json=ORGANIZATION_SETTINGS)
    assert settings.status_code == 200, settings.text
    assert settings.json()["organization"]["settings"]["features"] == [
        {"name": "dir_sync", "enabled": False},
        {"name": "sso", "enabled": True},
    ]
    stored = api.get(f"{ORGS}/{org['id']}").json()["organization"]["settings"]
    assert stored == settings.json()["organization"]["settings"]

    other = organization(api, {"display_name": "Globex Acme", "external_id": "globex"})
    found = api.get(ORGS, params={"external_id": "tenant_12345"}).json()
    assert [o["id"] for o in found["organizations"]] == [org["id"]] and found["total_size"] == 1
    assert api.get(ORGS, params={"external_id": "nobody"}).json()["organizations"] == []
    assert api.get(ORGS).json()["total_size"] == 2

    searched = api.get(f"{ORGS}:search", params={"query": "acme"}).json()
    assert sorted(o["id"] for o in searched["organizations"]) == sorted([org["id"], other["id"]])
    assert [o["id"] for o in api.get(f"{ORGS}:search", params={"query": "globex"}).json()["organizations"]] == [
        other["id"]
    ]
    assert_problem(api.get(f"{ORGS}:search", params={"query": "ac"}), 400, "invalid_argument")


def test_user_profile_membership_fields_and_writes_by_external_id(api: Api) -> None:
    for key in ("department", "security_clearance"):
        api.post("/api/v1/user-attributes", json={"key": key, "display_name": key, "type": "string"}).raise_for_status()
    org = organization(api, {"display_name": "Megasoft"})
    created = api.post(f"{ORGS}/{org['id']}/users", json=CREATE_USER)
    assert created.status_code == 201, created.text
    user = created.json()["user"]
    profile = user["user_profile"]
    sent = CREATE_USER["user_profile"]
    assert {k: profile[k] for k in sent} == sent
    assert profile["email_verified"] is False and profile["external_identities"] == []
    (membership,) = user["memberships"]
    assert membership["display_name"] == "Megasoft" == membership["name"]
    assert membership["membership_status"] == "PENDING_INVITE"
    assert membership["created_at"] and membership["expires_at"] and membership["accepted_at"] is None
    assert membership["provisioning_method"] == "invitation"

    by_external = "/api/v1/users:external/ext_12345a67b89c"
    updated = api.patch(by_external, json=UPDATE_USER)
    assert updated.status_code == 200, updated.text
    body = updated.json()["user"]
    assert body["user_profile"]["given_name"] == "Johnny" and body["metadata"] == {"department": "sales"}
    assert body["user_profile"]["groups"] == ["engineering", "managers"]  # not named, so kept
    assert_problem(api.patch("/api/v1/users:external/nobody", json=UPDATE_USER), 404, "not_found")

    # Memberships addressed by external id; cascade deletes the user with their last membership.
    second = organization(api, {"display_name": "Second"})
    member_path = f"/api/v1/memberships/organizations/{second['id']}/users:external/ext_12345a67b89c"
    added = api.post(member_path, params={"send_invitation_email": "false"}, json={"roles": [{"name": "member"}]})
    assert added.status_code == 201, added.text
    active = next(m for m in added.json()["user"]["memberships"] if m["organization_id"] == second["id"])
    assert active["membership_status"] == "ACTIVE" and active["accepted_at"] and active["provisioning_method"] == "api"
    changed = api.patch(member_path, json={"roles": [{"name": "admin"}]})
    assert [r["name"] for r in changed.json()["user"]["memberships"][1]["roles"]] == ["admin"]

    assert api.delete(member_path, params={"cascade": "true"}).status_code == 200
    assert api.get(by_external).status_code == 200  # still in the first organization
    first_path = f"/api/v1/memberships/organizations/{org['id']}/users/{user['id']}"
    assert api.delete(first_path, params={"cascade": "true"}).status_code == 200
    assert_problem(api.get(by_external), 404, "not_found")

    # Without cascade (Tenantry's default) the user stays; DELETE by external id removes them.
    again = api.post(f"{ORGS}/{org['id']}/users", json={"email": "keep@example.com", "external_id": "keep"})
    kept = again.json()["user"]
    assert api.delete(f"/api/v1/memberships/organizations/{org['id']}/users:external/keep").status_code == 200
    assert api.get(f"/api/v1/users/{kept['id']}").json()["user"]["memberships"] == []
    assert api.delete("/api/v1/users:external/keep").status_code == 200
    assert_problem(api.get(f"/api/v1/users/{kept['id']}"), 404, "not_found")


def test_user_search_in_the_environment_and_in_an_organization(api: Api) -> None:
    org = organization(api, {"display_name": "Search"})
    for email in ("john@example.com", "johanna@example.com", "mary@example.org"):
        api.post(f"{ORGS}/{org['id']}/users", json={"email": email}).raise_for_status()
    outsider = api.signup("john.outside@example.net").json()["user"]

    def emails(path: str, query: str) -> list[str]:
        response = api.get(path, params={"query": query})
        assert response.status_code == 200, response.text
        return sorted(u["email"] for u in response.json()["users"])

    assert emails("/api/v1/users:search", "john") == ["john.outside@example.net", "john@example.com"]
    assert emails(f"{ORGS}/{org['id']}/users:search", "john") == ["john@example.com"]
    assert emails(f"{ORGS}/{org['id']}/users:search", "example") == [
        "johanna@example.com",
        "john@example.com",
        "mary@example.org",
    ]
    assert emails("/api/v1/users:search", outsider["id"]) == ["john.outside@example.net"]
    assert_problem(api.get("/api/v1/users:search", params={"query": "jo"}), 400, "invalid_argument")
    assert_problem(api.get(f"{ORGS}/org_nope/users:search", params={"query": "john"}), 404, "not_found")


def test_sessions_read_list_and_revoke(api: Api, http) -> None:
    password = "a long enough passphrase"
    user = api.signup("sess@example.com", password).json()["user"]
    assert login(http, "sess@example.com", password).status_code == 303
    assert login(http, "sess@example.com", password).status_code == 303
    listed = api.get(f"/api/v1/users/{user['id']}/sessions")
    assert listed.status_code == 200, listed.text
    sessions = listed.json()
    # the two log-ins (Api.signup's address confirmation signs out again)
    assert sessions["total_size"] == 2 and {s["status"] for s in sessions["sessions"]} == {"active"}
    first = sessions["sessions"][0]
    assert first["user_id"] == user["id"] and first["device"]["user_agent"]
    assert first["authenticated_organizations"] == [user["memberships"][0]["organization_id"]]

    one = api.get(f"/api/v1/sessions/{first['session_id']}").json()
    assert one["session_id"] == first["session_id"] and one["status"] == "active"
    revoked = api.post(f"/api/v1/sessions/{first['session_id']}/revoke").json()["revoked_session"]
    assert revoked["status"] == "revoked" and revoked["expired_at"]
    assert_problem(api.get(f"/api/v1/sessions/{first['session_id']}"), 404, "not_found")
    assert api.get(f"/api/v1/users/{user['id']}/sessions", params={"filter.status": "expired"}).json()["sessions"] == []

    everything = api.post(f"/api/v1/users/{user['id']}/sessions/revoke").json()
    assert everything["total_revoked"] == 1  # the second log-in's; the first was revoked above
    assert api.get(f"/api/v1/users/{user['id']}/sessions").json()["total_size"] == 0
    assert_problem(api.get("/api/v1/users/usr_nope/sessions"), 404, "not_found")


# Scalekit's reference example for PATCH …/session-policy.
SESSION_POLICY = {
    "policy_source": "CUSTOM",
    "absolute_session_timeout": 8,
    "absolute_session_timeout_unit": "HOURS",
    "idle_session_timeout_enabled": True,
    "idle_session_timeout": 30,
    "idle_session_timeout_unit": "MINUTES",
}


def test_session_policy_ends_the_organizations_sessions(api: Api, http, clock) -> None:
    password = "a long enough passphrase"
    user = api.signup("policy@example.com", password).json()["user"]
    org_id = user["memberships"][0]["organization_id"]
    path = f"{ORGS}/{org_id}/session-policy"
    assert api.get(path).json() == {"policy": {"policy_source": "APPLICATION"}}
    assert login(http, "policy@example.com", password).status_code == 303

    policy = api.patch(path, json=SESSION_POLICY)
    assert policy.status_code == 200, policy.text
    assert policy.json()["policy"] == {
        "policy_source": "CUSTOM",
        "absolute_session_timeout": 480,
        "absolute_session_timeout_unit": "MINUTES",
        "idle_session_timeout_enabled": True,
        "idle_session_timeout": 30,
        "idle_session_timeout_unit": "MINUTES",
    }
    assert api.get(path).json() == policy.json()
    # The live session is under the new policy at once (a shorter absolute timeout, an idle one).
    (session,) = api.get(f"/api/v1/users/{user['id']}/sessions").json()["sessions"]
    lasts = datetime.fromisoformat(session["absolute_expires_at"]) - datetime.fromisoformat(session["created_at"])
    assert lasts == timedelta(hours=8) and session["idle_expires_at"]

    def signed_in() -> bool:
        return bool(http.get("/profile", follow_redirects=False).status_code == 200)

    clock.advance(minutes=20)
    assert signed_in()  # activity moves the idle expiry on
    clock.advance(minutes=29)
    assert signed_in()  # 49 minutes in, but never 30 idle
    clock.advance(minutes=36)
    assert not signed_in()  # idle: signed out
    (ended,) = api.get(f"/api/v1/users/{user['id']}/sessions").json()["sessions"]
    assert ended["status"] == "expired" and ended["expired_at"] == ended["idle_expires_at"]

    longer = {**SESSION_POLICY, "idle_session_timeout": 9, "idle_session_timeout_unit": "HOURS"}
    assert_problem(api.patch(path, json=longer), 400, "invalid_argument")  # idle longer than absolute
    brief = {**SESSION_POLICY, "absolute_session_timeout": 1, "absolute_session_timeout_unit": "MINUTES"}
    assert_problem(api.patch(path, json=brief), 400, "invalid_argument")  # under 5 minutes
    assert_problem(api.patch(path, json={"policy_source": "SOMETIMES"}), 400, "invalid_argument")
    back = api.patch(path, json={"policy_source": "APPLICATION"})
    assert back.json() == {"policy": {"policy_source": "APPLICATION"}}
    assert_problem(api.get(f"{ORGS}/org_nope/session-policy"), 404, "not_found")

    # A session switched to another organization comes under that organization's policy.
    strict = organization(api, {"display_name": "Strict"})["id"]
    api.patch(f"{ORGS}/{strict}/session-policy", json={"policy_source": "CUSTOM", "absolute_session_timeout": 60})
    joined = api.post(
        f"/api/v1/memberships/organizations/{strict}/users/{user['id']}",
        params={"send_invitation_email": "false"},
        json={},
    )
    assert joined.status_code == 201, joined.text
    assert login(http, "policy@example.com", password).status_code == 303
    token = CSRF.search(http.get("/organizations").text)
    assert token, "no form on /organizations"
    form = {"organization_id": strict, "csrf_token": token.group(1)}
    assert http.post("/organizations/switch", data=form, follow_redirects=False).status_code == 303
    (live,) = api.get(f"/api/v1/users/{user['id']}/sessions", params={"filter.status": "active"}).json()["sessions"]
    lasts = datetime.fromisoformat(live["absolute_expires_at"]) - datetime.fromisoformat(live["created_at"])
    assert live["organization_id"] == strict and lasts == timedelta(minutes=60)


def test_an_organizations_default_member_role(api: Api) -> None:
    org = organization(api, {"display_name": "Initech"})
    own = api.post(f"{ORGS}/{org['id']}/roles", json={"role": {"name": "intern", "display_name": "Intern"}})
    assert own.status_code == 201, own.text
    chosen = api.patch(f"{ORGS}/{org['id']}/roles:set_defaults", json={"default_member_role": "intern"})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["default_member"]["name"] == "intern"
    added = api.post(f"{ORGS}/{org['id']}/users", json={"email": "new@initech.com"})
    assert added.status_code == 201, added.text
    assert [r["name"] for r in added.json()["user"]["memberships"][0]["roles"]] == ["intern"]
    other = organization(api, {"display_name": "Elsewhere"})  # the environment's default elsewhere
    elsewhere = api.post(f"{ORGS}/{other['id']}/users", json={"email": "new@elsewhere.com"}).json()
    assert [r["name"] for r in elsewhere["user"]["memberships"][0]["roles"]] == ["member"]

    assert_problem(api.delete(f"{ORGS}/{org['id']}/roles/intern"), 409, "builtin_role")  # named by the organization
    unknown = api.patch(f"{ORGS}/{org['id']}/roles:set_defaults", json={"default_member_role": "ghost"})
    assert_problem(unknown, 400, "invalid_argument")
    missing = api.patch(f"{ORGS}/org_nope/roles:set_defaults", json={"default_member_role": "member"})
    assert_problem(missing, 404, "not_found")
