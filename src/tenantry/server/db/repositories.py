"""Lookups every use case needs, raising the domain's NotFound instead of returning None."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, select
from sqlalchemy.orm import Session

from tenantry.server.db.models import Membership, Organization, User
from tenantry.server.domain.errors import AlreadyExists, FieldError, NotFound
from tenantry.server.domain.types import email_key


def ensure_external_id_free(
    session: Session, model: type[Organization] | type[User], external_id: str | None, except_id: str | None = None
) -> None:
    """Raise AlreadyExists when another organization (or user) already has ``external_id``."""
    if external_id is None:
        return
    taken = session.scalar(select(model.id).where(model.external_id == external_id))
    if taken is not None and taken != except_id:
        what = "organization" if model is Organization else "user"
        raise AlreadyExists(
            f"Another {what} has this external_id.", [FieldError("external_id", "already_exists", "already in use")]
        )


def ensure_slug_free(session: Session, slug: str | None, except_id: str | None = None) -> None:
    """Raise AlreadyExists when another organization already has ``slug``."""
    if slug is None:
        return
    taken = session.scalar(select(Organization.id).where(Organization.slug == slug))
    if taken is not None and taken != except_id:
        raise AlreadyExists(
            "Another organization has this slug.", [FieldError("slug", "already_exists", "already in use")]
        )


def organization(session: Session, organization_id: str) -> Organization:
    org = session.get(Organization, organization_id)
    if org is None:
        raise _no_organization(organization_id)
    return org


def _no_organization(organization_id: str) -> NotFound:
    return NotFound(
        f"No organization with id {organization_id!r}.",
        [FieldError("organization_id", "not_found", "unknown organization")],
    )


_ORGANIZATIONS = Organization.__table__.c
# What an organization's view shows, by primary key, in one statement built once and read as
# plain columns named as the model's attributes: no identity map, no per-call statement to
# build and cache-key (issue 18: ~100 of the ~200 µs a GET of one organization spent here).
_ORGANIZATION_FIELDS = select(
    *(_ORGANIZATIONS[name] for name in ("id", "display_name", "external_id")),
    _ORGANIZATIONS["metadata"].label("metadata_"),
    *(
        _ORGANIZATIONS[name]
        for name in (
            "max_allowed_users",
            "created_by_user_id",
            "created_at",
            "updated_at",
            "slug",
            "logo_url",
            "region_code",
            "features",
        )
    ),
).where(_ORGANIZATIONS["id"] == bindparam("organization_id"))


def organization_fields(session: Session | Connection, organization_id: str) -> Any:
    """The columns ``views.organization_view`` reads, as attributes of a row (a read-only use
    case that shows an organization and changes nothing; a plain connection will do, the
    statement is Core). Raises NotFound as ``organization``."""
    row = session.execute(_ORGANIZATION_FIELDS, {"organization_id": organization_id}).first()
    if row is None:
        raise _no_organization(organization_id)
    return row


def organization_by_external_id(session: Session, external_id: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.external_id == external_id))
    if org is None:
        raise NotFound(f"No organization with external_id {external_id!r}.")
    return org


def user(session: Session, user_id: str, *, for_update: bool = False) -> User:
    stmt = select(User).where(User.id == user_id)
    if for_update:
        stmt = stmt.with_for_update()
    found = session.scalar(stmt)
    if found is None:
        raise no_user(user_id)
    return found


def no_user(user_id: str) -> NotFound:
    """What every read of a user by id answers when there is none."""
    return NotFound(f"No user with id {user_id!r}.", [FieldError("user_id", "not_found", "unknown user")])


def user_by_external_id(session: Session, external_id: str) -> User:
    found = session.scalar(select(User).where(User.external_id == external_id))
    if found is None:
        raise NotFound(f"No user with external_id {external_id!r}.")
    return found


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email_key == email_key(email)))


def membership(session: Session, organization_id: str, user_id: str, *, for_update: bool = False) -> Membership:
    stmt = select(Membership).where(Membership.organization_id == organization_id, Membership.user_id == user_id)
    if for_update:
        stmt = stmt.with_for_update()
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("The user is not a member of this organization and has no invitation to it.")
    return found


def find_membership(session: Session, organization_id: str, user_id: str) -> Membership | None:
    return session.scalar(
        select(Membership).where(Membership.organization_id == organization_id, Membership.user_id == user_id)
    )


def member_count(organization_id: str) -> Select[Any]:
    """How many memberships (any status) the organization has, without counting its members:
    the seat ledger's ``seats_held`` (the memberships holding a seat, kept exact by every
    write that changes one, in its transaction) plus the memberships holding none (expired
    invitations whose seat went back, deactivated members: usually few, found on
    ``ix_memberships_seat_holds``). One statement, so both parts come from one snapshot.
    Counting 100,000 memberships on an index took ~5-10 ms on PostgreSQL; this reads one
    row and an index range as long as the seatless memberships (issue 18)."""
    seatless = (
        select(func.count())
        .select_from(Membership)
        .where(Membership.organization_id == organization_id, Membership.holds_seat == False)  # noqa: E712 - indexable
        .scalar_subquery()
    )
    return select(Organization.seats_held + seatless).where(Organization.id == organization_id)
