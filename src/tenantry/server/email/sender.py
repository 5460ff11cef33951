"""How e-mail leaves Tenantry: through SMTP when configured, else into the local outbox.

Either way a record is written in the use case's own transaction, and delivery happens
only after it commits, so a rolled-back invitation never mails a link.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

from sqlalchemy import Engine, update

from tenantry.server.db.models import EmailRecord
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain.ids import new_id
from tenantry.server.email.message import Message
from tenantry.server.observability import metrics
from tenantry.server.settings import Settings

log = logging.getLogger(__name__)


class Mailer(Protocol):
    def enqueue(self, uow: UnitOfWork, message: Message) -> None:
        """Record ``message`` in ``uow``'s transaction; deliver it once that commits."""
        ...


class OutboxMailer:
    """No SMTP: the outbox is the mailbox, so the whole message is kept for reading."""

    def enqueue(self, uow: UnitOfWork, message: Message) -> None:
        uow.session.add(
            EmailRecord(
                id=new_id("eml"),
                kind=message.kind,
                to_address=message.to,
                subject=message.subject,
                body_text=message.text,
                body_html=message.html,
                status="outbox",
                created_at=datetime.now(UTC),
            )
        )
        uow.after_commit(lambda: metrics.emails.labels("outbox").inc())


class SmtpMailer:
    """SMTP: keeps only the envelope (bodies carry single-use tokens) and sends from a
    small thread pool so a slow mail server does not hold up API answers."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._settings = settings
        self._engine = engine
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="smtp")

    def enqueue(self, uow: UnitOfWork, message: Message) -> None:
        record_id = new_id("eml")
        uow.session.add(
            EmailRecord(
                id=record_id,
                kind=message.kind,
                to_address=message.to,
                subject=message.subject,
                status="queued",
                created_at=datetime.now(UTC),
            )
        )

        def deliver_later() -> None:
            self._pool.submit(self._deliver, record_id, message)

        uow.after_commit(deliver_later)

    def _deliver(self, record_id: str, message: Message) -> None:
        """Send, then record the outcome. Every failure is recorded and logged, whatever
        raised it (a header the e-mail library refuses, a server that hangs up, a bug): an
        e-mail left "queued" with nothing said would hide an invitation that never left."""
        status, error = "sent", None
        try:
            send_smtp(self._settings, message)
        except (OSError, smtplib.SMTPException) as exc:
            status, error = "failed", f"{type(exc).__name__}: {exc}"
            log.warning("e-mail %s to %s failed: %s", record_id, message.to, error)
        except Exception as exc:  # the message itself could not be built or sent
            status, error = "failed", f"{type(exc).__name__}: {exc}"
            log.exception("e-mail %s to %s could not be sent", record_id, message.to)
        metrics.emails.labels(status).inc()
        self._record(record_id, status, error)

    def _record(self, record_id: str, status: str, error: str | None) -> None:
        try:
            with UnitOfWork(self._engine) as uow:
                uow.session.execute(
                    update(EmailRecord)
                    .where(EmailRecord.id == record_id)
                    .values(status=status, error=error[:2000] if error else None, sent_at=_sent_at(status))
                )
                uow.commit()
        except Exception:  # the pool would swallow it: say so in the log at least
            log.exception("e-mail %s: could not record its outcome (%s)", record_id, status)


def _sent_at(status: str) -> datetime | None:
    return datetime.now(UTC) if status == "sent" else None


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


def mailer_for(settings: Settings, engine: Engine) -> Mailer:
    return SmtpMailer(settings, engine) if settings.smtp_enabled else OutboxMailer()
