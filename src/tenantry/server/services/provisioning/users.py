"""SCIM Users of a directory (RFC 7644 §3): create, read, list, replace, patch, delete —
each one transaction, provisioning the Tenantry user and its membership through the ledger.

Lock order (the ledger's): the Tenantry user, then the organization, then the membership;
the directory and the directory user are read again once they are held, and every decision
is made on what that reading found.
A call refused because the organization is full leaves nothing behind and records a
``directory.user_refused`` event (audit log and webhook) in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scim2_models import PatchOp, ScimFilter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import Directory, DirectoryUser, Membership, Organization, User
from tenantry.server.domain.attributes import Requirement
from tenantry.server.domain.domains import email_domain
from tenantry.server.domain.errors import (
    AlreadyExists,
    FieldError,
    NotFound,
    TransientConflict,
)
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.types import email_key
from tenantry.server.services.commands import UserProfileInput
from tenantry.server.services.directory import domains
from tenantry.server.services.identity.users import new_user
from tenantry.server.services.integration import events
from tenantry.server.services.membership import ledger
from tenantry.server.services.provisioning import filters, related, resources, roles, seats
from tenantry.server.services.provisioning.protocol import POLICY, UserModel


@dataclass(frozen=True)
class Listed:
    total: int
    start_index: int
    resources: list[UserModel]


def directory(session: Session, directory_id: str) -> Directory:
    found = session.get(Directory, directory_id)
    if found is None:
        raise NotFound(f"No directory with id {directory_id!r}.")
    return found


def lock_organization(session: Session, found: Directory) -> Organization:
    """The directory's organization, locked; then the directory read again, so that a group
    → role mapping committed while we waited for the lock is the one applied (NotFound
    when the directory was deleted meanwhile)."""
    org = ledger.lock_organization(session, found.organization_id)
    if session.get(Directory, found.id, populate_existing=True) is None:
        raise NotFound(f"No directory with id {found.id!r}.")
    return org


def _row(session: Session, directory_id: str, user_id: str, *, again: bool = False) -> DirectoryUser:
    """The directory user; ``again`` reads it from the database even when the session
    already holds it."""
    row = session.get(DirectoryUser, user_id, populate_existing=again)
    if row is None or row.directory_id != directory_id:
        raise NotFound(f"No User with id {user_id!r} in this directory.")
    return row


def _locked(session: Session, found: Directory, user_id: str) -> tuple[DirectoryUser, User, Organization]:
    """The directory user, its Tenantry user and the organization, the last two locked in
    the ledger's order; the directory user (and the directory) read again once the locks
    are held (SCIM writes of the row hold its user's lock), so a replace, patch or
    delete committed while we waited is built on, never overwritten or written to."""
    try:
        user = ledger.lock_user(session, _row(session, found.id, user_id).user_id)
    except NotFound:  # the directory deleted the user it created meanwhile
        raise NotFound(f"No User with id {user_id!r} in this directory.") from None
    org = lock_organization(session, found)
    return _row(session, found.id, user_id, again=True), user, org


def _who(resource: UserModel) -> dict[str, Any]:
    emails = [e.value for e in resource.emails or [] if e.value]
    return {"user": {"user_name": resource.user_name, "external_id": resource.external_id, "emails": emails}}


def _view(ctx: Context, session: Session, row: DirectoryUser) -> UserModel:
    session.flush()
    base = related.base_url(ctx.settings.public_url, row.directory_id)
    return resources.user_model(row, base, related.groups_of(session, [row.id])[row.id])


def create(ctx: Context, directory_id: str, resource: UserModel) -> tuple[UserModel, bool]:
    """Provision a pushed user; returns it and whether it was created. The same ``userName``
    and ``externalId`` sent again (a create whose answer was lost) returns the existing
    one. The account holding the pushed address is looked up again under the locks (see
    ``_lock_account``). Raises AlreadyExists (uniqueness), InvalidArgument,
    OrganizationUserLimitReached, TransientConflict (the address changed hands meanwhile:
    the route runs the request again, as after any transaction the database aborted)."""
    created = True

    def run() -> UserModel:
        nonlocal created
        with ctx.uow() as uow:
            session = uow.session
            found = directory(session, directory_id)
            address = resources.address(resource)
            user, org = _lock_account(session, found, address)
            same = _same_user(session, found, resource)
            if same is not None:
                created = False
                return _view(ctx, session, same)
            row = _new_row(ctx, session, found, resource, user, address)
            user = repo.user(session, row.user_id)
            seats.follow(ctx, uow, org, user, active=row.active, roles=roles.mapped(session, found, row.id))
            view = _view(ctx, session, row)
            uow.commit()
            return view

    view = seats.refusing(ctx, directory_id, lambda: _who(resource), run)
    return view, created


def _lock_account(session: Session, found: Directory, address: str) -> tuple[User | None, Organization]:
    """The account holding ``address`` (None when there is none) and the directory's
    organization, locked in the ledger's order (user, then organization); the address is
    looked up again once both are held, so the create decides on the account that holds
    it now. Raises TransientConflict when that is not the one locked (created, deleted or
    re-addressed meanwhile; the lock order forbids taking it now: nothing was written, the
    route runs the request again), NotFound when the directory was deleted meanwhile."""
    before = repo.user_by_email(session, address)
    try:
        user = ledger.lock_user(session, before.id) if before is not None else None
    except NotFound:  # deleted while we waited for its lock
        raise TransientConflict("the account holding the address was deleted while the create waited") from None
    org = lock_organization(session, found)
    holder = repo.user_by_email(session, address)
    if (holder.id if holder is not None else None) != (user.id if user is not None else None):
        raise TransientConflict("the address changed hands while the create waited for its locks")
    return user, org


def _same_user(session: Session, found: Directory, resource: UserModel) -> DirectoryUser | None:
    user_name_key = (resource.user_name or "").lower()
    row = session.scalar(
        select(DirectoryUser).where(
            DirectoryUser.directory_id == found.id, DirectoryUser.user_name_key == user_name_key
        )
    )
    if row is None:
        return None
    if resource.external_id is not None and row.external_id == resource.external_id:
        return row
    raise AlreadyExists(
        f"userName {resource.user_name!r} is already provisioned in this directory.",
        [FieldError("userName", "uniqueness", "already in use in this directory")],
    )


def _new_row(
    ctx: Context, session: Session, found: Directory, resource: UserModel, user: User | None, address: str
) -> DirectoryUser:
    """The directory user row and its Tenantry user: created, or an existing account linked
    when it already belongs to this organization or holds a verified address on one of the
    organization's verified domains (SPEC §12); never another account."""
    now = ctx.clock.now()
    created_user = user is None
    if user is None:
        user = new_user(session, address, None, {}, UserProfileInput(), now, Requirement.NONE)
        events.user_event(session, "user.created", user, now)
    elif not _linkable(session, found.organization_id, user):
        raise AlreadyExists(
            "An account with this e-mail address already exists outside this organization, and its address "
            "is not a verified one on the organization's verified domains; it is not linked to a directory user.",
            [FieldError("emails", "uniqueness", "address belongs to an account outside this organization")],
        )
    row = DirectoryUser(
        id=new_id("diru"),
        directory_id=found.id,
        user_id=user.id,
        created_user=created_user,
        created_at=now,
        updated_at=now,
    )
    resources.columns(row, resource)
    _ensure_unique(session, found.id, row)
    resources.apply_to_user(session, found, user, resource)
    user.updated_at = now
    session.add(row)
    session.flush()
    return row


def _linkable(session: Session, organization_id: str, user: User) -> bool:
    """An existing account a pushed user may become: a member of the organization already,
    or the holder of a verified address on one of its verified domains."""
    if repo.find_membership(session, organization_id, user.id) is not None:
        return True
    return user.email_verified and email_domain(user.email) in domains.verified_domains(session, organization_id)


def _ensure_unique(session: Session, directory_id: str, row: DirectoryUser) -> None:
    checks: list[tuple[str, Any, Any]] = [
        ("userName", DirectoryUser.user_name_key, row.user_name_key),
        ("user", DirectoryUser.user_id, row.user_id),
    ]
    if row.external_id is not None:
        checks.append(("externalId", DirectoryUser.external_id, row.external_id))
    for field, column, value in checks:
        clash = session.scalar(
            select(DirectoryUser.id).where(
                DirectoryUser.directory_id == directory_id, column == value, DirectoryUser.id != row.id
            )
        )
        if clash is not None:
            raise AlreadyExists(
                f"This {field} is already provisioned in this directory.",
                [FieldError(field, "uniqueness", "already in use in this directory")],
            )


def get(ctx: Context, directory_id: str, user_id: str) -> UserModel:
    with ctx.uow(readonly=True) as uow:
        return _view(ctx, uow.session, _row(uow.session, directory_id, user_id))


def list_(ctx: Context, directory_id: str, scim_filter: ScimFilter[Any] | None, start_index: int, count: int) -> Listed:
    """One page (1-based ``start_index``) in a stable order (creation, then id)."""
    with ctx.uow(readonly=True) as uow:
        session = uow.session
        directory(session, directory_id)
        base = related.base_url(ctx.settings.public_url, directory_id)
        where = [DirectoryUser.directory_id == directory_id]
        clause = filters.users_where(scim_filter.ast) if scim_filter is not None else None
        if scim_filter is not None and clause is None:
            return _list_in_python(session, directory_id, scim_filter, start_index, count, base)
        if clause is not None:
            where.append(clause)
        total = session.scalar(select(func.count()).select_from(DirectoryUser).where(*where)) or 0
        rows = (
            list(
                session.scalars(
                    select(DirectoryUser)
                    .where(*where)
                    .order_by(DirectoryUser.created_at, DirectoryUser.id)
                    .offset(start_index - 1)
                    .limit(count)
                )
            )
            if count
            else []
        )
        return Listed(total, start_index, _models(session, rows, base))


def _models(session: Session, rows: list[DirectoryUser], base: str) -> list[UserModel]:
    groups = related.groups_of(session, [row.id for row in rows])
    return [resources.user_model(row, base, groups[row.id]) for row in rows]


def _list_in_python(
    session: Session, directory_id: str, scim_filter: ScimFilter[Any], start_index: int, count: int, base: str
) -> Listed:
    rows = list(
        session.scalars(
            select(DirectoryUser)
            .where(DirectoryUser.directory_id == directory_id)
            .order_by(DirectoryUser.created_at, DirectoryUser.id)
        )
    )
    with POLICY:
        matching = [model for model in _models(session, rows, base) if scim_filter.match(model)]
    return Listed(len(matching), start_index, matching[start_index - 1 : start_index - 1 + count])


def replace(ctx: Context, directory_id: str, user_id: str, resource: UserModel) -> UserModel:
    """PUT: the resource becomes what was sent (``id`` stays)."""
    return seats.refusing(
        ctx, directory_id, lambda: _who(resource), lambda: _change(ctx, directory_id, user_id, lambda _old: resource)
    )


def patch(ctx: Context, directory_id: str, user_id: str, operations: PatchOp[Any]) -> UserModel:
    """PATCH: the operations applied (scim2-models) to the stored resource."""

    def changed(old: UserModel) -> UserModel:
        operations.patch(old, scim_policy=POLICY)
        return old

    holder: list[UserModel] = []

    def remember(old: UserModel) -> UserModel:
        holder.append(changed(old))
        return holder[-1]

    return seats.refusing(
        ctx,
        directory_id,
        lambda: _who(holder[-1]) if holder else {"user": {"id": user_id}},
        lambda: _change(ctx, directory_id, user_id, remember),
    )


def _change(ctx: Context, directory_id: str, user_id: str, change: Callable[[UserModel], UserModel]) -> UserModel:
    with ctx.uow() as uow:
        session = uow.session
        found = directory(session, directory_id)
        row, user, org = _locked(session, found, user_id)
        base = related.base_url(ctx.settings.public_url, directory_id)
        resource = change(resources.user_model(row, base))
        resources.columns(row, resource)
        _ensure_unique(session, directory_id, row)
        now = ctx.clock.now()
        row.updated_at = now
        _follow_address(session, row, user)
        resources.apply_to_user(session, found, user, resource)
        user.updated_at = now
        events.user_event(session, "user.updated", user, now)
        seats.follow(ctx, uow, org, user, active=row.active, roles=roles.mapped(session, found, row.id))
        view = _view(ctx, session, row)
        uow.commit()
        return view


def _follow_address(session: Session, row: DirectoryUser, user: User) -> None:
    """A user the directory created follows its address when it changes (if no other
    account has it); a linked account keeps its own."""
    if not row.created_user or row.email_key is None or row.email_key == user.email_key:
        return
    if repo.user_by_email(session, row.email_key) is not None:
        return
    document_address = resources.address(UserModel.model_validate(row.document))
    user.email = document_address
    user.email_key = email_key(document_address)
    user.email_verified = False


def delete(ctx: Context, directory_id: str, user_id: str) -> None:
    """DELETE: the membership ends (seat back, tokens and sessions for this organization
    end); the Tenantry user goes too when this directory created it and it has no other
    membership or directory left (SPEC §12). Raises LastAdmin (recorded as a refusal)."""
    who: dict[str, Any] = {"user": {"id": user_id}}

    def run() -> None:
        with ctx.uow() as uow:
            session = uow.session
            found = directory(session, directory_id)
            row, user, org = _locked(session, found, user_id)
            who["user"] = {"id": row.id, "user_name": row.user_name, "external_id": row.external_id}
            seats.end(ctx, session, org, user)
            created_user = row.created_user
            session.delete(row)
            session.flush()
            if created_user and _unattached(session, user.id):
                events.user_event(session, "user.deleted", user, ctx.clock.now())
                session.delete(user)
            uow.commit()

    seats.refusing(ctx, directory_id, lambda: who, run)


def _unattached(session: Session, user_id: str) -> bool:
    memberships = session.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == user_id))
    links = session.scalar(select(func.count()).select_from(DirectoryUser).where(DirectoryUser.user_id == user_id))
    return not memberships and not links
