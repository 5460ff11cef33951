"""Deliveries to a real receiver on loopback by a worker on the test's clock: signed per
Standard Webhooks, retried with backoff after errors and timeouts, failed after 24 hours,
in order per object, replayable."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from tenantry.sdk.webhooks import WebhookVerificationError, verify
from tests.events.conftest import Received, deliveries, events, register


def attempts(api, hook_id: str, delivery_id: str) -> list[dict]:
    response = api.get(f"/api/v1/webhooks/{hook_id}/deliveries/{delivery_id}/attempts")
    assert response.status_code == 200, response.text
    return list(response.json()["attempts"])


def drain(worker, clock, *, rounds: int = 50) -> None:
    """Run the worker until it finds nothing due, moving the clock past any backoff."""
    for _ in range(rounds):
        if not worker.run_once():
            clock.advance(hours=3)
            if not worker.run_once():
                return


def test_a_delivery_is_signed_and_the_sdk_helper_verifies_it(api, receiver, worker):
    created = register(api, receiver.url)
    hook_id, secret = created["webhook"]["id"], created["secret"]
    org = api.org("Signed")
    assert worker.run_once() == 1

    (request,) = receiver.requests
    event = verify(request.body, request.headers, secret)
    assert event == events(api, type="organization.created")[0]
    assert event["data"]["organization"] == org
    (delivery,) = deliveries(api, hook_id)
    assert request.headers["webhook-id"] == delivery["id"]
    assert request.headers["content-type"] == "application/json"
    assert delivery["status"] == "DELIVERED" and delivery["attempts"] == 1
    (attempt,) = attempts(api, hook_id, delivery["id"])
    assert attempt["status_code"] == 200 and attempt["succeeded"] is True and attempt["response_body"] == "ok"

    other_secret = register(api, receiver.url)["secret"]
    for body, headers, key in [
        (request.body.replace(b"Signed", b"Forged"), request.headers, secret),
        (request.body, request.headers, other_secret),
        (request.body, {**request.headers, "webhook-id": "msg_other"}, secret),
        (request.body, {**request.headers, "webhook-timestamp": "1000000000"}, secret),
        (request.body, {**request.headers, "webhook-signature": "v1"}, secret),
        (request.body, {k: v for k, v in request.headers.items() if k != "webhook-signature"}, secret),
        (request.body, request.headers, "whsec_"),
    ]:
        with pytest.raises(WebhookVerificationError):
            verify(body, headers, key)


def test_a_500_is_retried_later_with_the_same_webhook_id(api, receiver, worker, clock):
    receiver.behaviour = lambda r: (500, 0) if r.number == 1 else (204, 0)
    hook_id = register(api, receiver.url)["webhook"]["id"]
    api.org()
    assert worker.run_once() == 1
    (delivery,) = deliveries(api, hook_id)
    assert delivery["status"] == "PENDING" and delivery["attempts"] == 1
    wait = delivery["next_attempt_time"]
    assert worker.run_once() == 0  # not due yet: nothing sent
    clock.advance(seconds=14)
    assert worker.run_once() == 0  # backoff after the first failure: 15 to 30 s (base 30 s, jitter)
    clock.advance(seconds=16)
    assert worker.run_once() == 1

    first, second = receiver.requests
    assert first.id == second.id == delivery["id"]
    (delivery,) = deliveries(api, hook_id)
    assert delivery["status"] == "DELIVERED" and delivery["attempts"] == 2 and wait
    assert [a["status_code"] for a in attempts(api, hook_id, delivery["id"])] == [500, 204]


def test_a_timeout_is_an_error_and_is_retried(api, receiver, worker, clock):
    receiver.behaviour = lambda r: (200, 5.0) if r.number == 1 else (200, 0)  # the worker waits 1 s
    hook_id = register(api, receiver.url)["webhook"]["id"]
    api.org()
    assert worker.run_once() == 1
    (delivery,) = deliveries(api, hook_id)
    assert delivery["status"] == "PENDING"
    (attempt,) = attempts(api, hook_id, delivery["id"])
    assert attempt["status_code"] is None and "timeout" in attempt["error"] and attempt["succeeded"] is False
    clock.advance(minutes=1)
    assert worker.run_once() == 1
    assert deliveries(api, hook_id)[0]["status"] == "DELIVERED"


def test_unreachable_receivers_are_retried_for_24_hours_then_failed_and_replayable(api, receiver, worker, clock):
    receiver.behaviour = lambda r: (503, 0)
    hook_id = register(api, receiver.url)["webhook"]["id"]
    org = api.org()
    start = clock.now()
    sent = []
    while deliveries(api, hook_id)[0]["status"] == "PENDING":
        assert clock.now() - start < timedelta(hours=27), "still retrying after the 24-hour window"
        sent.append(worker.run_once())
        clock.advance(minutes=20)
    (delivery,) = deliveries(api, hook_id)
    assert delivery["status"] == "FAILED" and delivery["finish_time"] is not None
    tries = attempts(api, hook_id, delivery["id"])
    assert 8 <= len(tries) <= 30 and sum(sent) == len(tries) == delivery["attempts"]
    gaps = [b["create_time"] > a["create_time"] for a, b in itertools.pairwise(tries)]
    assert all(gaps)

    # Later events about the same object are not held back by a failed one.
    api.patch(f"/api/v1/organizations/{org['id']}", json={"display_name": "Back"})
    receiver.behaviour = lambda r: (200, 0)
    assert worker.run_once() == 1
    assert receiver.requests[-1].event["type"] == "organization.updated"

    replayed = api.post(f"/api/v1/webhooks/{hook_id}/deliveries/{delivery['id']}:replay")
    assert replayed.status_code == 200 and replayed.json()["delivery"]["status"] == "PENDING"
    assert worker.run_once() == 1
    assert receiver.requests[-1].id == delivery["id"]
    assert deliveries(api, hook_id)[0]["status"] == "DELIVERED"


def test_a_later_event_about_an_object_waits_for_the_earlier_one(api, receiver, worker, clock):
    accepted: list[dict] = []

    def flaky_first(request: Received) -> tuple[int, float]:
        if request.event["type"] == "user.created" and request.number < 3:
            return 500, 0
        accepted.append(request.event)
        return 200, 0

    receiver.behaviour = flaky_first
    register(api, receiver.url)
    org = api.org()
    user = api.user_in(org["id"], "hana@example.com", invite=False)
    for name in ("One", "Two", "Three"):
        api.patch(f"/api/v1/users/{user['id']}", json={"user_profile": {"given_name": name}})
    other = api.org("Unrelated")

    worker.run_once()
    # Only the head of each object's queue went out: the user's first event (refused), and
    # the organizations' own events, which do not wait for the user.
    assert [r.event["type"] for r in receiver.requests if r.event["user_id"] == user["id"]] == ["user.created"]
    assert any(e["organization_id"] == other["id"] for e in accepted)
    drain(worker, clock)

    expected = [e["id"] for e in events(api, user_id=user["id"])]
    assert len(expected) == 5  # created, membership created, three updates
    assert [e["id"] for e in accepted if e["user_id"] == user["id"]] == expected
    names = [e["data"]["user"]["user_profile"]["given_name"] for e in accepted if e["type"] == "user.updated"]
    assert names == ["One", "Two", "Three"]


def test_deliveries_of_a_disabled_endpoint_wait_until_it_is_enabled(api, receiver, worker):
    hook_id = register(api, receiver.url)["webhook"]["id"]
    api.org()
    api.patch(f"/api/v1/webhooks/{hook_id}", json={"enabled": False})
    assert worker.run_once() == 0
    api.patch(f"/api/v1/webhooks/{hook_id}", json={"enabled": True})
    assert worker.run_once() == 1


def test_the_worker_sweep_records_expired_invitations_once_and_delivers_them(api, receiver, worker, clock):
    register(api, receiver.url, event_types=["invitation.expired"])
    org = api.org()
    ivy = api.user_in(org["id"], "ivy@example.com")
    clock.advance(days=16)
    worker.sweep_if_due()
    worker._next_sweep = 0  # due again at once: a second sweep must find nothing new
    worker.sweep_if_due()
    api.get(f"/api/v1/users/{ivy['id']}")  # a read after the sweep adds nothing either
    (expired,) = events(api, type="invitation.expired")
    assert expired["actor"] == {"type": "SYSTEM", "id": None}
    assert worker.run_once() == 1
    assert receiver.requests[0].event == expired
