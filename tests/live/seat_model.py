"""A model-based random test of seat accounting (issue 14), shared by the suite
(tests/live/test_seat_model.py) and bench/seat_model.py.

Seeded (the seed is printed; ``TENANTRY_MODEL_SEED`` replays one): random operations across
several organizations with limits of 1 to 4, fired in bursts of 10 to 30 simultaneous requests
alternating between the servers: invite a new address, add an existing user active or
invited, accept an invitation by its link, join one from the organization switcher (signed
in on the hosted pages), resend, revoke, remove, delete a user, delete an organization,
create one on behalf of a user (the creation limit), change the limit; and between bursts,
sometimes, the clock moves past every invitation's expiry.

The server's state is read back through the API after every burst and checked:
- no answer is a 5xx, and every answer is one its operation may give;
- ``seats_used`` equals the members listed ACTIVE or PENDING_INVITE;
- no burst granted more seats than were free (free before, plus what the burst gave back:
  removals, revocations, deleted users, invitations that expired, a raised limit) and no
  user got more creation slots than were free;
- at the end every member is removed one by one (each 200, or ``last_admin`` for the
  founder) and what is left is exactly what ``seats_used`` says.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from tests.helpers import TOKEN_IN_LINK, when
from tests.live.seats import EXPIRY, Cluster, Request, code, unique

FULL = "organization_user_limit_reached"
CREATION_FULL = "organization_creation_limit_reached"
MAX_ORGANIZATIONS = 3  # per user, during the run
PASSWORD = "a long and unusual passphrase"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
HOLDING = ("ACTIVE", "PENDING_INVITE")

# What each operation may answer (besides success); anything else, and every 5xx, is a failure.
ALLOWED: dict[str, set[str]] = {
    "invite": {"201", FULL, "not_found", "already_exists"},
    "add": {"201", FULL, "not_found", "already_exists"},
    "accept": {"200", "invitation_expired", "invitation_invalid", FULL, "not_found"},
    "join": {"303", "409"},
    "resend": {"200", FULL, "not_found", "membership_already_active"},
    "revoke": {"200", "not_found", "last_admin"},
    "remove": {"200", "not_found", "last_admin"},
    "delete_user": {"200", "not_found"},
    "delete_org": {"200", "not_found"},
    "create_org": {"201", CREATION_FULL, "not_found"},
    "limit": {"200", "not_found"},
}
SEAT_TAKING = {"invite", "add"}


class ModelFailure(AssertionError):
    pass


@dataclass
class Founder:
    """A user with a password, signed in on the hosted pages: creates organizations, joins."""

    id: str
    email: str
    browser: httpx.Client
    orgs: set[str] = field(default_factory=set)  # organizations they created that exist
    form: str = ""  # the switcher's CSRF token (bound to the browser's cookie, so it lasts)


@dataclass
class Org:
    id: str
    limit: int | None = None
    lowered: bool = False  # the limit went under usage at some point: usage may exceed it
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> membership
    used: int = 0


@dataclass
class Op:
    kind: str
    org: str | None
    send: Request
    user: str | None = None
    founder: Founder | None = None
    value: int | None = None


class SeatModel:
    def __init__(self, cluster: Cluster, seed: int, *, log: Callable[[str], None] = print) -> None:
        self.cluster, self.seed, self.rng, self.log = cluster, seed, random.Random(seed), log
        self.founders: list[Founder] = []
        self.orgs: dict[str, Org] = {}
        self.emails: dict[str, str] = {}  # user id -> e-mail
        self.tokens: dict[tuple[str, str], str] = {}  # (org, user) -> invitation token
        self.bursts = 0
        self.requests = 0

    # --- set-up ------------------------------------------------------------------------

    def setup(self, founders: int = 2, orgs: int = 4) -> None:
        api = self.cluster.api
        api.settings(invitation_expiry_seconds=EXPIRY, max_organizations_per_user=MAX_ORGANIZATIONS)
        for _ in range(founders):
            email = f"{unique('founder')}@example.com"
            signed = api.signup(email, PASSWORD, organization={"display_name": unique("Founded")})
            if signed.status_code != 201:
                raise ModelFailure(f"sign-up: {signed.status_code} {signed.text}")
            body = signed.json()
            founder = Founder(body["user"]["id"], email, httpx.Client(base_url=self.cluster.urls[-1], timeout=60))
            self._sign_in(founder)
            founder.form = self._form_token(founder)
            founder.orgs.add(body["organization"]["id"])
            self.founders.append(founder)
            self.emails[founder.id] = email
            self.orgs[body["organization"]["id"]] = Org(body["organization"]["id"])
        while len(self.orgs) < orgs:
            founder = self.rng.choice(self.founders)
            made = api.post(
                "/api/v1/organizations", json={"display_name": unique("Model"), "created_by_user_id": founder.id}
            )
            if made.status_code != 201:
                raise ModelFailure(f"creating an organization: {made.status_code} {made.text}")
            founder.orgs.add(made.json()["organization"]["id"])
            self.orgs[made.json()["organization"]["id"]] = Org(made.json()["organization"]["id"])
        self._limit_new_organizations()
        self.read_back()

    def _sign_in(self, founder: Founder) -> None:
        page = founder.browser.get("/login")
        match = CSRF.search(page.text)
        if not match:
            raise ModelFailure(f"/login: {page.status_code}")
        signed_in = founder.browser.post(
            "/login", data={"email": founder.email, "password": PASSWORD, "csrf_token": match.group(1)}
        )
        if signed_in.status_code != 303:
            raise ModelFailure(f"signing in: {signed_in.status_code} {signed_in.text[:300]}")
        founder.form = self._form_token(founder)

    def _limit_new_organizations(self) -> None:
        for org in self.orgs.values():
            if org.limit is None:
                org.limit = self.rng.randint(1, 4)
                self.cluster.api.limit(org.id, org.limit)

    # --- reading the state back and checking it ------------------------------------------------

    def read_back(self) -> None:
        for org in list(self.orgs.values()):
            members = self.cluster.members(org.id)
            org.members = {m["user"]["id"]: m["membership"] for m in members}
            for m in members:
                self.emails[m["user"]["id"]] = m["user"]["email"]
            used, limit = self.cluster.usage(org.id)
            holders = sum(1 for m in org.members.values() if m["membership_status"] in HOLDING)
            statuses = Counter(m["membership_status"] for m in org.members.values())
            if used != holders:
                raise ModelFailure(f"{org.id}: seats_used {used} but members {dict(statuses)}")
            if limit is not None and used > limit and not org.lowered:
                raise ModelFailure(f"{org.id}: {used} seats used over its limit of {limit} ({dict(statuses)})")
            org.used, org.limit = used, limit

    def _pick_tokens(self) -> None:
        """Fetch the links of a few pending invitations (accepted in the next burst)."""
        pending = [
            (org.id, user)
            for org in self.orgs.values()
            for user, m in org.members.items()
            if m["membership_status"] == "PENDING_INVITE" and user not in {f.id for f in self.founders}
        ]
        self.tokens = {}
        for org_id, user in self.rng.sample(pending, min(3, len(pending))):
            response = self.cluster.api.get("/api/v1/emails", params={"to": self.emails[user], "page_size": 100})
            sent = [e for e in response.json().get("emails", []) if e["kind"] == "invitation"]
            match = TOKEN_IN_LINK.search(sent[-1]["text"]) if sent else None
            if match:  # the newest link (into this organization or another: accepting takes no new seat)
                self.tokens[org_id, user] = match.group(1)

    # --- one burst ---------------------------------------------------------------------

    def burst(self) -> None:
        headers = self.cluster.headers()
        size = self.rng.randint(10, 30)
        ops = [op for op in (self._random_op(headers) for _ in range(size * 2)) if op is not None][:size]
        before = {org.id: (org.used, org.limit, dict(org.members)) for org in self.orgs.values()}
        created_before = {f.id: len(f.orgs) for f in self.founders}
        responses = self.cluster.burst([op.send for op in ops])
        self.bursts += 1
        self.requests += len(ops)
        now = self.cluster.server_now()
        problems = []
        for op, response in zip(ops, responses, strict=True):
            got = code(response)
            if response.status_code >= 500 or got not in ALLOWED[op.kind]:
                problems.append(f"{op.kind} {op.org} {op.user}: {response.status_code} {response.text[:300]}")
        if problems:
            raise ModelFailure("unexpected answers:\n" + "\n".join(problems))
        self._apply(ops, responses)
        self._check_grants(ops, responses, before, created_before, now)
        self.read_back()

    def _apply(self, ops: list[Op], responses: list[httpx.Response]) -> None:
        """What the model must remember from the answers: organizations created or deleted."""
        for op, response in zip(ops, responses, strict=True):
            ok = response.status_code < 400
            if op.kind == "delete_org" and ok and op.org in self.orgs:
                del self.orgs[op.org]
                for founder in self.founders:
                    founder.orgs.discard(op.org)
            if op.kind == "delete_user" and ok and op.user is not None:
                self.emails.pop(op.user, None)
            if op.kind == "create_org" and ok and op.founder is not None:
                new = response.json()["organization"]["id"]
                op.founder.orgs.add(new)
                self.orgs[new] = Org(new)
            if op.kind == "limit" and ok and op.org in self.orgs and op.value is not None:
                org = self.orgs[op.org]
                if op.value < org.used or (org.limit is not None and op.value < org.limit):
                    org.lowered = True
        self._limit_new_organizations()

    def _check_grants(
        self,
        ops: list[Op],
        responses: list[httpx.Response],
        before: dict[str, tuple[int, int | None, dict[str, dict[str, Any]]]],
        created_before: dict[str, int],
        now: datetime,
    ) -> None:
        taken: Counter[str] = Counter()
        released: Counter[str] = Counter()
        raised: dict[str, int] = {}
        for op, response in zip(ops, responses, strict=True):
            ok = response.status_code < 400
            if not ok or op.org is None or op.org not in before:
                continue
            members = before[op.org][2]
            prior = members.get(op.user or "", {}).get("membership_status")
            if op.kind in SEAT_TAKING or (op.kind == "resend" and prior == "INVITE_EXPIRED"):
                taken[op.org] += 1
            if op.kind in ("revoke", "remove") and prior in HOLDING:
                released[op.org] += 1
            if op.kind == "limit" and op.value is not None:
                raised[op.org] = max(raised.get(op.org, 0), op.value)
        for op, response in zip(ops, responses, strict=True):  # a deleted user gives back every seat they held
            if op.kind == "delete_user" and response.status_code < 400:
                for org_id, (_, _, members) in before.items():
                    if members.get(op.user or "", {}).get("membership_status") in HOLDING:
                        released[org_id] += 1
        for org_id, (used, limit, members) in before.items():
            if limit is None or org_id not in self.orgs:
                continue
            expired = sum(
                1
                for m in members.values()
                if m["membership_status"] == "PENDING_INVITE"
                and m.get("invite_expires_at")
                and when(m["invite_expires_at"]) <= now
            )
            free = max(limit, raised.get(org_id, 0)) - used + released[org_id] + expired
            if taken[org_id] > max(free, 0):
                raise ModelFailure(
                    f"{org_id}: the burst granted {taken[org_id]} seats with {max(free, 0)} free "
                    f"(limit {limit}, used {used}, given back {released[org_id]}, expired {expired})"
                )
        for founder in self.founders:
            made = sum(
                1
                for op, response in zip(ops, responses, strict=True)
                if op.kind == "create_org" and op.founder is founder and response.status_code == 201
            )
            deleted = sum(
                1
                for op, response in zip(ops, responses, strict=True)
                if op.kind == "delete_org" and response.status_code == 200 and op.value == 1 and op.user == founder.id
            )
            free = MAX_ORGANIZATIONS - created_before[founder.id] + deleted
            if made > max(free, 0):
                raise ModelFailure(f"founder {founder.id}: {made} organizations created with {free} slots free")

    # --- the operations --------------------------------------------------------------------

    def _random_op(self, headers: dict[str, str]) -> Op | None:
        org = self.orgs[self.rng.choice(sorted(self.orgs))]
        kind = self.rng.choices(
            [
                "invite",
                "add",
                "accept",
                "join",
                "resend",
                "revoke",
                "remove",
                "delete_user",
                "delete_org",
                "create_org",
                "limit",
            ],
            weights=[30, 12, 8, 5, 8, 7, 6, 5, 2, 4, 5],
        )[0]
        founder_ids = {f.id for f in self.founders}
        members = org.members
        pending = [u for u, m in members.items() if m["membership_status"] != "ACTIVE"]
        active = [u for u, m in members.items() if m["membership_status"] == "ACTIVE"]
        base = f"/api/v1/memberships/organizations/{org.id}/users"
        if kind == "invite":
            email = f"{unique('m')}@example.com"
            return Op(
                kind,
                org.id,
                lambda c: c.post(f"/api/v1/organizations/{org.id}/users", headers=headers, json={"email": email}),
            )
        if kind == "add":
            outsiders = sorted(set(self.emails) - set(members))
            if not outsiders:
                return None
            user = self.rng.choice(outsiders)
            invite = self.rng.random() < 0.5 or user in founder_ids  # founders are invited, to join later
            params = {"send_invitation_email": str(invite).lower()}
            return Op(kind, org.id, lambda c: c.post(f"{base}/{user}", headers=headers, params=params, json={}), user)
        if kind == "accept":
            if not self.tokens:
                return None
            (org_id, user), token = self.rng.choice(sorted(self.tokens.items()))
            return Op(kind, org_id, lambda c: c.post("/api/v1/invitations:accept", json={"token": token}), user)
        if kind == "join":
            joinable = [f for f in self.founders if f.id in pending]
            if not joinable:
                return None
            founder = self.rng.choice(joinable)
            form = founder.form
            return Op(
                kind,
                org.id,
                lambda c: founder.browser.post(
                    f"/organizations/{org.id}/join", data={"csrf_token": form}, follow_redirects=False
                ),
                founder.id,
            )
        if kind == "resend":
            if not pending:
                return None
            user = self.rng.choice(pending)
            return Op(
                kind,
                org.id,
                lambda c: c.patch(f"/api/v1/invites/organizations/{org.id}/users/{user}/resend", headers=headers),
                user,
            )
        if kind in ("revoke", "remove"):
            chosen = pending if kind == "revoke" else active
            if not chosen:
                return None
            user = self.rng.choice(chosen)
            return Op(kind, org.id, lambda c: c.delete(f"{base}/{user}", headers=headers), user)
        if kind == "delete_user":
            users = sorted(u for u in members if u not in founder_ids)
            if not users:
                return None
            user = self.rng.choice(users)
            return Op(kind, org.id, lambda c: c.delete(f"/api/v1/users/{user}", headers=headers), user)
        if kind == "delete_org":
            if len(self.orgs) <= 3:
                return None
            creator = next((f for f in self.founders if org.id in f.orgs), None)
            return Op(
                kind,
                org.id,
                lambda c: c.delete(f"/api/v1/organizations/{org.id}", headers=headers),
                creator.id if creator else None,
                value=1 if creator else 0,
            )
        if kind == "create_org":
            founder = self.rng.choice(self.founders)
            body = {"display_name": unique("Model"), "created_by_user_id": founder.id}
            return Op(
                kind, None, lambda c: c.post("/api/v1/organizations", headers=headers, json=body), founder=founder
            )
        value = self.rng.randint(1, 4)
        path = f"/api/v1/organizations/{org.id}/settings/usermanagement"
        body = {"settings": {"max_allowed_users": value}}
        return Op("limit", org.id, lambda c: c.patch(path, headers=headers, json=body), value=value)

    def _form_token(self, founder: Founder) -> str:
        page = founder.browser.get("/organizations")
        match = CSRF.search(page.text)
        if not match:
            raise ModelFailure(f"/organizations for {founder.email}: {page.status_code} {page.text[:300]}")
        return match.group(1)

    # --- the run -------------------------------------------------------------------------

    def run(self, seconds: float, *, min_bursts: int = 2) -> None:
        """Bursts for ``seconds`` (counted from the start, set-up included), at least ``min_bursts``."""
        self.log(f"seat model: seed {self.seed} (replay with TENANTRY_MODEL_SEED={self.seed})")
        deadline = time.monotonic() + seconds
        self.setup()
        while self.bursts < min_bursts or time.monotonic() < deadline:
            if self.cluster.can_move_clock and self.rng.random() < 0.25:
                self.cluster.advance(EXPIRY + 1)  # every invitation sent so far expires
            self._pick_tokens()
            self.burst()
        self.finish()
        self.log(f"seat model: seed {self.seed}: {self.bursts} bursts, {self.requests} requests, all checks held")

    def finish(self) -> None:
        """Remove every member one by one; what is left must be what seats_used says."""
        for org in self.orgs.values():
            for user in list(org.members):
                removed = self.cluster.api.delete(f"/api/v1/memberships/organizations/{org.id}/users/{user}")
                if code(removed) not in ("200", "last_admin"):
                    raise ModelFailure(
                        f"removing {user} from {org.id} at the end: {removed.status_code} {removed.text}"
                    )
        self.read_back()
        for founder in self.founders:
            founder.browser.close()


def seed_from_env() -> int:
    value = os.environ.get("TENANTRY_MODEL_SEED")
    return int(value) if value else random.SystemRandom().randrange(1, 2**31)
