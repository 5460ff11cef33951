"""The provisioning log (SPEC §12, §14): every SCIM write a directory makes, with how it
ended, newest first. Written after the call in a transaction of its own, so a call that
was refused (full organization, bad payload) and rolled back is logged too; reads are not.
Rows older than ``RETENTION`` go when the worker calls ``prune``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from tenantry.server.context import Context
from tenantry.server.db.models import Directory, DirectoryOperation, Organization
from tenantry.server.db.paging import fetch_page
from tenantry.server.domain.errors import NotFound
from tenantry.server.domain.ids import new_sequential_id
from tenantry.server.domain.pagination import Page, PageRequest
from tenantry.server.services.read_models.provisioning_log import SUCCESSES, ProvisioningOperation, operation

RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Entry:
    """What the SCIM layer knows of one finished write."""

    organization_id: str
    directory_id: str
    method: str
    resource_type: str
    resource_id: str | None
    subject: str | None
    status: int
    outcome: str
    message: str | None


def record(ctx: Context, entry: Entry) -> None:
    """Add ``entry`` to the log (its own short transaction). A directory deleted meanwhile
    leaves nothing to log."""
    with ctx.uow() as uow:
        if uow.session.get(Directory, entry.directory_id) is None:
            return
        uow.session.add(
            DirectoryOperation(
                id=new_sequential_id("dop"),
                organization_id=entry.organization_id,
                directory_id=entry.directory_id,
                method=entry.method,
                resource_type=entry.resource_type,
                resource_id=(entry.resource_id or None) and entry.resource_id[:64],
                subject=(entry.subject or None) and entry.subject[:255],
                status=entry.status,
                outcome=entry.outcome[:64],
                message=(entry.message or None) and entry.message[:500],
                created_at=ctx.clock.now(),
            )
        )
        uow.commit()


@dataclass(frozen=True)
class LogFilter:
    """What narrows the log; each given filter narrows further. ``outcomes`` and ``methods``
    match any of their values; ``since`` is inclusive, ``until`` exclusive; ``subject``
    finds the entries whose userName or group name contains it."""

    outcomes: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    resource_types: tuple[str, ...] = ()
    succeeded: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    subject: str = ""  # part of the userName or group name, any case

    def where(self) -> list[Any]:
        column = DirectoryOperation
        clauses: list[Any] = []
        if self.outcomes:
            clauses.append(column.outcome.in_(self.outcomes))
        if self.methods:
            clauses.append(column.method.in_(self.methods))
        if self.resource_types:
            clauses.append(column.resource_type.in_(self.resource_types))
        if self.succeeded is not None:
            succeeded = column.outcome.in_(SUCCESSES)
            clauses.append(succeeded if self.succeeded else ~succeeded)
        if self.since is not None:
            clauses.append(column.created_at >= self.since)
        if self.until is not None:
            clauses.append(column.created_at < self.until)
        if self.subject.strip():
            clauses.append(func.lower(column.subject).contains(self.subject.strip().lower(), autoescape=True))
        return clauses


def page(
    ctx: Context,
    organization_id: str,
    request: PageRequest,
    directory_id: str | None = None,
    narrowed: LogFilter = LogFilter(),
) -> Page[ProvisioningOperation]:
    """The organization's log, newest first, of one directory when ``directory_id`` is given,
    narrowed by ``narrowed``. Raises NotFound (organization, or a directory not of this
    organization)."""
    with ctx.uow(readonly=True) as uow:
        session = uow.session
        if session.get(Organization, organization_id) is None:
            raise NotFound(f"No organization with id {organization_id!r}.")
        rows = session.execute(select(Directory.id, Directory.name).where(Directory.organization_id == organization_id))
        names = {ident: name for ident, name in rows.all()}
        where = [DirectoryOperation.organization_id == organization_id, *narrowed.where()]
        if directory_id:
            if directory_id not in names:
                raise NotFound(f"No directory with id {directory_id!r} in this organization.")
            where.append(DirectoryOperation.directory_id == directory_id)
        count = select(func.count()).select_from(DirectoryOperation).where(*where)
        found = fetch_page(
            session, select(DirectoryOperation).where(*where), DirectoryOperation.id, request, count, descending=True
        )
        return Page(
            [operation(row, names.get(row.directory_id, "")) for row in found.items],
            found.next_page_token,
            found.prev_page_token,
            found.total_size,
        )


def prune(ctx: Context) -> int:
    """Delete entries older than RETENTION; returns how many went."""
    with ctx.uow() as uow:
        cutoff = ctx.clock.now() - RETENTION
        gone = uow.session.execute(delete(DirectoryOperation).where(DirectoryOperation.created_at < cutoff))
        uow.commit()
        return int(getattr(gone, "rowcount", 0) or 0)
