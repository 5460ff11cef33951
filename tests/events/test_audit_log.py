"""Every state change writes an event (type, actor, time, the object's new state), listed by
``GET /api/v1/events`` with filters and cursor pages."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tenantry.server.services.membership import expiry
from tests.events.conftest import events
from tests.helpers import BOOTSTRAP_ID, Api, assert_problem, held_roles, token_for, when

CLIENT = {"type": "API_CLIENT", "id": BOOTSTRAP_ID}
PASSWORD = "a long and unusual passphrase"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def only(api: Api, event_type: str, **params: Any) -> dict[str, Any]:
    found = events(api, type=event_type, **params)
    assert len(found) == 1, found
    return found[0]


def form_post(http: TestClient, path: str, data: dict[str, str]) -> None:
    match = CSRF.search(http.get(path).text)
    assert match, path
    response = http.post(path, data={**data, "csrf_token": match.group(1)}, follow_redirects=False)
    assert response.status_code == 303, response.text


def test_signup_records_the_user_their_organization_and_membership_by_the_new_user(api):
    body = api.signup("ada@example.com", verified=False, organization={"display_name": "Engines"}).json()
    ada, org = body["user"], body["organization"]
    me = {"type": "USER", "id": ada["id"]}

    signup = only(api, "user.signup")
    assert signup["actor"] == me
    assert signup["user_id"] == ada["id"]
    assert signup["data"]["user"]["email"] == "ada@example.com" and signup["data"]["user"]["memberships"] == []
    about_ada = [e["type"] for e in events(api, user_id=ada["id"])]
    assert about_ada == ["user.signup", "user.organization_membership_created"]
    created = only(api, "organization.created")
    assert created["actor"] == me and created["data"]["organization"] == org
    membership = only(api, "user.organization_membership_created")
    assert membership["actor"] == me
    assert membership["data"]["user_id"] == ada["id"]
    assert membership["data"]["membership"]["membership_status"] == "ACTIVE"
    assert membership["data"]["membership"]["roles"] == held_roles("admin")


def test_organization_changes_name_the_api_client(api, clock):
    org = api.org("Acme", external_id="acme")
    clock.advance(seconds=5)
    renamed = api.patch(f"/api/v1/organizations/{org['id']}", json={"display_name": "Acme Corp"}).json()
    api.limit(org["id"], 3)
    assert api.delete(f"/api/v1/organizations/{org['id']}").status_code == 200

    created = only(api, "organization.created")
    assert created["actor"] == CLIENT and created["organization_id"] == org["id"]
    assert created["data"]["organization"] == org
    updates = events(api, type="organization.updated")
    assert [u["data"]["organization"]["display_name"] for u in updates] == ["Acme Corp", "Acme Corp"]
    assert updates[0]["data"]["organization"] == renamed["organization"]
    assert when(updates[0]["timestamp"]) == when(renamed["organization"]["update_time"])
    deleted = only(api, "organization.deleted")
    assert deleted["actor"] == CLIENT and deleted["data"]["organization"]["id"] == org["id"]


def test_invitation_lifecycle_events(api):
    org = api.org()
    bob = api.user_in(org["id"], "bob@example.com")
    created = only(api, "user.created")
    assert created["actor"] == CLIENT and created["data"]["user"]["email"] == "bob@example.com"
    invitation = only(api, "user.organization_invitation")
    assert invitation["actor"] == CLIENT
    assert invitation["organization_id"] == org["id"] and invitation["user_id"] == bob["id"]
    assert invitation["data"]["invite"]["status"] == "PENDING_INVITE"
    assert invitation["data"]["user"]["email"] == "bob@example.com"
    assert only(api, "user.organization_membership_created")["data"]["membership"]["membership_status"] == (
        "PENDING_INVITE"
    )

    assert api.accept(api.invitation_token("bob@example.com"), password=PASSWORD).status_code == 200
    accepted = only(api, "invitation.accepted")
    assert accepted["actor"] == {"type": "USER", "id": bob["id"]}
    assert accepted["data"]["user"]["memberships"][0]["membership_status"] == "ACTIVE"
    activated = only(api, "user.organization_membership_updated")
    assert activated["actor"] == {"type": "USER", "id": bob["id"]}
    assert activated["data"]["membership"]["membership_status"] == "ACTIVE"

    api.patch(f"/api/v1/memberships/organizations/{org['id']}/users/{bob['id']}", json={"roles": [{"name": "admin"}]})
    roles = events(api, type="user.organization_membership_updated")[-1]
    assert roles["actor"] == CLIENT and roles["data"]["membership"]["roles"] == held_roles("admin")
    api.delete(f"/api/v1/memberships/organizations/{org['id']}/users/{bob['id']}")
    removed = only(api, "user.organization_membership_deleted")
    assert removed["actor"] == CLIENT and removed["data"]["user_id"] == bob["id"]


def test_invitation_expired_is_recorded_once_by_the_first_read(api, clock):
    org = api.org()
    carol = api.user_in(org["id"], "carol@example.com")
    clock.advance(days=16)
    assert events(api, type="invitation.expired") == []  # nobody has looked yet
    for _ in range(3):
        assert api.get(f"/api/v1/users/{carol['id']}").status_code == 200
    expired = only(api, "invitation.expired")
    assert expired["data"]["invite"]["status"] == "INVITE_EXPIRED"
    assert expired["user_id"] == carol["id"] and expired["organization_id"] == org["id"]

    # A resend starts a new expiry, which gets its own event when it runs out.
    assert api.patch(f"/api/v1/invites/organizations/{org['id']}/users/{carol['id']}/resend").status_code == 200
    assert len(events(api, type="user.organization_invitation")) == 2
    clock.advance(days=16)
    api.get(f"/api/v1/users/{carol['id']}")
    api.get(f"/api/v1/users/{carol['id']}")
    assert len(events(api, type="invitation.expired")) == 2


@pytest.mark.parametrize(
    ("method", "path", "then"),
    [
        ("PATCH", "/api/v1/invites/organizations/{org}/users/{user}/resend", "user.organization_invitation"),
        ("DELETE", "/api/v1/memberships/organizations/{org}/users/{user}", "user.organization_membership_deleted"),
    ],
)
def test_a_write_that_meets_an_expired_invitation_records_the_expiry_first(api, clock, method, path, then):
    org = api.org()
    dave = api.user_in(org["id"], "dave@example.com")
    clock.advance(days=16)
    send = api.patch if method == "PATCH" else api.delete
    response = send(path.format(org=org["id"], user=dave["id"]))
    assert response.status_code == 200, response.text
    types = [e["type"] for e in events(api, user_id=dave["id"])]
    assert types[-2:] == ["invitation.expired", then]


def test_user_updates_and_deletion(api):
    org = api.org()
    erin = api.user_in(org["id"], "erin@example.com", invite=False)
    api.patch(f"/api/v1/users/{erin['id']}", json={"user_profile": {"given_name": "Erin"}})
    updated = only(api, "user.updated")
    assert updated["actor"] == CLIENT and updated["data"]["user"]["user_profile"]["given_name"] == "Erin"
    # A user in an event is what GET /users/{id} answers at that moment, field for field.
    assert updated["data"]["user"] == api.get(f"/api/v1/users/{erin['id']}").json()["user"]
    assert api.delete(f"/api/v1/users/{erin['id']}").status_code == 200
    types = [e["type"] for e in events(api, user_id=erin["id"])]
    assert types[-2:] == ["user.organization_membership_deleted", "user.deleted"]
    deleted = only(api, "user.deleted")
    assert deleted["actor"] == CLIENT and deleted["data"]["user"]["memberships"] == []


def test_settings_and_attribute_definitions(api):
    api.settings(signup_enabled=False)
    changed = only(api, "environment.settings_updated")
    assert changed["actor"] == CLIENT and changed["data"]["settings"]["signup_enabled"] is False

    definition = {"key": "team", "display_name": "Team", "type": "string"}
    created = api.post("/api/v1/user-attributes", json=definition).json()["user_attribute"]
    api.patch("/api/v1/user-attributes/team", json={"display_name": "Squad"})
    api.delete("/api/v1/user-attributes/team")
    assert only(api, "user_attribute.created")["data"]["user_attribute"] == created
    assert only(api, "user_attribute.updated")["data"]["user_attribute"]["display_name"] == "Squad"
    deleted = only(api, "user_attribute.deleted")
    assert deleted["actor"] == CLIENT and deleted["data"]["user_attribute"]["key"] == "team"


def test_hosted_pages_record_login_profile_changes_and_logout_by_the_user(api, http):
    ada = api.signup("ada@example.com", PASSWORD).json()["user"]
    me = {"type": "USER", "id": ada["id"]}
    form_post(http, "/login", {"email": "ada@example.com", "password": PASSWORD})
    form_post(http, "/profile", {"given_name": "Ada", "family_name": "Lovelace"})
    csrf = CSRF.search(http.get("/profile").text)
    assert csrf
    assert http.post("/logout", data={"csrf_token": csrf.group(1)}, follow_redirects=False).status_code == 303

    logins = events(api, type="user.login")
    assert len(logins) == 2  # the sign-up's confirmation (Api.signup), then the log-in here
    assert all(login["actor"] == me and login["data"]["user"]["last_login_time"] for login in logins)
    profile = only(api, "user.updated")
    assert profile["actor"] == me and profile["data"]["user"]["user_profile"]["family_name"] == "Lovelace"
    logouts = events(api, type="user.logout")
    assert len(logouts) == 2  # the sign-up's confirmation signs out again (Api.signup), then the log-out here
    assert all(logout["actor"] == me and logout["data"]["session_id"].startswith("ses_") for logout in logouts)


def test_a_refused_change_records_nothing(api):
    org = api.org()
    api.limit(org["id"], 1)
    api.user_in(org["id"], "first@example.com")
    before = events(api)
    assert api.add_user(org["id"], "second@example.com").status_code == 409
    assert api.post("/api/v1/organizations", json={"display_name": ""}).status_code == 400
    assert events(api) == before


def test_filters_and_pages(api, clock):
    first = api.org("First")
    clock.advance(minutes=10)
    middle = clock.now()
    second = api.org("Second")
    api.user_in(second["id"], "frank@example.com")

    assert [e["organization_id"] for e in events(api, type="organization.created")] == [first["id"], second["id"]]
    recent = events(api, since=middle.isoformat())
    assert {e["type"] for e in recent} == {
        "organization.created",
        "user.created",
        "user.organization_membership_created",
        "user.organization_invitation",
    }
    naive = events(api, since=middle.replace(tzinfo=None).isoformat())  # no offset: UTC
    assert naive == recent
    assert {e["organization_id"] for e in events(api, organization_id=second["id"])} == {second["id"]}
    both = events(api, type=["organization.created", "user.created"])
    assert [e["type"] for e in both] == ["organization.created", "organization.created", "user.created"]

    page = api.get("/api/v1/events", params={"page_size": 2}).json()
    assert len(page["events"]) == 2 and page["total_size"] == len(events(api))
    following = api.get("/api/v1/events", params={"page_size": 2, "page_token": page["next_page_token"]}).json()
    assert following["events"][0]["id"] > page["events"][-1]["id"]
    back = api.get("/api/v1/events", params={"page_size": 2, "page_token": following["prev_page_token"]}).json()
    assert back["events"] == page["events"]
    single = api.get(f"/api/v1/events/{page['events'][0]['id']}")
    assert single.status_code == 200 and single.json()["event"] == page["events"][0]


def test_bad_filters_are_refused_clearly(api, http):
    problem = assert_problem(api.get("/api/v1/events", params={"type": "user.exploded"}), 400, "invalid_argument")
    assert problem["details"][0]["field"] == "type.0"
    assert_problem(api.get("/api/v1/events", params={"since": "yesterday"}), 400, "invalid_argument")
    assert_problem(api.get("/api/v1/events", params={"page_token": "garbage"}), 400, "invalid_argument")
    assert_problem(api.get("/api/v1/events/evt_nope"), 404, "not_found")
    assert_problem(http.get("/api/v1/events"), 401, "unauthenticated")


def test_events_keep_time_order_with_the_clock(api, clock):
    api.org("One")
    clock.advance(hours=1)
    api.org("Two")
    times = [when(e["timestamp"]) for e in events(api, type="organization.created")]
    assert times[1] - times[0] == timedelta(hours=1)


def test_invitation_expired_is_recorded_once_under_concurrent_reads_and_sweeps(site_api, clock, worker):
    org = site_api.org()
    jo = site_api.user_in(org["id"], "jo@example.com")
    clock.advance(days=16)
    base_url = str(site_api.http.base_url)
    with httpx.Client(base_url=base_url) as http:
        headers = {"Authorization": f"Bearer {token_for(http)}"}  # the old token expired with the clock move

    def read(_: int) -> int:
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as http:
            return http.get(f"/api/v1/users/{jo['id']}").status_code

    def sweep(_: int) -> int:
        return expiry.sweep(worker.ctx)

    with ThreadPoolExecutor(max_workers=10) as pool:
        reads = [pool.submit(read, i) for i in range(8)]
        sweeps = [pool.submit(sweep, i) for i in range(2)]
        assert [r.result() for r in reads] == [200] * 8
        assert sum(s.result() for s in sweeps) in (0, 1)
    assert len(events(site_api, type="invitation.expired")) == 1


def test_the_log_in_event_names_the_user_as_the_api_shows_them(api, http, clock):
    """``user.login`` carries the user as ``GET /api/v1/users/{id}`` answers right after the
    log-in: every membership (active with several roles, an open invitation), in the API's
    order, with profile, metadata and the new ``last_login_time``."""
    ada = api.signup("ada@example.com", PASSWORD, organization={"display_name": "Engines"}).json()["user"]
    second, third = api.org("Second"), api.org("Third")
    roles = {"roles": [{"name": "member"}, {"name": "admin"}]}
    assert api.add_user(second["id"], "ada@example.com", invite=False, membership=roles).status_code == 201
    assert api.add_user(third["id"], "ada@example.com").status_code == 201  # an open invitation
    changed = {"metadata": {"tier": 2}, "user_profile": {"given_name": "Ada", "locale": "en-GB"}}
    assert api.patch(f"/api/v1/users/{ada['id']}", json=changed).status_code == 200
    clock.advance(minutes=5)

    form_post(http, "/login", {"email": "ada@example.com", "password": PASSWORD})

    shown = api.get(f"/api/v1/users/{ada['id']}").json()["user"]
    logged = events(api, type="user.login")[-1]["data"]["user"]
    assert logged == shown
    assert [m["organization_id"] for m in logged["memberships"]] == [m["organization_id"] for m in shown["memberships"]]
    assert when(shown["last_login_time"]) == clock.now()
    assert [m["membership_status"] for m in shown["memberships"]] == ["ACTIVE", "ACTIVE", "PENDING_INVITE"]
    assert [r["name"] for r in shown["memberships"][1]["roles"]] == ["member", "admin"]


def test_an_invitation_records_the_user_and_membership_as_the_api_shows_them(api):
    """The events of inviting a new user carry the user and the membership exactly as
    ``GET /api/v1/users/{id}`` answers right after (built once from what the use case wrote,
    not read back: issue 18), and ``user.created`` the same user before the membership."""
    org = api.org("Payloads")["id"]
    body = {
        "email": "Grace@Example.com",
        "external_id": "g-1",
        "metadata": {"plan": "pro", "seats": [1, 2]},
        "user_profile": {"given_name": "Grace", "family_name": "Hopper", "locale": "en-US"},
        "membership": {"inviter_email": "boss@example.com", "metadata": {"desk": 3}},
    }
    created = api.post(f"/api/v1/organizations/{org}/users", json=body)
    assert created.status_code == 201, created.text
    user_id = created.json()["user"]["id"]
    fetched = api.get(f"/api/v1/users/{user_id}")
    shown = fetched.json()["user"]
    assert created.content == fetched.content  # the answer, byte for byte

    invited = only(api, "user.organization_invitation")["data"]
    assert invited["user"] == shown
    assert json.dumps(invited["user"], sort_keys=True) == json.dumps(shown, sort_keys=True)
    assert invited["invite"]["user_id"] == user_id and invited["invite"]["status"] == "PENDING_INVITE"
    assert only(api, "user.organization_membership_created")["data"] == {
        "user_id": user_id,
        "membership": shown["memberships"][0],
    }
    assert only(api, "user.created")["data"]["user"] == {**shown, "memberships": []}
