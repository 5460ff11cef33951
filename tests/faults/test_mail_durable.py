"""E-mail survives a crash: written in the transaction that caused it, sent after the restart.

A server process with an SMTP server that is down commits an invitation and a sign-in code
request (both only in the outbox: the first attempt failed), then is SIGKILLed. A new
process on the same database sends both, once, as soon as the mail server is back.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller

from tests.api.test_email_delivery import Inbox
from tests.helpers import Api, free_port
from tests.live import clocked_serve
from tests.live.conftest import server_env
from tests.serving import ServeProcess

pytestmark = pytest.mark.live
CLOCKED = (sys.executable, "-m", "tests.live.clocked_serve", "serve")


def _wait_for_emails(api: Api, to: str, count: int, condition) -> list[dict]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 30
    while True:
        emails = api.get("/api/v1/emails", params={"to": to}).json()["emails"]
        if (len(emails) == count and all(map(condition, emails))) or time.monotonic() > deadline:
            assert len(emails) == count and all(map(condition, emails)), emails
            return emails
        time.sleep(0.1)


def test_mail_committed_before_a_sigkill_goes_out_after_the_restart(database_url, engine):
    smtp_port = free_port()  # the mail server is down at first
    with tempfile.TemporaryDirectory(prefix="tenantry-clock-") as directory:
        clock_file = Path(directory) / "offset"
        clock_file.write_text("0")
        env = server_env(
            database_url,
            TENANTRY_SMTP_HOST="127.0.0.1",
            TENANTRY_SMTP_PORT=str(smtp_port),
            TENANTRY_CODE_KEY="k" * 43,  # the key the queued messages are sealed with
            **{clocked_serve.CLOCK_FILE: str(clock_file)},
        )
        first = ServeProcess(env, free_port(), command=CLOCKED).start()
        try:
            with httpx.Client(base_url=first.url, timeout=30) as client:
                api = Api.login(client)
                org = api.org("Durable")["id"]
                assert api.add_user(org, "kim@example.com").status_code == 201
                page = client.get("/login/code")
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
                sent = client.post("/login/code", data={"csrf_token": csrf, "email": "kim@example.com"})
                assert sent.status_code == 200, sent.text
                # both written, both tried once, neither sent
                _wait_for_emails(api, "kim@example.com", 2, lambda e: e["status"] == "queued" and e["error"])
        finally:
            first.kill()

        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
        controller.start()  # the mail server is back
        clocked_serve.advance(clock_file, 3600)  # past the retry delay
        second = ServeProcess(env, free_port(), command=CLOCKED).start()
        try:
            messages = inbox.wait_for(2, timeout=60)
            with httpx.Client(base_url=second.url, timeout=30) as client:
                api = Api.login(client)
                emails = _wait_for_emails(api, "kim@example.com", 2, lambda e: e["status"] == "sent")
            assert sorted(e["kind"] for e in emails) == ["invitation", "login_code"]
            assert all(e["text"] is None for e in emails)  # once sent, only the envelope is kept
            bodies = [m.get_body(preferencelist=("plain",)).get_content() for m in messages]
            assert any("Durable" in m["Subject"] for m in messages)
            assert any(re.search(r"\b\d{6}\b", body) for body in bodies)
            assert len(inbox.messages) == 2  # each once
        finally:
            second.stop()
            controller.stop()
