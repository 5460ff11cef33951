"""Rate limits on credential endpoints: 429 rate_limited with Retry-After, per address and
per account, counting failures (not successes) for credential checks."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tests.helpers import BOOTSTRAP_ID, Api

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture
def limited(settings, clock, engine):
    with TestClient(
        create_app(
            context=build_context(settings.model_copy(update={"rate_limits_enabled": True}), clock, engine=engine)
        )
    ) as client:
        yield client


def csrf(client: TestClient, path: str) -> str:
    return CSRF.search(client.get(path).text).group(1)


def test_password_guessing_is_slowed_per_address(limited):
    """Spraying many accounts from one address; the per-account pause is tests/api/test_lockout.py."""
    token = csrf(limited, "/login")
    answers = [
        limited.post("/login", data={"email": f"u{i}@example.com", "password": "a guess", "csrf_token": token})
        for i in range(31)
    ]
    assert [r.status_code for r in answers[:30]] == [401] * 30
    assert answers[30].status_code == 429
    assert int(answers[30].headers["retry-after"]) > 0
    assert "Too many attempts" in answers[30].text


def test_successes_do_not_count(limited):
    Api.login(limited).signup("bob@example.com", "the right long passphrase")
    for _ in range(15):
        token = csrf(limited, "/login")  # each sign-in replaces the CSRF secret
        response = limited.post(
            "/login",
            data={"email": "bob@example.com", "password": "the right long passphrase", "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303


def test_emails_sent_per_account_are_capped(limited):
    token = csrf(limited, "/forgot-password")
    codes = [
        limited.post("/forgot-password", data={"email": "carol@example.com", "csrf_token": token}).status_code
        for _ in range(6)
    ]
    assert codes == [200] * 5 + [429]


def test_sign_ups_per_address_are_capped(limited):
    codes = [
        limited.post("/api/v1/signup", json={"email": f"u{i}@example.com", "password": "a long passphrase"})
        for i in range(11)
    ]
    assert [r.status_code for r in codes[:10]] == [201] * 10
    assert codes[10].status_code == 429
    assert codes[10].json()["code"] == "rate_limited"
    assert int(codes[10].headers["retry-after"]) > 0


def test_guessing_a_client_secret_is_slowed(limited):
    answers = [
        limited.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": BOOTSTRAP_ID, "client_secret": f"wrong {i}"},
        )
        for i in range(31)
    ]
    assert [r.status_code for r in answers[:30]] == [401] * 30
    assert answers[30].status_code == 429 and answers[30].json()["code"] == "rate_limited"
    assert answers[30].json()["error"] == "slow_down"


def test_asking_for_a_new_invitation_notifies_the_inviter_twice_at_most_per_link(limited, clock):
    """An expired link's "ask for a new invitation" e-mails the inviter; repeating it is limited
    per link, and a made-up token gets the same answer and mails nobody (no enumeration)."""
    api = Api.login(limited)
    org = api.org("Initech")["id"]
    api.user_in(org, "dave@example.com", membership={"inviter_email": "boss@initech.example"})
    token = api.invitation_token("dave@example.com")
    clock.advance(days=16)
    form_token = csrf(limited, f"/invitations/accept?token={token}")
    answers = [
        limited.post("/invitations/request-new", data={"token": token, "csrf_token": form_token}) for _ in range(3)
    ]
    assert [r.status_code for r in answers] == [200, 200, 429]
    asked = api.get("/api/v1/emails", params={"to": "boss@initech.example"}).json()["emails"]
    assert [e["kind"] for e in asked] == ["invitation_request", "invitation_request"]
    made_up = limited.post("/invitations/request-new", data={"token": "x" * 43, "csrf_token": form_token})
    assert made_up.status_code == 200 and "whoever sent it has been asked" in made_up.text
    assert api.get("/api/v1/emails", params={"to": "boss@initech.example"}).json()["total_size"] == 2
