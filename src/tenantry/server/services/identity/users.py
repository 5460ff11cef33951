"""Users (SPEC §3): created into an organization (invited or active), read, updated, deleted."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import attribute_values
from tenantry.server.db import repositories as repo
from tenantry.server.db.inserts import Row, insert_now, insert_row
from tenantry.server.db.models import Membership, User
from tenantry.server.db.paging import fetch_page
from tenantry.server.db.search import users_matching
from tenantry.server.domain.attributes import Requirement
from tenantry.server.domain.errors import AlreadyExists, FieldError, InvalidArgument, NotFound
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.memberships import MembershipStatus
from tenantry.server.domain.pagination import Page, PageRequest
from tenantry.server.domain.types import email_key, no_nul
from tenantry.server.services.commands import CreateUserInOrganization, UpdateUser, UserProfileInput
from tenantry.server.services.directory import attributes, environment
from tenantry.server.services.identity import sessions
from tenantry.server.services.identity.profiles import apply_profile
from tenantry.server.services.integration import events
from tenantry.server.services.membership import expiry, ledger, lifecycle
from tenantry.server.services.provisioning import ownership
from tenantry.server.services.read_models.views import (
    UserView,
    held_roles,
    membership_view,
    user_view,
    user_view_of,
    user_views,
)

# "key=value" in a search box: a custom attribute filter (keys are [a-z][a-z0-9_]*).
_ATTRIBUTE_SEARCH = re.compile(r"([a-z][a-z0-9_]*)\s*=\s*(.*)", re.DOTALL)


def new_user(
    session: Session,
    email: str,
    external_id: str | None,
    metadata: dict[str, object],
    profile: UserProfileInput,
    now: datetime,
    requirement: Requirement,
    *,
    email_checked: bool = False,
) -> User:
    """A new user row, added to the session. Raises AlreadyExists (e-mail, external_id)
    and InvalidArgument (custom attributes). ``email_checked``: the caller has just looked the
    address up in this transaction (the unique index still refuses a concurrent twin)."""
    user = User(**vars(_checked(session, email, external_id, metadata, profile, now, requirement, email_checked)))
    insert_now(session, user)
    return user


def _checked(
    session: Session,
    email: str,
    external_id: str | None,
    metadata: dict[str, object],
    profile: UserProfileInput,
    now: datetime,
    requirement: Requirement,
    email_checked: bool = True,
) -> SimpleNamespace:
    """A new user's columns (those set), the address and external id checked free and the
    profile applied (``new_user``'s arguments)."""
    if not email_checked and repo.user_by_email(session, email) is not None:
        raise AlreadyExists(
            "A user with this e-mail already exists.",
            [FieldError("email", "already_exists", "already registered")],
            reason="email",
        )
    repo.ensure_external_id_free(session, User, external_id)
    values = SimpleNamespace(
        id=new_id("usr"),
        email=email,
        email_key=email_key(email),
        email_verified=False,
        custom_attributes={},
        metadata_=metadata,
        external_id=external_id,
        created_at=now,
        updated_at=now,
    )
    apply_profile(session, values, profile, requirement)
    return values


def create_in_organization(
    ctx: Context, organization_id: str, command: CreateUserInOrganization, *, send_invitation: bool
) -> UserView:
    """Create a user in an organization, or add the existing user with that e-mail (whose
    profile then takes the ``user_profile`` fields sent; external_id and metadata stay).

    With ``send_invitation`` the membership is pending and an invitation e-mail goes out;
    without, it is active. Raises NotFound, AlreadyExists, InvalidArgument and
    OrganizationUserLimitReached; on any error nothing is written.
    """
    roles = lifecycle.role_names(command.membership.roles)
    with ctx.uow() as uow:
        session = uow.session
        existing = _lock_by_email(session, command.email)
        org = ledger.lock_seats(session, organization_id, take=True)  # lifecycle.start's seat
        now = ctx.clock.now()
        user: User | Row
        user_json = None
        if existing is not None:
            user = existing
            if "user_profile" in command.model_fields_set:
                # The existing user joins as they are; profile fields the request names are
                # written over theirs, through the same validator as any profile write.
                apply_profile(session, existing, command.user_profile, Requirement.NONE)
                existing.updated_at = now
                events.user_event(session, "user.updated", existing, now)
        else:
            # An invitee supplies required attributes when accepting; an active user needs them now.
            requirement = Requirement.NONE if send_invitation else Requirement.ALL
            # written as a plain row, no ORM object (issue 18): only read from here on
            checked = _checked(
                session, command.email, command.external_id, command.metadata, command.user_profile, now, requirement
            )
            user = insert_row(session, User, **vars(checked))
            user_json = events.user_event(session, "user.created", user, now, memberships=[])
        membership = lifecycle.start(
            ctx,
            uow,
            org,
            user,
            roles,
            invite=send_invitation,
            inviter_email=command.membership.inviter_email,
            settings=environment.load(session),
            metadata=command.membership.metadata,
            invited_email=command.email,
            new_user=existing is None,
            user_json=user_json,
        )
        # A user created here has this one membership: nothing to read back.
        view = (
            user_view(session, existing, now)
            if existing is not None
            else user_view_of(
                user,
                [
                    membership_view(
                        membership, org.display_name, now, held_roles(session, [membership.id])[membership.id]
                    )
                ],
            )
        )
        uow.commit()
        return view


_ID_BY_EMAIL = select(User.id).where(User.email_key == bindparam("key"))  # built once (issue 18)


def _lock_by_email(session: Session, email: str) -> User | None:
    """The existing user with this e-mail, locked first (the ledger's lock order), or None."""
    # the id, on the connection (no ORM statement); lock_user loads
    found = session.connection().execute(_ID_BY_EMAIL, {"key": email_key(email)}).scalar()
    return ledger.lock_user(session, found) if found is not None else None


def get(ctx: Context, user_id: str) -> UserView:
    """The user; an invitation seen expired here for the first time records ``invitation.expired``."""
    with ctx.uow(readonly=True) as uow:
        view = user_view(uow.session, repo.user(uow.session, user_id), ctx.clock.now())
    if any(m.status is MembershipStatus.INVITE_EXPIRED for m in view.memberships):
        expiry.observe_for_user(ctx, user_id)
    return view


def get_by_external_id(ctx: Context, external_id: str) -> UserView:
    with ctx.uow(readonly=True) as uow:
        return user_view(uow.session, repo.user_by_external_id(uow.session, external_id), ctx.clock.now())


SORTS = {"created": None, "email": User.email_key}  # the dashboard's sortable columns
# A text search or an attribute filter counts its matches up to this many; past it
# (PostgreSQL) the total is the planner's estimate, flagged as such (db/paging.py ``_total``).
EXACT_COUNT_UP_TO = 1000


def list_page(
    ctx: Context,
    request: PageRequest,
    organization_id: str | None = None,
    attribute_filters: Mapping[str, str] | None = None,
    *,
    search: str | None = None,
    sort: str = "created",
    descending: bool = False,
) -> Page[UserView]:
    """All users, or the users with a membership (any status) in one organization, whose
    custom attributes equal every ``attribute_filters`` value (typed by its definition).

    ``search`` is what an administrator types: ``key=value`` filters by a custom attribute
    like ``attribute_filters``; other text finds every word anywhere in the e-mail or the
    names, or the exact id or external id. ``sort`` is ``created`` (id order) or ``email``.
    Raises NotFound (organization) and InvalidArgument (unknown attribute, bad value, a NUL
    character in ``search``).
    """
    filters = dict(attribute_filters or {})
    text = (search or "").strip()
    try:
        no_nul(text)  # no stored text holds one, and SQLite's search index chokes on it
    except ValueError as exc:
        raise InvalidArgument.field("search", "invalid_characters", str(exc)) from None
    if matched := _ATTRIBUTE_SEARCH.fullmatch(text):
        filters[matched.group(1)] = matched.group(2).strip()
        text = ""
    with ctx.uow(readonly=True) as uow:
        stmt = select(User)
        if organization_id is not None:
            repo.organization(uow.session, organization_id)
            stmt = stmt.join(Membership, Membership.user_id == User.id).where(
                Membership.organization_id == organization_id
            )
        parsed = attributes.parse_filters(uow.session, filters)
        for key, value in parsed.items():
            stmt = stmt.where(attribute_values.equals(uow.session, key, value))
        if text:
            stmt = users_matching(uow.session, stmt, text)
        # An organization's member count without joining users, when nothing else narrows it.
        plain = not parsed and not text
        count = repo.member_count(organization_id) if organization_id is not None and plain else None
        page = fetch_page(
            uow.session,
            stmt,
            User.id,
            request,
            count,
            descending=descending,
            sort_column=SORTS.get(sort),
            exact_up_to=EXACT_COUNT_UP_TO if text or parsed else None,
            joined_id=Membership.user_id if organization_id is not None else None,
        )
        views = user_views(uow.session, page.items, ctx.clock.now())
        return Page(views, page.next_page_token, page.prev_page_token, page.total_size, page.total_estimated)


def update(ctx: Context, user_id: str, command: UpdateUser, *, directory_fields_read_only: bool = False) -> UserView:
    """Raises InvalidArgument; with ``directory_fields_read_only`` (the dashboard) also for a
    field a directory owns (``directory_owned``, SPEC §12)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        user = repo.user(uow.session, user_id, for_update=True)
        if directory_fields_read_only:
            ownership.refuse_owned(uow.session, user.id, command.user_profile)
        fields = command.model_fields_set
        if "external_id" in fields:
            repo.ensure_external_id_free(uow.session, User, command.external_id, except_id=user.id)
            user.external_id = command.external_id
        if "metadata" in fields:
            user.metadata_ = command.metadata or {}
        if command.user_profile is not None:
            apply_profile(uow.session, user, command.user_profile, Requirement.ALL)
        user.updated_at = now
        uow.session.flush()
        view = user_view(uow.session, user, now)
        events.user_event(uow.session, "user.updated", user, now)
        uow.commit()
        return view


def update_own_profile(ctx: Context, user_id: str, profile: UserProfileInput) -> UserView:
    """A user edits their own profile (hosted profile page): standard fields and the
    attributes marked ``user_editable``; others are refused as ``not_editable``."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        user = repo.user(uow.session, user_id, for_update=True)
        editable = {d.key for d in attributes.load_definitions(uow.session) if d.user_editable}
        locked = sorted(set(profile.custom_attributes or {}) - editable)
        if locked:
            raise InvalidArgument(
                "Some attributes can only be changed by an administrator.",
                [
                    FieldError(f"user_profile.custom_attributes.{key}", "not_editable", "you cannot change this")
                    for key in locked
                ],
            )
        ownership.refuse_owned(uow.session, user.id, profile)
        apply_profile(uow.session, user, profile, Requirement.SELF)
        user.updated_at = now
        uow.session.flush()
        view = user_view(uow.session, user, now)
        events.user_event(uow.session, "user.updated", user, now)
        uow.commit()
        return view


def id_for_external_id(ctx: Context, external_id: str) -> str:
    """The id of the user with this external id (for writes addressed by external id).
    Raises NotFound."""
    with ctx.uow(readonly=True) as uow:
        return repo.user_by_external_id(uow.session, external_id).id


def delete_if_no_memberships(ctx: Context, user_id: str) -> bool:
    """Delete the user if they belong to no organization any more (Scalekit's ``cascade``
    on membership removal); decided under the user's lock, so a membership added meanwhile
    keeps them. Returns whether the user was deleted; a user already gone counts as deleted."""
    with ctx.uow() as uow:
        session = uow.session
        try:
            user = ledger.lock_user(session, user_id)
        except NotFound:
            return True
        if session.scalar(select(Membership.id).where(Membership.user_id == user.id).limit(1)) is not None:
            return False
        events.user_event(session, "user.deleted", user, ctx.clock.now())
        session.delete(user)
        uow.commit()
        return True


def delete_(ctx: Context, user_id: str) -> None:
    """Delete the user and their memberships (freeing their seats). Organizations they
    created stay, with no creator. Locks in the ledger's order: the user, then the
    organizations of their memberships, then the memberships."""
    with ctx.uow() as uow:
        session = uow.session
        user = ledger.lock_user(session, user_id)
        organization_ids = session.scalars(select(Membership.organization_id).where(Membership.user_id == user.id))
        for org in ledger.lock_organizations(session, organization_ids):
            membership = ledger.lock_membership(session, org.id, user.id)
            lifecycle.end(ctx, session, membership)
        now = ctx.clock.now()
        sessions.end_all_for_user(session, user.id, now)  # and tokens naming no organization
        events.user_event(session, "user.deleted", user, now)  # its last state: no memberships left
        session.delete(user)
        uow.commit()
