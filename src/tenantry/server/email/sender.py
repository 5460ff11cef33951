"""How e-mail leaves Tenantry: through SMTP when configured, else into the local outbox.

There is one outbox, the ``emails`` table, and every e-mail is written there in the use
case's own transaction (a rolled-back invitation never mails a link). Without SMTP the
row is the mailbox (status ``outbox``). With SMTP the row is also the queue: the message
waits there sealed (AES-GCM under a key kept outside the database, since links carry
single-use tokens) with status ``queued``; once the transaction commits this process is
asked to send it (email/jobs.py), and the worker loop (``tenantry serve`` or ``tenantry
worker``) sends whatever is due, so mail written just before a crash goes out after the
restart. A sender leases a row before sending and records the outcome after; a failure
that may pass (the server is down, a 4xx answer) is tried again later with a doubling,
jittered delay, a permanent one (a 5xx answer, a message the library refuses) ends the
row as ``failed``. Once it ends, only the envelope is kept. A process that dies after
sending but before recording sends that message again once its lease runs out (at least
once, never twice on the normal path).
"""

from __future__ import annotations

import hashlib
import json
import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

from sqlalchemy import Engine, or_, select, update

from tenantry.server.db.inserts import insert_row
from tenantry.server.db.models import EmailRecord
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain.clock import Clock
from tenantry.server.domain.events import retry_delay
from tenantry.server.domain.ids import new_id
from tenantry.server.email.jobs import jobs
from tenantry.server.email.message import Message
from tenantry.server.observability import metrics
from tenantry.server.sealing import Legacy, Sealer, Unreadable
from tenantry.server.settings import Settings

log = logging.getLogger(__name__)


class Mailer(Protocol):
    def enqueue(self, uow: UnitOfWork, message: Message) -> None:
        """Record ``message`` in ``uow``'s transaction; deliver it once that commits."""
        ...

    def deliver_due(self, limit: int = 20) -> int:
        """Send what is due (written and not yet sent, or due for another try); returns how many were tried."""
        ...


class OutboxMailer:
    """No SMTP: the outbox is the mailbox, so the whole message is kept for reading."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def enqueue(self, uow: UnitOfWork, message: Message) -> None:
        insert_row(
            uow.session,
            EmailRecord,
            id=new_id("eml"),
            kind=message.kind,
            to_address=message.to,
            subject=message.subject,
            body_text=message.text,
            body_html=message.html,
            status="outbox",
            created_at=self._clock.now(),
        )
        uow.after_commit(lambda: metrics.emails.labels("outbox").inc())

    def deliver_due(self, limit: int = 20) -> int:
        return 0  # nothing leaves


@dataclass(frozen=True)
class _Claimed:
    id: str
    attempt: int
    lease_until: datetime
    sealed: str | None


class SmtpMailer:
    """SMTP, from the outbox table (see the module's docstring)."""

    def __init__(self, settings: Settings, engine: Engine, clock: Clock, key: Callable[[], bytes]) -> None:
        self._settings = settings
        self._engine = engine
        self._clock = clock
        self._key = key

    def enqueue(self, uow: UnitOfWork, message: Message) -> None:
        record_id = new_id("eml")
        now = self._clock.now()
        insert_row(
            uow.session,
            EmailRecord,
            id=record_id,
            kind=message.kind,
            to_address=message.to,
            subject=message.subject,
            status="queued",
            created_at=now,
            attempts=0,
            next_attempt_at=now,
            sealed=_seal(self._key(), record_id, message),
        )
        uow.after_commit(lambda: jobs.prepare(self.deliver_due)())

    def deliver_due(self, limit: int = 20) -> int:
        claimed = self._claim(limit)
        for row in claimed:
            self._deliver(row)
        return len(claimed)

    def _claim(self, limit: int) -> list[_Claimed]:
        """Lease due rows (skipping those another sender is claiming) and count the attempt."""
        now = self._clock.now()
        lease_until = now + timedelta(seconds=max(60.0, 3 * self._settings.smtp_timeout_seconds))
        won = []
        with UnitOfWork(self._engine) as uow:
            rows = uow.session.execute(
                select(EmailRecord.id, EmailRecord.attempts, EmailRecord.sealed)
                .where(
                    EmailRecord.status == "queued",
                    EmailRecord.next_attempt_at <= now,
                    or_(EmailRecord.lease_until.is_(None), EmailRecord.lease_until <= now),
                )
                .order_by(EmailRecord.next_attempt_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                taken = uow.session.execute(
                    update(EmailRecord)
                    .where(
                        EmailRecord.id == row.id,
                        EmailRecord.status == "queued",
                        or_(EmailRecord.lease_until.is_(None), EmailRecord.lease_until <= now),
                    )
                    .values(lease_until=lease_until, attempts=EmailRecord.attempts + 1)
                    .execution_options(synchronize_session=False)
                ).rowcount  # type: ignore[attr-defined]
                if taken == 1:
                    won.append(_Claimed(row.id, row.attempts + 1, lease_until, row.sealed))
            uow.commit()
        return won

    def _deliver(self, row: _Claimed) -> None:
        """Send, then record the outcome. Every failure is recorded and logged, whatever
        raised it (a header the e-mail library refuses, a server that hangs up, a bug): an
        e-mail left "queued" with nothing said would hide an invitation that never left."""
        status, error, retry = "sent", None, False
        try:
            message = _unseal(self._key(), row.id, row.sealed)
            send_smtp(self._settings, message)
        except smtplib.SMTPResponseException as exc:  # the server answered: 4xx may pass, 5xx will not
            status, error, retry = "failed", f"{type(exc).__name__}: {exc}", exc.smtp_code < 500
        except smtplib.SMTPRecipientsRefused as exc:
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        except (OSError, smtplib.SMTPException) as exc:  # unreachable, hung up, timed out: try again
            status, error, retry = "failed", f"{type(exc).__name__}: {exc}", True
        except Exception as exc:  # the message itself could not be built or sent
            status, error = "failed", f"{type(exc).__name__}: {exc}"
            log.exception("e-mail %s could not be sent", row.id)
        if retry and row.attempt < self._settings.smtp_max_attempts:
            status = "queued"
        if status != "sent":
            log.warning("e-mail %s attempt %d failed (%s): %s", row.id, row.attempt, status, error)
        metrics.emails.labels(status if status != "queued" else "retry").inc()
        self._record(row, status, error)

    def _record(self, row: _Claimed, status: str, error: str | None) -> None:
        now = self._clock.now()
        values: dict[str, object] = {"status": status, "error": error[:2000] if error else None, "lease_until": None}
        if status == "queued":
            base = timedelta(seconds=self._settings.smtp_retry_base_seconds)
            values["next_attempt_at"] = now + retry_delay(row.attempt, base)
        else:  # ended: keep the envelope only
            values.update(sealed=None, next_attempt_at=None, sent_at=now if status == "sent" else None)
        try:
            with UnitOfWork(self._engine) as uow:
                uow.session.execute(
                    update(EmailRecord)
                    .where(EmailRecord.id == row.id, EmailRecord.lease_until == row.lease_until)
                    .values(**values)
                )
                uow.commit()
        except Exception:  # the caller would swallow it: say so in the log at least
            log.exception("e-mail %s: could not record its outcome (%s)", row.id, status)


def _sealer(key: bytes) -> Sealer:
    # rows queued before the sealing module still open
    return Sealer(key, "outbox", Legacy(hashlib.sha256(b"tenantry outbox\0" + key).digest()))


def _seal(key: bytes, record_id: str, message: Message) -> str:
    plain = json.dumps([message.kind, message.to, message.subject, message.text, message.html]).encode()
    return _sealer(key).seal(plain, record_id)


def _unseal(key: bytes, record_id: str, sealed: str | None) -> Message:
    if sealed is None:
        raise ValueError("the message was not kept")
    try:
        plain = _sealer(key).open(sealed, record_id)
    except Unreadable as exc:  # another key (TENANTRY_CODE_KEY changed) or an altered row
        raise ValueError("the queued message cannot be read with the current code key") from exc
    kind, to, subject, text, html = json.loads(plain)
    return Message(kind, to, subject, text, html)


def send_smtp(settings: Settings, message: Message) -> None:
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Message-ID"] = make_msgid(domain="tenantry")
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    host, port, timeout = settings.smtp_host or "localhost", settings.smtp_port, settings.smtp_timeout_seconds
    smtp: smtplib.SMTP
    if settings.smtp_tls == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if settings.smtp_tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        smtp.send_message(mail)


def mailer_for(settings: Settings, engine: Engine, clock: Clock, key: Callable[[], bytes]) -> Mailer:
    """``key``: the secret the queued messages are sealed with (read only when SMTP is on)."""
    return SmtpMailer(settings, engine, clock, key) if settings.smtp_enabled else OutboxMailer(clock)
