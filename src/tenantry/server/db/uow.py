"""The unit of work: one transaction per use case; only ``commit()`` makes it count.

Leaving the ``with`` block without committing rolls back. Side effects that must not
happen for a rolled-back change (sending e-mail) are registered with ``after_commit``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from tenantry.server.db.engine import SQLITE_BEGIN_OPTION, SQLITE_NO_BEGIN
from tenantry.server.domain.errors import (
    AlreadyExists,
    FieldError,
    InvalidArgument,
    TenantryError,
    TransientConflict,
)
from tenantry.server.observability.metrics import count_refusal

log = logging.getLogger(__name__)

# Unique constraints a concurrent request can still trip after the service checked:
# (PostgreSQL constraint name, SQLite column list, the field the error is about).
_UNIQUE_CONSTRAINTS = (
    ("uq_users_email_key", "users.email_key", "email"),
    ("uq_users_external_id", "users.external_id", "external_id"),
    ("uq_organizations_external_id", "organizations.external_id", "external_id"),
    ("uq_memberships_organization_id_user_id", "memberships.organization_id, memberships.user_id", "membership"),
    ("pk_api_clients", "api_clients.id", "client_id"),
    (
        "uq_directory_users_directory_id_user_name_key",
        "directory_users.directory_id, directory_users.user_name_key",
        "userName",
    ),
    (
        "uq_directory_users_directory_id_external_id",
        "directory_users.directory_id, directory_users.external_id",
        "externalId",
    ),
    ("uq_directory_users_directory_id_user_id", "directory_users.directory_id, directory_users.user_id", "user"),
    (
        "uq_directory_groups_directory_id_display_name_key",
        "directory_groups.directory_id, directory_groups.display_name_key",
        "displayName",
    ),
)


class UnitOfWork:
    def __init__(self, engine: Engine, *, readonly: bool = False) -> None:
        self._engine = engine
        self._readonly = readonly
        self._after_commit: list[Callable[[], None]] = []
        self.session: Session

    def __enter__(self) -> Self:
        self.session = Session(self._engine, expire_on_commit=False, autoflush=True)
        options: dict[str, str] = {SQLITE_BEGIN_OPTION: "DEFERRED" if self._readonly else "IMMEDIATE"}
        if self._readonly and self._engine.dialect.name == "postgresql":
            # At READ COMMITTED each statement takes its own snapshot, inside a transaction or
            # not, so a read-only use case loses nothing without one and saves two round trips
            # (BEGIN, ROLLBACK) per request. Read-only use cases never write.
            options["isolation_level"] = "AUTOCOMMIT"
        self.session.connection(execution_options=options)
        return self

    def after_commit(self, action: Callable[[], None]) -> None:
        self._after_commit.append(action)

    def commit(self) -> None:
        self.session.commit()
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            try:
                action()
            except Exception:  # the change is committed; a failed side effect must not undo the answer
                log.exception("after-commit action failed")

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() rolls back whatever was not committed and detaches the loaded objects
        # without expiring them, so what a read-only use case loaded stays readable.
        self.session.close()
        _refuse(exc)


class ReadConnection:
    """A read-only use case of one statement (a row by key) on a plain connection: what
    ``UnitOfWork(readonly=True)`` gives, without an ORM ``Session`` around the connection (a
    third of a one-query API read's Python time, issue 18). No transaction is opened: one
    statement sees one consistent state on its own (SQLite: its implicit read transaction;
    PostgreSQL: autocommit, as read-only units of work already run). Errors are mapped as the
    unit of work maps them.

        with ReadConnection(engine) as connection:
            row = connection.execute(statement, parameters).first()
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.connection: Connection

    def __enter__(self) -> Connection:
        options: dict[str, str] = (
            {"isolation_level": "AUTOCOMMIT"}
            if self._engine.dialect.name == "postgresql"
            else {SQLITE_BEGIN_OPTION: SQLITE_NO_BEGIN}
        )
        self.connection = self._engine.connect().execution_options(**options)
        return self.connection

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.connection.close()
        _refuse(exc)


def _refuse(exc: BaseException | None) -> None:
    """What leaving a unit of work with ``exc`` answers: a database error a rule explains as
    that rule's refusal, a transaction the database aborted as ``TransientConflict``."""
    refusal: BaseException | None = exc
    if isinstance(exc, IntegrityError):
        refusal = _conflict(exc)
        if refusal is None and _foreign_key(exc):
            # A row this transaction referred to was deleted by another one that committed
            # meanwhile (a webhook endpoint, a role): nothing was written, and running it
            # again reads the world as it now is (review of issue 18; was a 500).
            raise TransientConflict() from exc
    elif isinstance(exc, DataError):  # e.g. a NUL character PostgreSQL cannot store, in a path or query
        refusal = InvalidArgument("The request contains a value the database cannot store.")
    elif isinstance(exc, DBAPIError) and _aborted(exc):
        raise TransientConflict() from exc  # run again by the route: not a refusal
    if isinstance(refusal, TenantryError):  # a use case refused by a rule, whoever called it (README "Operations")
        count_refusal(refusal)
        if refusal is not exc:
            raise refusal from exc


# PostgreSQL's serialization_failure and deadlock_detected: the transaction was rolled back
# whole and may simply be run again.
_ABORTED_STATES = frozenset({"40001", "40P01"})


def _aborted(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in _ABORTED_STATES


def _foreign_key(exc: IntegrityError) -> bool:
    """PostgreSQL's foreign_key_violation, or SQLite's (which names no constraint)."""
    return getattr(exc.orig, "sqlstate", None) == "23503" or str(exc.orig) == "FOREIGN KEY constraint failed"


def _conflict(exc: IntegrityError) -> AlreadyExists | None:
    text = str(exc.orig)
    for constraint, sqlite_columns, field in _UNIQUE_CONSTRAINTS:
        if f'"{constraint}"' in text or text.endswith(f"failed: {sqlite_columns}"):
            return AlreadyExists(
                f"A record with this {field} already exists.",
                [FieldError(field, "already_exists", f"this {field} is already in use")],
            )
    return None
