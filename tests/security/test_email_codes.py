"""E-mailed codes: their digests are keyed with a secret kept outside the database (a copy
of the rows does not give a 6-digit code away), and signing in to an unverified account
again and again does not flood its mailbox with verification e-mails."""

from __future__ import annotations

import hashlib
import re
import stat

from fastapi.testclient import TestClient
from sqlalchemy import text

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tests.helpers import Api

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
CODE = re.compile(r"\b(\d{6})\b")
PASSWORD = "the right long passphrase"


def emails(api: Api, to: str, kind: str) -> list[str]:
    found = api.get("/api/v1/emails", params={"to": to, "page_size": 100}).json()["emails"]
    return [e["text"] for e in found if e["kind"] == kind]


def test_a_copy_of_the_database_does_not_give_sign_in_codes_away(settings, clock, engine, tmp_path):
    key_file = tmp_path / "keys" / "code.key"
    key_file.parent.mkdir()
    served = settings.model_copy(update={"code_key_file": str(key_file)})
    with TestClient(create_app(context=build_context(served, clock, engine=engine))) as http:
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # made at start, readable by the server only
        api = Api.login(http)
        api.signup("ada@example.com", PASSWORD)
        token = CSRF.search(http.get("/login/code").text).group(1)  # type: ignore[union-attr]
        http.post("/login/code", data={"email": "ada@example.com", "csrf_token": token})
        code = CODE.search(emails(api, "ada@example.com", "login_code")[-1]).group(1)  # type: ignore[union-attr]

        with engine.connect() as db:  # what a stolen copy of the database shows
            row_id, stored = db.execute(text("SELECT id, secret_hash FROM email_codes WHERE purpose = 'login'")).one()
        assert stored != hashlib.sha256(f"{row_id}:{code}".encode()).hexdigest()  # no offline search finds it
        assert code not in stored

        signed_in = http.post(
            "/login/code/verify",
            data={"email": "ada@example.com", "code": code, "csrf_token": token},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303


def test_signing_in_to_an_unverified_account_does_not_flood_its_mailbox(http: TestClient, api: Api, clock):
    token = CSRF.search(http.get("/signup").text).group(1)  # type: ignore[union-attr]
    signed_up = http.post(
        "/signup",
        data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert signed_up.status_code == 303
    assert len(emails(api, "ada@example.com", "verify_email")) == 1

    def sign_in() -> None:
        http.cookies.clear()
        token = CSRF.search(http.get("/login").text).group(1)  # type: ignore[union-attr]
        response = http.post(
            "/login",
            data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303 and response.headers["location"].startswith("/verify-email")

    for _ in range(5):
        sign_in()
    assert len(emails(api, "ada@example.com", "verify_email")) == 1  # the code already sent still works
    clock.advance(minutes=11)  # that code has expired: the next sign-in sends a new one
    sign_in()
    assert len(emails(api, "ada@example.com", "verify_email")) == 2
    sent = []
    for _ in range(4):  # three more codes make five; the fourth sign-in sends none
        clock.advance(minutes=11)
        sign_in()
        # read before the clock moves on: the code is e-mailed after the answer (reading the
        # outbox writes what was asked for), and whether one still works is judged then
        sent.append(len(emails(api, "ada@example.com", "verify_email")))
    assert sent == [3, 4, 5, 5]  # at most 5 a day
