"""``tenantry worker`` processes against one database: two at once deliver each message
once and in order per object; a worker killed mid-delivery loses no event."""

from __future__ import annotations

import random
import signal
import time

import httpx

from tenantry.sdk.webhooks import verify
from tests.events.conftest import deliveries, events, register, worker_process
from tests.helpers import Api
from tests.live.conftest import running_server

PASSWORD = "a long and unusual passphrase"


def wait_until_delivered(api, hook_id: str, count: int, timeout: float = 90) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = deliveries(api, hook_id)
        if len(found) == count and all(d["status"] == "DELIVERED" for d in found):
            return found
        time.sleep(0.2)
    raise AssertionError(f"not all delivered within {timeout} s: {[d['status'] for d in deliveries(api, hook_id)]}")


def test_two_workers_deliver_each_message_once_in_order_per_object(api, receiver, database_url):
    receiver.behaviour = lambda r: (200, random.uniform(0, 0.05))  # interleave the two workers
    hook = register(api, receiver.url)
    orgs = [api.org(f"Org {i}") for i in range(12)]
    for org in orgs:
        api.patch(f"/api/v1/organizations/{org['id']}", json={"display_name": org["display_name"] + " (renamed)"})
    expected = events(api)
    assert len(expected) == 24

    with worker_process(database_url), worker_process(database_url):
        wait_until_delivered(api, hook["webhook"]["id"], len(expected))
        time.sleep(1)  # time for a duplicate, were there one, to arrive

    ids = [r.id for r in receiver.requests]
    assert len(ids) == len(set(ids)) == len(expected)
    received = [verify(r.body, r.headers, hook["secret"]) for r in receiver.requests]
    assert sorted(e["id"] for e in received) == sorted(e["id"] for e in expected)
    for org in orgs:
        about = [e["type"] for e in received if e["organization_id"] == org["id"]]
        assert about == ["organization.created", "organization.updated"]


def test_signup_and_invitation_arrive_once_signed_and_in_order_across_a_worker_crash(api, receiver, database_url):
    # The receiver holds the very first request until the worker sending it is killed.
    receiver.behaviour = lambda r: (200, 60.0) if len(receiver.requests) == 1 else (200, 0)
    hook = register(api, receiver.url)
    ada = api.signup("ada@example.com", PASSWORD, verified=False).json()["user"]
    team = api.org("Team")
    api.post(f"/api/v1/memberships/organizations/{team['id']}/users/{ada['id']}", json={"roles": [{"name": "member"}]})
    assert api.accept(api.invitation_token("ada@example.com")).status_code == 200
    expected = events(api)

    with worker_process(database_url) as doomed:
        receiver.wait_for(lambda requests: len(requests) >= 1)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=30)
    receiver.release.set()  # the held request may now be answered: nobody is listening
    with worker_process(database_url):  # takes over once the dead worker's lease (3 s) runs out
        wait_until_delivered(api, hook["webhook"]["id"], len(expected))

    requests = receiver.requests
    first = requests[0].id
    assert [r.id for r in requests].count(first) == 2  # the interrupted message, sent again with its id
    unique = {r.id: verify(r.body, r.headers, hook["secret"]) for r in requests}
    assert len(unique) == len(expected)
    received = list(unique.values())
    assert sorted(e["id"] for e in received) == sorted(e["id"] for e in expected)
    for user_id in {e["user_id"] for e in expected if e["user_id"]}:
        in_order = [e["id"] for e in expected if e["user_id"] == user_id and e["type"] != "organization.created"]
        assert [e["id"] for e in received if e["id"] in in_order] == in_order
    assert [e["type"] for e in received if e["user_id"] == ada["id"]] == [
        "user.signup",
        "user.organization_membership_created",
        "user.organization_membership_created",
        "user.organization_invitation",
        "invitation.accepted",
        "user.organization_membership_updated",
    ]


def test_serve_runs_a_worker_unless_told_not_to(receiver, database_url, engine):
    served = running_server(database_url, TENANTRY_WEBHOOK_ALLOWED_TARGETS="127.0.0.1")  # the receiver's address
    with served as base_url, httpx.Client(base_url=base_url, timeout=30) as http:
        api = Api.login(http)
        hook = register(api, receiver.url)
        org = api.org("Served")
        (request,) = receiver.wait_for(lambda requests: len(requests) >= 1)
        assert verify(request.body, request.headers, hook["secret"])["data"]["organization"] == org
