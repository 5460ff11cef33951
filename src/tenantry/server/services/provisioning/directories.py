"""Directories of an organization (SPEC §12; Scalekit's DirectoryService shapes): create,
read, rename, enable/disable, delete; the bearer token (generated, shown once, rotated);
group → role assignments; attribute mapping; the users and groups a directory holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db.models import Directory, DirectoryGroup, DirectoryUser, Organization
from tenantry.server.db.paging import fetch_page
from tenantry.server.domain.errors import FieldError, InvalidArgument, NotFound
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.pagination import Page, PageRequest
from tenantry.server.services.directory.attributes import load_definitions
from tenantry.server.services.integration import events
from tenantry.server.services.membership import ledger
from tenantry.server.services.membership import roles as catalogue
from tenantry.server.services.provisioning import attribute_paths, related, roles, tokens

NAME_MAX_LENGTH = 255  # the column's: every caller (API body, dashboard, portal) is held to it
PROVIDERS = ("OKTA", "GOOGLE", "MICROSOFT_AD", "AUTH0", "ONELOGIN", "JUMPCLOUD", "PING_IDENTITY", "CUSTOM")


@dataclass(frozen=True)
class SecretView:
    id: str
    directory_id: str
    secret_suffix: str
    status: str
    create_time: datetime
    last_used_time: datetime | None


@dataclass(frozen=True)
class DirectoryView:
    id: str
    organization_id: str
    name: str
    provider: str
    enabled: bool
    endpoint: str
    total_users: int
    total_groups: int
    secrets: list[SecretView]
    role_assignments: list[dict[str, str]]
    attribute_mappings: list[dict[str, str]]
    last_synced_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class DirectoryUserView:
    id: str
    user_id: str
    email: str | None
    user_name: str
    given_name: str | None
    family_name: str | None
    active: bool
    emails: list[str]
    groups: list[dict[str, str]]
    detail: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class DirectoryGroupView:
    id: str
    display_name: str
    total_users: int
    updated_at: datetime
    detail: dict[str, Any] = field(default_factory=dict)


def _provider(value: str | None) -> str:
    provider = (value or "CUSTOM").upper()
    if provider not in PROVIDERS:
        raise InvalidArgument.field(
            "directory_provider", "not_in_options", f"directory_provider must be one of {', '.join(PROVIDERS)}"
        )
    return provider


def _name(value: str | None, default: str | None = None) -> str:
    """``value`` stripped, ``default`` when blank. Raises InvalidArgument (``name``: blank
    without a default, or too long)."""
    name = (value or "").strip() or default
    if not name:
        raise InvalidArgument.field("name", "required", "name must not be blank")
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidArgument.field("name", "too_long", f"use at most {NAME_MAX_LENGTH} characters")
    return name


def _view(ctx: Context, session: Session, row: Directory) -> DirectoryView:
    count_users = select(func.count()).select_from(DirectoryUser).where(DirectoryUser.directory_id == row.id)
    count_groups = select(func.count()).select_from(DirectoryGroup).where(DirectoryGroup.directory_id == row.id)
    secrets = []
    if row.secret_id and row.secret_suffix and row.secret_created_at:
        secrets.append(
            SecretView(
                row.secret_id, row.id, row.secret_suffix, "ACTIVE", row.secret_created_at, row.secret_last_used_at
            )
        )
    return DirectoryView(
        id=row.id,
        organization_id=row.organization_id,
        name=row.name,
        provider=row.provider,
        enabled=row.enabled,
        endpoint=related.base_url(ctx.settings.public_url, row.id),
        total_users=int(session.scalar(count_users) or 0),
        total_groups=int(session.scalar(count_groups) or 0),
        secrets=secrets,
        role_assignments=list(row.role_assignments or []),
        attribute_mappings=list(row.attribute_mappings or []),
        last_synced_at=row.last_synced_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _row(session: Session, organization_id: str, directory_id: str, *, lock: bool = False) -> Directory:
    stmt = select(Directory).where(Directory.id == directory_id, Directory.organization_id == organization_id)
    found = session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise NotFound(f"No directory with id {directory_id!r} in this organization.")
    return found


def _event(session: Session, kind: str, view: DirectoryView, now: datetime) -> None:
    data = {
        "directory": {
            "id": view.id,
            "organization_id": view.organization_id,
            "name": view.name,
            "directory_provider": view.provider,
            "enabled": view.enabled,
        }
    }
    events.record(
        session, kind, data, ordering_key=f"directory:{view.id}", now=now, organization_id=view.organization_id
    )


def create(ctx: Context, organization_id: str, name: str | None, provider: str | None) -> DirectoryView:
    """A new, enabled directory without a token yet (generate one with ``create_secret``).
    Raises NotFound (organization), InvalidArgument (provider, name)."""
    chosen = _provider(provider)
    with ctx.uow() as uow:
        _, view = _insert(ctx, uow.session, organization_id, name, chosen)
        uow.commit()
        return view


def create_with_secret(
    ctx: Context, organization_id: str, name: str | None, provider: str | None
) -> tuple[DirectoryView, str]:
    """A new, enabled directory and its first bearer token (returned this once), in one
    transaction: a refusal or a retry leaves no directory without its token. Raises as
    ``create``."""
    chosen = _provider(provider)
    token, token_digest = tokens.new(ctx)
    with ctx.uow() as uow:
        row, _ = _insert(ctx, uow.session, organization_id, name, chosen)
        view = _store_secret(ctx, uow.session, row, token, token_digest)
        uow.commit()
        return view, token


def _insert(
    ctx: Context, session: Session, organization_id: str, name: str | None, provider: str
) -> tuple[Directory, DirectoryView]:
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound(f"No organization with id {organization_id!r}.")
    now = ctx.clock.now()
    row = Directory(
        id=new_id("dir"),
        organization_id=org.id,
        name=_name(name, f"{provider.title()} directory"),
        provider=provider,
        enabled=True,
        role_assignments=[],
        attribute_mappings=[],
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    view = _view(ctx, session, row)
    _event(session, "directory.created", view, now)
    return row, view


def get(ctx: Context, organization_id: str, directory_id: str) -> DirectoryView:
    with ctx.uow(readonly=True) as uow:
        return _view(ctx, uow.session, _row(uow.session, organization_id, directory_id))


def list_(ctx: Context, organization_id: str) -> list[DirectoryView]:
    with ctx.uow(readonly=True) as uow:
        if uow.session.get(Organization, organization_id) is None:
            raise NotFound(f"No organization with id {organization_id!r}.")
        rows = uow.session.scalars(
            select(Directory).where(Directory.organization_id == organization_id).order_by(Directory.id)
        )
        return [_view(ctx, uow.session, row) for row in rows]


def update(
    ctx: Context,
    organization_id: str,
    directory_id: str,
    *,
    name: str | None = None,
    provider: str | None = None,
    enabled: bool | None = None,
) -> DirectoryView:
    with ctx.uow() as uow:
        row = _row(uow.session, organization_id, directory_id, lock=True)
        if name is not None:
            row.name = _name(name)
        if provider is not None:
            row.provider = _provider(provider)
        if enabled is not None:
            row.enabled = enabled
        now = ctx.clock.now()
        row.updated_at = now
        view = _view(ctx, uow.session, row)
        _event(uow.session, "directory.updated", view, now)
        uow.commit()
        return view


def delete(ctx: Context, organization_id: str, directory_id: str) -> None:
    """The directory, its token, users and groups go; the Tenantry users and their
    memberships stay (the organization keeps its members). The organization is locked
    first, then the directory (the ledger's order): every SCIM write holds the
    organization's lock while it writes the directory's rows, so the delete waits for
    those under way and the ones after it find no directory (NotFound). Raises NotFound."""
    with ctx.uow() as uow:
        ledger.lock_organizations(uow.session, [organization_id])  # none when unknown: _row says NotFound
        row = _row(uow.session, organization_id, directory_id, lock=True)
        view = _view(ctx, uow.session, row)
        uow.session.delete(row)
        _event(uow.session, "directory.deleted", view, ctx.clock.now())
        uow.commit()


def create_secret(ctx: Context, organization_id: str, directory_id: str) -> tuple[str, SecretView]:
    """A new bearer token (the previous one stops working at once); the plain token is
    returned this once and never stored."""
    token, token_digest = tokens.new(ctx)
    with ctx.uow() as uow:
        row = _row(uow.session, organization_id, directory_id, lock=True)
        view = _store_secret(ctx, uow.session, row, token, token_digest)
        uow.commit()
        return token, view.secrets[0]


def _store_secret(ctx: Context, session: Session, row: Directory, token: str, token_digest: str) -> DirectoryView:
    now = ctx.clock.now()
    tokens.store(row, token, token_digest, now)
    view = _view(ctx, session, row)
    _event(session, "directory.secret_created", view, now)
    return view


def assign_roles(
    ctx: Context, organization_id: str, directory_id: str, assignments: list[dict[str, str]]
) -> DirectoryView:
    """Replace the group → role mapping and recompute every member's roles. Raises
    InvalidArgument (unknown group or role)."""
    with ctx.uow() as uow:
        session = uow.session
        ledger.lock_organization(session, organization_id)
        cleaned = []
        for index, assignment in enumerate(assignments):
            field = f"assignments.{index}.role_name"
            role = catalogue.resolve(session, organization_id, [assignment["role_name"]], field)[0]
            cleaned.append({"group_id": assignment["group_id"], "role_name": role.name})
        row = _row(session, organization_id, directory_id, lock=True)
        known = set(session.scalars(select(DirectoryGroup.id).where(DirectoryGroup.directory_id == row.id)))
        for index, assignment in enumerate(cleaned):
            if assignment["group_id"] not in known:
                raise InvalidArgument(
                    f"No group {assignment['group_id']!r} in this directory.",
                    [FieldError(f"assignments.{index}.group_id", "not_found", "unknown group")],
                )
        row.role_assignments = cleaned
        now = ctx.clock.now()
        row.updated_at = now
        session.flush()
        roles.recompute(ctx, session, row)
        view = _view(ctx, session, row)
        _event(session, "directory.updated", view, now)
        uow.commit()
        return view


def update_attributes(
    ctx: Context, organization_id: str, directory_id: str, mappings: list[dict[str, str]]
) -> DirectoryView:
    """Replace the attribute mapping (custom attribute ``key`` ← SCIM path ``map_to``);
    applied to users as the directory next pushes them. Raises InvalidArgument naming every
    bad entry (``attributes.<index>.key`` / ``.map_to``)."""
    with ctx.uow() as uow:
        session = uow.session
        row = _row(session, organization_id, directory_id, lock=True)
        cleaned = [{"key": m["key"], "map_to": m["map_to"].strip()} for m in mappings]
        problems = _mapping_problems(session, cleaned)
        if problems:
            raise InvalidArgument(problems[0].message, problems)
        row.attribute_mappings = cleaned
        now = ctx.clock.now()
        row.updated_at = now
        view = _view(ctx, session, row)
        _event(session, "directory.updated", view, now)
        uow.commit()
        return view


def _mapping_problems(session: Session, mappings: list[dict[str, str]]) -> list[FieldError]:
    defined = {definition.key for definition in load_definitions(session)}
    problems: list[FieldError] = []
    seen: set[str] = set()
    for index, mapping in enumerate(mappings):
        key = mapping["key"]
        if key not in defined:
            problems.append(
                FieldError(
                    f"attributes.{index}.key",
                    "not_found",
                    f"There is no custom attribute {key!r}: define it on the User Attributes tab first.",
                )
            )
        elif key in seen:
            problems.append(
                FieldError(f"attributes.{index}.key", "already_mapped", f"{key!r} is mapped twice; map it once.")
            )
        seen.add(key)
        wrong = attribute_paths.problem(mapping["map_to"], f"attributes.{index}.map_to")
        if wrong is not None:
            problems.append(wrong)
    return problems


def list_users(ctx: Context, organization_id: str, directory_id: str, request: PageRequest) -> Page[DirectoryUserView]:
    with ctx.uow(readonly=True) as uow:
        session = uow.session
        _row(session, organization_id, directory_id)
        page = fetch_page(
            session, select(DirectoryUser).where(DirectoryUser.directory_id == directory_id), DirectoryUser.id, request
        )
        groups = related.groups_of(session, [row.id for row in page.items])
        return Page(
            [_user_view(row, groups[row.id]) for row in page.items],
            page.next_page_token,
            page.prev_page_token,
            page.total_size,
        )


def _user_view(row: DirectoryUser, groups: list[DirectoryGroup]) -> DirectoryUserView:
    document = row.document or {}
    name = document.get("name") or {}
    emails = [str(e.get("value")) for e in document.get("emails") or [] if isinstance(e, dict) and e.get("value")]
    return DirectoryUserView(
        id=row.id,
        user_id=row.user_id,
        email=row.email_key,
        user_name=row.user_name,
        given_name=name.get("givenName"),
        family_name=name.get("familyName"),
        active=row.active,
        emails=emails,
        groups=[{"id": g.id, "display_name": g.display_name} for g in groups],
        detail=document,
        updated_at=row.updated_at,
    )


def list_groups(
    ctx: Context, organization_id: str, directory_id: str, request: PageRequest
) -> Page[DirectoryGroupView]:
    with ctx.uow(readonly=True) as uow:
        session = uow.session
        _row(session, organization_id, directory_id)
        page = fetch_page(
            session,
            select(DirectoryGroup).where(DirectoryGroup.directory_id == directory_id),
            DirectoryGroup.id,
            request,
        )
        members = related.members_of(session, [row.id for row in page.items])
        views = [
            DirectoryGroupView(row.id, row.display_name, len(members[row.id]), row.updated_at, row.document or {})
            for row in page.items
        ]
        return Page(views, page.next_page_token, page.prev_page_token, page.total_size)
