"""E-mails asked for but not yet written: outbox rows with status ``requested`` (email/jobs.py).

The row holds the kind, the address as typed and, for a magic link, the browser binding and
where to go next (``data``, nothing secret, kept in ``body_text`` until the request is resolved
or given up); it is written on the request
path for any address, so the answer costs the same whether the address is registered. The
transaction that turns it into a message (or finds no account) deletes it first, with a
conditional DELETE, so two processes never both resolve one request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from tenantry.server.db.models import EmailRecord
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain.events import full_jitter
from tenantry.server.domain.ids import new_id

REQUESTED = "requested"
MAX_TRIES = 5  # a request that keeps failing (a bug, not a busy database) ends as failed
# Retry n waits up to RETRY_BASE·2^n (2, 4, 8, 16 minutes), drawn at random below that.
RETRY_BASE, RETRY_CAP = timedelta(minutes=1), timedelta(minutes=30)


@dataclass(frozen=True)
class Requested:
    id: str
    kind: str
    address: str
    attempts: int
    data: str = ""


def add(session: Session, kind: str, address: str, now: datetime, data: str = "") -> None:
    session.add(
        EmailRecord(
            id=new_id("eml"),
            kind=kind,
            to_address=address[:320],
            subject="",
            body_text=data,
            status=REQUESTED,
            created_at=now,
            attempts=0,
            next_attempt_at=now,
        )
    )


def due(engine: Engine, now: datetime, limit: int) -> list[Requested]:
    with UnitOfWork(engine, readonly=True) as uow:
        rows = uow.session.execute(
            select(
                EmailRecord.id, EmailRecord.kind, EmailRecord.to_address, EmailRecord.attempts, EmailRecord.body_text
            )
            .where(EmailRecord.status == REQUESTED, EmailRecord.next_attempt_at <= now)
            .order_by(EmailRecord.next_attempt_at)
            .limit(limit)
        ).all()
    return [Requested(row.id, row.kind, row.to_address, row.attempts, row.body_text or "") for row in rows]


def take(session: Session, request_id: str) -> bool:
    """Delete the request in this transaction; False when another already took it."""
    gone = session.execute(delete(EmailRecord).where(EmailRecord.id == request_id, EmailRecord.status == REQUESTED))
    return bool(gone.rowcount)  # type: ignore[attr-defined]


def postpone(engine: Engine, request: Requested, now: datetime, error: str) -> None:
    """Resolving it raised: try again later, or give up after MAX_TRIES (recorded, not mailed;
    like an e-mail that ended, only the envelope is kept: ``data`` is no e-mail's text)."""
    tries = request.attempts + 1
    values: dict[str, object] = {"attempts": tries, "error": error[:2000]}
    if tries >= MAX_TRIES:
        values.update(status="failed", next_attempt_at=None, body_text=None)
    else:
        values["next_attempt_at"] = now + full_jitter(tries, RETRY_BASE, RETRY_CAP)
    with UnitOfWork(engine) as uow:
        uow.session.execute(
            update(EmailRecord).where(EmailRecord.id == request.id, EmailRecord.status == REQUESTED).values(**values)
        )
        uow.commit()
