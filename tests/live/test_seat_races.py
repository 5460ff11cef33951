"""The five races of issue 14, scripted: each fires its burst at once, alternating between two
``tenantry serve`` processes on one PostgreSQL database (one process on SQLite), then checks
every answer and reads the state back through the API (the seat invariant, then every member
removed one by one down to zero seats).

Each case is a plain function of a :class:`Cluster`, so bench/seat_model.py can run it for many
rounds, against these servers or against an older build (TENANTRY_MODEL_TARGETS).
Expiry is reached by moving the servers' clock (tests/live/clocked_serve.py), never by sleeping.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from tests.live.seats import EXPIRY, Cluster, Request, code, expires_at, unique

pytestmark = pytest.mark.live

FULL = "organization_user_limit_reached"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
PASSWORD = "a long and unusual passphrase"


@dataclass
class Shot:
    """One request of a burst: which organization it is about and what kind it is."""

    org: str
    kind: str
    send: Request


def fire(cluster: Cluster, shots: list[Shot], seed: int = 14) -> dict[tuple[str, str], Counter[str]]:
    """Fire every shot at once (kinds mixed in a fixed order, alternating between the servers);
    the outcomes per (organization, kind). No answer may be a 5xx."""
    random.Random(seed).shuffle(shots)
    responses = cluster.burst([shot.send for shot in shots])
    failed = [
        f"{shot.kind}: {r.status_code} {r.text[:300]}"
        for shot, r in zip(shots, responses, strict=True)
        if r.status_code >= 500
    ]
    assert not failed, "server errors:\n" + "\n".join(failed)
    results: dict[tuple[str, str], Counter[str]] = {}
    for shot, response in zip(shots, responses, strict=True):
        results.setdefault((shot.org, shot.kind), Counter())[code(response)] += 1
    return results


def invite(cluster: Cluster, org: str, email: str, headers: dict[str, str], *, send: bool = True) -> Request:
    return lambda client: client.post(
        f"/api/v1/organizations/{org}/users",
        headers=headers,
        params={"send_invitation_email": str(send).lower()},
        json={"email": email},
    )


def new_email(prefix: str = "u") -> str:
    return f"{unique(prefix)}@example.com"


# --- the five cases ------------------------------------------------------------------------


def over_admission_with_expired_invitations(cluster: Cluster, orgs: int = 2) -> None:
    """1. Limit 1, three expired invitations still holding their seats: deleting the three
    invitees while six invitations arrive admits exactly one, and the count stays exact."""
    cluster.short_expiry()
    setups = []
    for _ in range(orgs):
        org = cluster.org(3, "Expired")
        invitees = [cluster.api.user_in(org, new_email("gone"))["id"] for _ in range(3)]
        cluster.api.limit(org, 1)
        setups.append((org, invitees))
    cluster.advance(EXPIRY + 1)
    headers = cluster.headers()
    shots = []
    for org, invitees in setups:
        shots += [Shot(org, "invite", invite(cluster, org, new_email(), headers)) for _ in range(6)]
        shots += [
            Shot(org, "delete", lambda client, u=u: client.delete(f"/api/v1/users/{u}", headers=headers))
            for u in invitees
        ]
    results = fire(cluster, shots)
    for org, _ in setups:
        assert results[org, "invite"] == {"201": 1, FULL: 5}, (org, results[org, "invite"])
        assert results[org, "delete"] == {"200": 3}, (org, results[org, "delete"])
        members = cluster.check_seats(org)
        assert [m["membership"]["membership_status"] for m in members] == ["PENDING_INVITE"], members
        cluster.drain(org)


def removals_and_invitations_after_expiry(cluster: Cluster, orgs: int = 2) -> None:
    """2. Limit 2, both seats held by expired invitations: removing both while four invitations
    arrive admits exactly two, with no deadlock answered (503) and no error."""
    cluster.short_expiry()
    setups = []
    for _ in range(orgs):
        org = cluster.org(2, "Deadlock")
        setups.append((org, [cluster.api.user_in(org, new_email("old"))["id"] for _ in range(2)]))
    cluster.advance(EXPIRY + 1)
    headers = cluster.headers()
    shots = []
    for org, invitees in setups:
        shots += [Shot(org, "invite", invite(cluster, org, new_email(), headers)) for _ in range(4)]
        shots += [
            Shot(
                org,
                "remove",
                lambda client, org=org, u=u: client.delete(
                    f"/api/v1/memberships/organizations/{org}/users/{u}", headers=headers
                ),
            )
            for u in invitees
        ]
    results = fire(cluster, shots)
    for org, _ in setups:
        assert results[org, "invite"] == {"201": 2, FULL: 2}, (org, results[org, "invite"])
        assert results[org, "remove"] == {"200": 2}, (org, results[org, "remove"])
        members = cluster.check_seats(org)
        assert len(members) == 2, members
        cluster.drain(org)


def adding_a_user_while_deleting_them(cluster: Cluster, orgs: int = 2) -> None:
    """3. Deleting user U while six requests add U to an organization by id (and two invite
    U's address): every answer is a success, ``already_exists`` or 404 ``not_found``."""
    setups = []
    for _ in range(orgs):
        home, target = cluster.org(None, "Home"), cluster.org(None, "Target")
        email = new_email("doomed")
        setups.append((home, target, email, cluster.api.user_in(home, email, invite=False)["id"]))
    headers = cluster.headers()
    shots = []
    for home, target, email, user in setups:
        path = f"/api/v1/memberships/organizations/{target}/users/{user}"
        shots.append(
            Shot(target, "delete", lambda client, u=user: client.delete(f"/api/v1/users/{u}", headers=headers))
        )
        shots += [
            Shot(
                target,
                "add",
                lambda client, path=path, i=i: client.post(
                    path, headers=headers, params={"send_invitation_email": str(i % 2 == 0).lower()}, json={}
                ),
            )
            for i in range(6)
        ]
        shots += [Shot(target, "invite", invite(cluster, target, email, headers)) for _ in range(2)]
    results = fire(cluster, shots)
    for home, target, email, user in setups:
        assert results[target, "delete"] == {"200": 1}, results[target, "delete"]
        assert set(results[target, "add"]) <= {"201", "already_exists", "not_found"}, results[target, "add"]
        assert results[target, "add"]["201"] <= 1, results[target, "add"]
        assert set(results[target, "invite"]) <= {"201", "already_exists", "not_found"}, results[target, "invite"]
        assert cluster.api.get(f"/api/v1/users/{user}").status_code == 404
        members = cluster.check_seats(target)
        assert len(members) <= 1 and all(m["user"]["id"] != user for m in members), members
        assert all(m["user"]["email"] == email for m in members), members
        assert cluster.check_seats(home) == []
        cluster.drain(target)


def accept_join_and_resend_racing_a_reclaim(cluster: Cluster, orgs: int = 1) -> None:
    """4. Limit 2, held by two invitations that expire while the burst runs: accepting one by
    its link, joining the other from the switcher, resending both and four new invitations,
    all at once. Whatever wins, no more than two hold seats, every active member counts, and
    removing everyone brings the count back to exactly zero (on SQLite too)."""
    cluster.short_expiry()
    setups = []
    for _ in range(orgs):
        org = cluster.org(2, "Reclaim")
        joiner_email = new_email("joiner")
        signed = cluster.api.signup(joiner_email, PASSWORD)  # the address proved too (Api.signup)
        assert signed.status_code == 201, signed.text
        joiner = signed.json()["user"]["id"]
        browser = httpx.Client(base_url=cluster.urls[-1], timeout=60)
        login_page = browser.get("/login")
        match = CSRF.search(login_page.text)
        assert match, login_page.text[:500]
        signed_in = browser.post(
            "/login", data={"email": joiner_email, "password": PASSWORD, "csrf_token": match.group(1)}
        )
        assert signed_in.status_code == 303, signed_in.text[:500]
        accepter = cluster.api.user_in(org, new_email("accepter"))["id"]
        added = cluster.api.post(f"/api/v1/memberships/organizations/{org}/users/{joiner}", json={})
        assert added.status_code == 201, added.text
        setups.append((org, accepter, joiner, browser))
    tokens = {org: cluster.token(_email_of(cluster, accepter)) for org, accepter, _, _ in setups}
    forms = {org: _form_token(browser, "/organizations") for org, _, _, browser in setups}
    deadline = min(expires_at(cluster, org, accepter) for org, accepter, _, _ in setups)
    headers = cluster.headers()
    shots = []
    for org, accepter, joiner, browser in setups:
        shots.append(
            Shot(
                org,
                "accept",
                lambda client, t=tokens[org]: client.post("/api/v1/invitations:accept", json={"token": t}),
            )
        )
        shots.append(
            Shot(
                org,
                "join",
                lambda client, org=org, b=browser: b.post(
                    f"/organizations/{org}/join", data={"csrf_token": forms[org]}, follow_redirects=False
                ),
            )
        )
        shots += [
            Shot(
                org,
                "resend",
                lambda client, org=org, u=u: client.patch(
                    f"/api/v1/invites/organizations/{org}/users/{u}/resend", headers=headers
                ),
            )
            for u in (accepter, joiner)
        ]
        # New invitations spread over the moment of expiry: the first ones still see two
        # pending invitations, the later ones reclaim the expired seats.
        shots += [Shot(org, "invite", _later(i * 0.03, invite(cluster, org, new_email(), headers))) for i in range(4)]
    cluster.set_now(deadline - timedelta(seconds=0.05))
    results = fire(cluster, shots)
    for org, accepter, joiner, browser in setups:
        browser.close()
        assert set(results[org, "accept"]) <= {"200", "invitation_expired", "invitation_invalid"}, results[
            org, "accept"
        ]
        assert set(results[org, "join"]) <= {"303", "409"}, results[org, "join"]
        assert set(results[org, "resend"]) <= {"200", FULL}, results[org, "resend"]
        assert set(results[org, "invite"]) <= {"201", FULL}, results[org, "invite"]
        members = {m["user"]["id"]: m["membership"]["membership_status"] for m in cluster.check_seats(org)}
        if results[org, "accept"]["200"]:
            assert members[accepter] == "ACTIVE", members
        if results[org, "join"]["303"]:
            assert members[joiner] == "ACTIVE", members
        cluster.drain(org)


def inviting_while_deleting_the_organization(cluster: Cluster, orgs: int = 2) -> None:
    """5. Deleting an organization without a limit while six invitations arrive: each is a
    success or 404 ``not_found`` (never 'full'), and the organization is gone."""
    targets = [cluster.org(None, "Doomed") for _ in range(orgs)]
    headers = cluster.headers()
    shots = []
    for org in targets:
        shots.append(
            Shot(org, "delete", lambda client, org=org: client.delete(f"/api/v1/organizations/{org}", headers=headers))
        )
        shots += [Shot(org, "invite", invite(cluster, org, new_email(), headers)) for _ in range(6)]
    results = fire(cluster, shots)
    for org in targets:
        assert results[org, "delete"] == {"200": 1}, results[org, "delete"]
        assert set(results[org, "invite"]) <= {"201", "not_found"}, results[org, "invite"]
        assert cluster.api.get(f"/api/v1/organizations/{org}").status_code == 404


CASES: dict[str, Callable[..., None]] = {  # (cluster, orgs=N): N organizations race in one burst
    "over_admission": over_admission_with_expired_invitations,
    "deadlock": removals_and_invitations_after_expiry,
    "add_while_deleting_user": adding_a_user_while_deleting_them,
    "accept_join_resend_reclaim": accept_join_and_resend_racing_a_reclaim,
    "invite_while_deleting_org": inviting_while_deleting_the_organization,
}


def _later(delay: float, request: Request) -> Request:
    def send(client: httpx.Client) -> httpx.Response:
        time.sleep(delay)
        return request(client)

    return send


def _email_of(cluster: Cluster, user_id: str) -> str:
    response = cluster.api.get(f"/api/v1/users/{user_id}")
    assert response.status_code == 200, response.text
    return str(response.json()["user"]["email"])


def _form_token(browser: httpx.Client, path: str) -> str:
    page = browser.get(path)
    match = CSRF.search(page.text)
    assert match, f"{path}: {page.status_code} {page.text[:300]}"
    return match.group(1)


# --- in the suite: one round of each, one organization each (bench/seat_model.py: 20 rounds of two)


@pytest.mark.parametrize("case", list(CASES))
def test_race(seats: Cluster, case: str) -> None:
    CASES[case](seats, orgs=1)
