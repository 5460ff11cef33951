"""Machinery of the seat concurrency tests (tests/live/test_seat_races.py, test_seat_model.py,
bench/seat_model.py): server processes with a clock the test moves, bursts of simultaneous
requests alternating between them, and the seat invariant read back through the API.

Targets: by default the tests start the servers themselves (two processes on PostgreSQL, one
on SQLite, which serialises writers anyway). With ``TENANTRY_MODEL_TARGETS=http://…,http://…``
they drive servers started elsewhere instead (an older build, say; bench/seat_model.py starts
them): those must share one database, accept the client ``TENANTRY_MODEL_CLIENT_ID`` /
``TENANTRY_MODEL_CLIENT_SECRET`` (default: the suite's bootstrap client) and read their clock
offset from ``TENANTRY_MODEL_CLOCK_FILE`` (tests/live/clocked_serve.py); nothing else is assumed
and nothing is emptied: every case works in organizations of its own.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, TOKEN_IN_LINK, Api, free_port, token_for, when
from tests.live import clocked_serve
from tests.serving import ServeProcess

Request = Callable[[httpx.Client], httpx.Response]
EXPIRY = 60  # seconds: the shortest invitation expiry the public setting allows
TARGETS = "TENANTRY_MODEL_TARGETS"


def fire_at_once(
    count: int, base_urls: Sequence[str], request: Callable[[httpx.Client, int], httpx.Response]
) -> list[httpx.Response]:
    """Run ``request`` ``count`` times from ``count`` threads released together by a
    barrier, spreading them round-robin over the servers."""
    barrier = threading.Barrier(count)

    def one(i: int) -> httpx.Response:
        with httpx.Client(base_url=base_urls[i % len(base_urls)], timeout=60) as client:
            barrier.wait()
            return request(client, i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def outcome(responses: Sequence[httpx.Response]) -> Counter[str]:
    """``201`` for a success, the problem code otherwise (``500``… when there is none)."""
    return Counter(code(r) for r in responses)


def code(response: httpx.Response) -> str:
    if response.status_code < 300:
        return str(response.status_code)
    try:
        return str(response.json()["code"])
    except (ValueError, KeyError, TypeError):
        return str(response.status_code)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Cluster:
    """Server processes sharing one database, as the tests see them: base URLs and a clock."""

    urls: list[str]
    clock_file: Path | None
    client_id: str = BOOTSTRAP_ID
    client_secret: str = BOOTSTRAP_SECRET
    _api: Api | None = field(default=None, repr=False)

    @property
    def api(self) -> Api:
        """A management API client of the first server (a new token when the clock moved past it)."""
        if self._api is None:
            http = httpx.Client(base_url=self.urls[0], timeout=60)
            self._api = Api(http, token_for(http, self.client_id, self.client_secret))
        return self._api

    def close(self) -> None:
        if self._api is not None:
            self._api.http.close()  # type: ignore[union-attr]

    def headers(self) -> dict[str, str]:
        """A fresh bearer token for a burst (tokens expire when the tests move the clock far)."""
        return {"Authorization": f"Bearer {token_for(self.api.http, self.client_id, self.client_secret)}"}

    def burst(self, requests: Sequence[Request]) -> list[httpx.Response]:
        """All ``requests`` at once, alternating between the servers."""
        return fire_at_once(len(requests), self.urls, lambda client, i: requests[i](client))

    @property
    def can_move_clock(self) -> bool:
        return self.clock_file is not None

    def advance(self, seconds: float) -> None:
        assert self.clock_file is not None, "these servers have no test clock (TENANTRY_MODEL_CLOCK_FILE)"
        clocked_serve.advance(self.clock_file, seconds)

    def server_now(self) -> datetime:
        offset = clocked_serve.offset(self.clock_file) if self.clock_file else 0.0
        return datetime.fromtimestamp(time.time() + offset, UTC)

    def set_now(self, moment: datetime) -> None:
        """Put the servers' clock at ``moment`` (from this instant on it runs normally)."""
        assert self.clock_file is not None
        self.advance((moment - self.server_now()).total_seconds())

    # --- set-ups and reads through the API -------------------------------------------------

    def short_expiry(self) -> None:
        self.api.settings(invitation_expiry_seconds=EXPIRY)

    def org(self, limit: int | None = None, prefix: str = "Seats") -> str:
        org_id = self.api.org(unique(prefix))["id"]
        if limit is not None:
            self.api.limit(org_id, limit)
        return org_id

    def members(self, org_id: str) -> list[dict[str, Any]]:
        """``(user, membership in org_id)`` for every member, every status."""
        found: list[dict[str, Any]] = []
        page_token = None
        while True:
            params: dict[str, Any] = {"page_size": 100, **({"page_token": page_token} if page_token else {})}
            response = self.api.get(f"/api/v1/organizations/{org_id}/users", params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            for user in body["users"]:
                mine = [m for m in user["memberships"] if m["organization_id"] == org_id]
                if mine:
                    found.append({"user": user, "membership": mine[0]})
            page_token = body.get("next_page_token")
            if not page_token:
                return found

    def usage(self, org_id: str) -> tuple[int, int | None]:
        """``(seats_used, max_allowed_users)`` as the API reports them."""
        response = self.api.get(f"/api/v1/organizations/{org_id}/settings/usermanagement")
        assert response.status_code == 200, response.text
        body = response.json()
        return int(body["seats_used"]), body.get("max_allowed_users")

    def token(self, email: str) -> str:
        """The newest invitation link's token sent to ``email``."""
        response = self.api.get("/api/v1/emails", params={"to": email, "page_size": 100})
        assert response.status_code == 200, response.text
        invitations = [e for e in response.json()["emails"] if e["kind"] == "invitation"]
        assert invitations, f"no invitation e-mail to {email}"
        match = TOKEN_IN_LINK.search(invitations[-1]["text"])
        assert match, invitations[-1]["text"]
        return match.group(1)

    def check_seats(self, org_id: str, *, limit_held: bool = True) -> list[dict[str, Any]]:
        """The seat invariant of one organization, read through the API: ``seats_used`` is the
        number of members listed ACTIVE or PENDING_INVITE (unexpired), and within the limit
        (``limit_held``: unless the limit was lowered under usage). Returns the members."""
        members = self.members(org_id)
        used, limit = self.usage(org_id)
        holders = [m for m in members if m["membership"]["membership_status"] in ("ACTIVE", "PENDING_INVITE")]
        statuses = Counter(m["membership"]["membership_status"] for m in members)
        assert used == len(holders), f"{org_id}: seats_used {used} but members {dict(statuses)}"
        if limit_held and limit is not None:
            assert used <= limit, f"{org_id}: {used} seats used over the limit of {limit} ({dict(statuses)})"
        return members

    def drain(self, org_id: str) -> None:
        """Remove every member one by one: each answers 200 and the count ends at 0 (a counter
        that drifted either way shows here: 500 from its check constraint, or seats left)."""
        for member in self.members(org_id):
            user_id = member["user"]["id"]
            removed = self.api.delete(f"/api/v1/memberships/organizations/{org_id}/users/{user_id}")
            assert removed.status_code == 200, f"removing {user_id} from {org_id}: {removed.status_code} {removed.text}"
        used, _ = self.usage(org_id)
        assert used == 0, f"{org_id}: {used} seats used after every member was removed"


def expires_at(cluster: Cluster, org_id: str, user_id: str) -> datetime:
    response = cluster.api.get(f"/api/v1/users/{user_id}")
    assert response.status_code == 200, response.text
    [membership] = [m for m in response.json()["user"]["memberships"] if m["organization_id"] == org_id]
    return when(membership["invite_expires_at"])


def server_command() -> tuple[str, ...]:
    return (sys.executable, "-m", "tests.live.clocked_serve", "serve")


def cluster_from_env() -> Cluster | None:
    """The externally started servers named by TENANTRY_MODEL_TARGETS, if any."""
    targets = [url.strip().rstrip("/") for url in os.environ.get(TARGETS, "").split(",") if url.strip()]
    if not targets:
        return None
    clock = os.environ.get("TENANTRY_MODEL_CLOCK_FILE")
    return Cluster(
        targets,
        Path(clock) if clock else None,
        os.environ.get("TENANTRY_MODEL_CLIENT_ID", BOOTSTRAP_ID),
        os.environ.get("TENANTRY_MODEL_CLIENT_SECRET", BOOTSTRAP_SECRET),
    )


@contextmanager
def started_cluster(
    env: dict[str, str], processes: int, *, command: Sequence[str] | None = None, cwd: str | Path | None = None
) -> Iterator[Cluster]:
    """``processes`` clocked ``tenantry serve`` processes with ``env`` (database, bootstrap client)."""
    with tempfile.TemporaryDirectory(prefix="tenantry-clock-") as directory, ExitStack() as stack:
        clock_file = Path(directory) / "offset"
        clock_file.write_text("0")
        server_env = {**env, clocked_serve.CLOCK_FILE: str(clock_file)}
        urls = []
        for _ in range(processes):
            server = ServeProcess(server_env, free_port(), command=command or server_command(), cwd=cwd)
            stack.callback(server.close)
            urls.append(server.start().url)
        cluster = Cluster(urls, clock_file)
        stack.callback(cluster.close)
        yield cluster
