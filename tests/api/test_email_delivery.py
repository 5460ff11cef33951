"""Invitation e-mail through a real SMTP server (aiosmtpd on loopback), and the outbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import text

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.email import requests
from tenantry.server.services.identity import mail_requests
from tests.helpers import PUBLIC_URL, TOKEN_IN_LINK, Api, free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd hook
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"expected {count} messages, got {len(self.messages)}"
        return self.messages


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def smtp_api(settings, clock, engine, port: int):
    smtp_settings = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": "Acme <auth@acme.example>"}
    )
    return TestClient(
        create_app(context=build_context(smtp_settings, clock, engine=engine)), raise_server_exceptions=False
    )


def test_invitation_is_mailed_through_smtp_with_a_working_link(smtp_server, settings, clock, engine):
    inbox, port = smtp_server
    with smtp_api(settings, clock, engine, port) as http:
        api = Api.login(http)
        org = api.org("Globex")["id"]
        assert (
            api.add_user(org, "dana@example.com", membership={"inviter_email": "boss@globex.example"}).status_code
            == 201
        )

        mail = inbox.wait_for(1)[0]
        assert mail["To"] == "dana@example.com"
        assert mail["From"] == "Acme <auth@acme.example>"
        assert "Globex" in mail["Subject"]
        text = mail.get_body(preferencelist=("plain",)).get_content()
        html = mail.get_body(preferencelist=("html",)).get_content()
        assert "boss@globex.example" in text
        link = TOKEN_IN_LINK.search(text)
        assert link and f"{PUBLIC_URL}/invitations/accept?token={link.group(1)}" in text
        assert link.group(1) in html

        accepted = api.accept(link.group(1), password="a fine password")
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["user"]["memberships"][0]["membership_status"] == "ACTIVE"

        # With SMTP the database keeps the envelope only, never the link's token.
        records = _wait_for_status(api, "dana@example.com", "sent")
        assert records[0]["text"] is None and records[0]["html"] is None


def test_an_unreachable_smtp_server_does_not_fail_the_invitation_and_is_tried_again(settings, clock, engine):
    port = free_port()  # nothing listens there yet
    with smtp_api(settings, clock, engine, port) as http:
        api = Api.login(http)
        org = api.org()["id"]
        response = api.add_user(org, "eve@example.com")
        assert response.status_code == 201
        assert response.json()["user"]["memberships"][0]["membership_status"] == "PENDING_INVITE"
        record = _wait_for(api, "eve@example.com", lambda r: bool(r["error"]))
        assert record["status"] == "queued" and "refused" in record["error"].lower(), record

        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()  # the server is back
        try:
            clock.advance(hours=1)  # past the backoff
            mail_requests.run_due(http.app.state.context)  # what the worker loop does every round
            assert [m["To"] for m in inbox.wait_for(1)] == ["eve@example.com"]
            assert _wait_for(api, "eve@example.com", lambda r: r["status"] == "sent")["error"] is None
            mail_requests.run_due(http.app.state.context)
            assert len(inbox.messages) == 1  # sent once
        finally:
            controller.stop()


def test_without_smtp_the_whole_message_goes_to_the_outbox(api: Api):
    org = api.org("Initech")["id"]
    api.user_in(org, "frank@example.com")
    emails = api.get("/api/v1/emails", params={"to": "FRANK@example.com"}).json()["emails"]
    assert [e["status"] for e in emails] == ["outbox"]
    assert "Initech" in emails[0]["subject"]
    assert TOKEN_IN_LINK.search(emails[0]["text"]) and TOKEN_IN_LINK.search(emails[0]["html"])


def test_a_refused_invitation_sends_no_email(api: Api):
    org = api.org()["id"]
    api.limit(org, 1)
    api.user_in(org, "first@example.com")
    assert api.add_user(org, "second@example.com").json()["code"] == "organization_user_limit_reached"
    assert api.get("/api/v1/emails", params={"to": "second@example.com"}).json()["total_size"] == 0


def _wait_for(api: Api, to: str, condition: Callable[[dict], bool]) -> dict:
    deadline = time.monotonic() + 10
    while True:
        records = api.get("/api/v1/emails", params={"to": to}).json()["emails"]
        if (records and condition(records[0])) or time.monotonic() > deadline:
            assert records and condition(records[0]), records
            return records[0]
        time.sleep(0.05)


def _wait_for_status(api: Api, to: str, status: str) -> list[dict]:
    deadline = time.monotonic() + 10
    while True:
        records = api.get("/api/v1/emails", params={"to": to}).json()["emails"]
        if (records and records[0]["status"] == status) or time.monotonic() > deadline:
            assert records and records[0]["status"] == status, records
            return records
        time.sleep(0.05)


def test_every_sender_failure_is_recorded_even_one_the_mail_library_raises(smtp_server, settings, clock, engine):
    """An organization named with CR/LF before names were checked (the API refuses such names
    now): the e-mail library refuses the subject. The record must say failed, and why, instead
    of staying "queued" forever with nothing logged (issue 15 item 6)."""
    inbox, port = smtp_server
    with smtp_api(settings, clock, engine, port) as http:
        api = Api.login(http)
        org = api.org("Legacy")["id"]
        with engine.begin() as connection:  # a row written before the display-name rule existed
            connection.execute(
                text("UPDATE organizations SET display_name = :name WHERE id = :id"),
                {"name": "Legacy\r\nBcc: everyone@example.com", "id": org},
            )
        assert api.add_user(org, "gina@example.com").status_code == 201
        record = _wait_for_status(api, "gina@example.com", "failed")[0]
        assert "linefeed" in record["error"] or "newline" in record["error"], record
        assert record["sent_time"] is None
    assert inbox.messages == []


def test_an_email_asked_for_before_a_crash_is_written_after_it(api: Api, context, engine):
    """ "Send me a code" commits its request before answering; the process dies before the
    after-answer work runs (the returned starter is never called). The next worker round
    writes the e-mail for the registered address, nothing for the unknown one, once."""
    api.user_in(api.org()["id"], "lee@example.com")
    mail_requests.ask(context, mail_requests.LOGIN_CODE, "LEE@example.com")  # its starter dies with the process
    mail_requests.ask(context, mail_requests.LOGIN_CODE, "nobody@example.com")
    assert mail_requests.run_due(context) == 2  # the worker loop after the restart
    assert mail_requests.run_due(context) == 0
    kinds = [e["kind"] for e in api.get("/api/v1/emails", params={"to": "lee@example.com"}).json()["emails"]]
    assert kinds == ["invitation", "login_code"]
    assert api.get("/api/v1/emails", params={"to": "nobody@example.com"}).json()["total_size"] == 0
    with engine.connect() as connection:  # no request row left behind for either address
        assert connection.execute(text("SELECT count(*) FROM emails WHERE status = 'requested'")).scalar() == 0


def test_a_request_given_up_keeps_only_its_envelope(api: Api, context, clock, monkeypatch):
    """A magic-link request that keeps failing ends as a failed e-mail in the outbox; what it
    kept for the link (the browser binding, where to go next) is no e-mail's text: dropped."""

    def broken(*_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setitem(mail_requests._WRITERS, mail_requests.MAGIC_LINK, broken)
    mail_requests.ask(context, mail_requests.MAGIC_LINK, "ida@example.com", '{"browser": "b", "next": "/x"}')
    for _ in range(requests.MAX_TRIES):
        assert mail_requests.resolve_due(context) == 1
        clock.advance(hours=1)  # past the backoff
    assert mail_requests.resolve_due(context) == 0
    [email] = api.get("/api/v1/emails", params={"to": "ida@example.com"}).json()["emails"]
    assert email["status"] == "failed" and "a bug" in email["error"]
    assert email["text"] is None


def test_failed_requests_are_retried_spread_over_the_backoff_window(context, clock, monkeypatch):
    """Requests that failed together (a bug, an outage) are not retried all at once: each
    waits a random time up to the window's ceiling (2 minutes after the first failure), and
    none waits longer than that."""
    failed: set[str] = set()

    def fails_once(_ctx: object, _uow: object, email: str, _data: str) -> None:
        if email not in failed:
            failed.add(email)
            raise RuntimeError("a passing fault")

    monkeypatch.setitem(mail_requests._WRITERS, mail_requests.LOGIN_CODE, fails_once)
    for n in range(24):
        mail_requests.ask(context, mail_requests.LOGIN_CODE, f"spread{n}@example.com")
    assert mail_requests.resolve_due(context) == 24  # all fail at once
    clock.advance(seconds=60)  # half the window: some are due, not all (2 in 2**24 runs: all on one side)
    early = mail_requests.resolve_due(context)
    clock.advance(seconds=60)  # the whole window: the rest are due
    late = mail_requests.resolve_due(context)
    assert 0 < early < 24 and early + late == 24, (early, late)
