"""Which database errors mean "the database cannot be used right now" (every front end
answers those with the same stable code: API.md ``database_unavailable``, ``storage_full``)."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from tenantry.server.domain.errors import DatabaseUnavailable, StorageFull, TenantryError


def database_failure(exc: DBAPIError) -> TenantryError | None:
    """The stable error for a database that cannot be used right now, or None when ``exc`` is
    a bug. Full disk: SQLite's SQLITE_FULL or PostgreSQL's class 53 (insufficient resources).
    Unreachable: connections refused, dropped or terminated (a restart, a failover)."""
    orig = exc.orig
    if getattr(orig, "sqlite_errorname", "") == "SQLITE_FULL" or str(getattr(orig, "sqlstate", "")).startswith("53"):
        return StorageFull()
    if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
        return DatabaseUnavailable()
    return None
