"""Importing users row by row through the API: idempotent by external_id, then e-mail.

Each row is decided on its own against the users that exist (read once, a page at a
time): a missing user is created in the row's organization, an existing one is updated
with the fields that differ (and added to the organization if they are not a member), an
identical one is left alone. A row is one API call, so one transaction: a refused row
writes nothing. The one exception, an existing user who needs new external_id/metadata
*and* a new membership, takes two calls; when the second is refused the first is undone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from tenantry.cli.user_files import PROFILE_FIELDS, Problem, Row, cell
from tenantry.sdk import Client
from tenantry.sdk.errors import TenantryError
from tenantry.sdk.models import User
from tenantry.sdk.resources import UNSET


class Outcome(Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REFUSED = "refused"


@dataclass
class Refusal:
    row: int
    problems: list[Problem]


@dataclass
class Summary:
    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    refusals: list[Refusal] = field(default_factory=list)


@dataclass(frozen=True)
class Options:
    organization_id: str | None = None
    roles: tuple[str, ...] = ()  # none: the environment's default member role
    invite: bool = False
    dry_run: bool = False


class Directory:
    """The environment's users by external_id and e-mail, kept current as rows write."""

    def __init__(self, users: Iterable[User]) -> None:
        self._lock = threading.Lock()
        self._by_external: dict[str, User] = {}
        self._by_email: dict[str, User] = {}
        for user in users:
            self.remember(user)

    def find(self, row: Row) -> User | None:
        with self._lock:
            if row.external_id and row.external_id in self._by_external:
                return self._by_external[row.external_id]
            return self._by_email.get(row.email.lower())

    def remember(self, user: User) -> None:
        with self._lock:
            self._by_email[user.email.lower()] = user
            if user.external_id:
                self._by_external[user.external_id] = user


def duplicates(rows: list[Row]) -> None:
    """Mark rows naming a user an earlier row named (they would race each other)."""
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.problems:
            continue
        for name, key in (("email", row.email.lower()), ("external_id", row.external_id or "")):
            first = seen.setdefault((name, key), row.number) if key else row.number
            if first != row.number:
                row.problems.append(Problem(name, "duplicate_row", f"the same {name} as row {first}"))


def import_rows(
    sdk: Client,
    rows: list[Row],
    options: Options,
    *,
    workers: int = 4,
    progress: Callable[[Outcome], None] = lambda _: None,
) -> Summary:
    """Import every row; returns the counts and each refused row's problems."""
    directory = Directory(sdk.users.list())
    duplicates(rows)
    summary = Summary()
    lock = threading.Lock()

    def one(row: Row) -> None:
        outcome, problems = _import_row(sdk, directory, row, options)
        with lock:
            summary.counts[outcome] += 1
            if problems:
                summary.refusals.append(Refusal(row.number, problems))
        progress(outcome)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(one, rows))
    summary.refusals.sort(key=lambda refusal: refusal.row)
    return summary


def _import_row(sdk: Client, directory: Directory, row: Row, options: Options) -> tuple[Outcome, list[Problem]]:
    if row.problems:
        return Outcome.REFUSED, row.problems
    try:
        existing = directory.find(row)
        if existing is None:
            return _create(sdk, directory, row, options)
        return _update(sdk, directory, existing, row, options)
    except TenantryError as error:
        details = [Problem(d.field, d.code, d.message) for d in error.details]
        return Outcome.REFUSED, details or [Problem("", error.error_code, error.message)]


def _profile_body(row: Row, changed_attributes: dict[str, Any] | None = None) -> dict[str, Any]:
    body = dict(row.profile)
    attributes = row.attributes if changed_attributes is None else changed_attributes
    if attributes:
        body["custom_attributes"] = attributes
    return body


def _create(sdk: Client, directory: Directory, row: Row, options: Options) -> tuple[Outcome, list[Problem]]:
    organization = row.organization_id or options.organization_id
    if not organization:
        return Outcome.REFUSED, [Problem("organization_id", "required", "a new user needs an organization")]
    if options.dry_run:
        return Outcome.CREATED, []
    user = sdk.users.create_in_organization(
        organization,
        row.email,
        send_invitation_email=options.invite,
        roles=row.roles or options.roles,
        external_id=row.external_id,
        metadata=row.metadata,
        user_profile=_profile_body(row),
    )
    directory.remember(user)
    return Outcome.CREATED, []


@dataclass
class Changes:
    account: dict[str, Any]  # external_id, metadata
    profile: dict[str, Any]
    attributes: dict[str, Any]
    organization: str | None  # to join


def changes_for(user: User, row: Row, options: Options) -> Changes:
    """What the row would change about the user (only what it gives and what differs)."""
    account: dict[str, Any] = {}
    if row.external_id and row.external_id != user.external_id:
        account["external_id"] = row.external_id
    if row.metadata is not None and row.metadata != user.metadata:
        account["metadata"] = row.metadata
    stored = user.user_profile
    profile = {k: v for k, v in row.profile.items() if cell(getattr(stored, k)) != cell(v)}
    attributes = {k: v for k, v in row.attributes.items() if cell(stored.custom_attributes.get(k)) != cell(v)}
    organization = row.organization_id or options.organization_id
    joining = organization if organization and user.membership(organization) is None else None
    return Changes(account, profile, attributes, joining)


def _update(sdk: Client, directory: Directory, user: User, row: Row, options: Options) -> tuple[Outcome, list[Problem]]:
    if row.email.lower() != user.email.lower():
        message = f"external_id {row.external_id!r} belongs to {user.email}; e-mail addresses cannot be changed"
        return Outcome.REFUSED, [Problem("email", "email_mismatch", message)]
    changes = changes_for(user, row, options)
    if not (changes.account or changes.profile or changes.attributes or changes.organization):
        return Outcome.UNCHANGED, []
    if options.dry_run:
        return Outcome.UPDATED, []
    profile = {**changes.profile, **({"custom_attributes": changes.attributes} if changes.attributes else {})}
    updated = user
    if changes.account or (profile and not changes.organization):
        updated = sdk.users.update(user.id, **changes.account, user_profile=profile or UNSET)
    if changes.organization:
        updated = _join(sdk, user, updated, changes, row, options, profile if not changes.account else None)
    directory.remember(updated)
    return (Outcome.UPDATED if _state(updated) != _state(user) else Outcome.UNCHANGED), []


def _join(
    sdk: Client,
    before: User,
    patched: User,
    changes: Changes,
    row: Row,
    options: Options,
    profile: dict[str, Any] | None,
) -> User:
    """Add the user to the organization: with the profile changes in the same call when
    there are only those; else after a PATCH, which is undone if joining is refused."""
    assert changes.organization is not None
    roles = row.roles or options.roles
    try:
        if profile is not None:
            return sdk.users.create_in_organization(
                changes.organization, before.email, send_invitation_email=options.invite, roles=roles,
                user_profile=profile,
            )  # fmt: skip
        return sdk.memberships.create(
            changes.organization, before.id, roles=roles, send_invitation_email=options.invite
        )
    except TenantryError:
        if patched is not before:
            sdk.users.update(before.id, **_undo(before, changes))
        raise


def _undo(before: User, changes: Changes) -> dict[str, Any]:
    """The PATCH that puts back what ``changes`` overwrote."""
    undo: dict[str, Any] = {name: getattr(before, name) for name in changes.account}
    profile: dict[str, Any] = {name: getattr(before.user_profile, name) for name in changes.profile}
    if changes.attributes:
        profile["custom_attributes"] = {k: before.user_profile.custom_attributes.get(k) for k in changes.attributes}
    if profile:
        undo["user_profile"] = profile
    return undo


def _state(user: User) -> tuple[Any, ...]:
    """What an import can change, for telling whether a write changed anything."""
    profile = user.user_profile
    return (
        user.external_id,
        cell(user.metadata),
        tuple(cell(getattr(profile, name)) for name in PROFILE_FIELDS),
        cell(profile.custom_attributes),
        tuple(sorted(m.organization_id for m in user.memberships)),
    )
