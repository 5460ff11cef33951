"""Signing in through an identity provider (SPEC §11): find or link the user, provision the
membership just in time through the seat ledger, open the session — in one transaction.

Rules:
- a known identity (connection + subject) signs in as its user;
- otherwise the address must be on one of the organization's *verified* domains: then an
  existing user with that address is linked (the domain vouches for the address), or a new
  user is created with the address verified; any other address is refused, never linked;
- a user without a membership gets one (``sso_jit``), roles from IdP groups or the default,
  through ``lifecycle.start``: a full organization refuses, nothing is written but the
  refusal event (audit log and webhook);
- an inactive membership cannot sign in to that organization.
IdP values go through the one attribute validator; an invalid one is dropped and recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import SsoConnection, User, UserIdentity
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain import sso as rules
from tenantry.server.domain.attributes import Requirement, validate_custom_attributes
from tenantry.server.domain.domains import email_domain
from tenantry.server.domain.errors import InvalidArgument, OrganizationUserLimitReached
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.memberships import MembershipStatus
from tenantry.server.domain.types import normalize_email
from tenantry.server.services.commands import UserProfileInput
from tenantry.server.services.directory import domains, environment
from tenantry.server.services.directory.attributes import load_definitions
from tenantry.server.services.federation.oidc_rp import IdpAnswer
from tenantry.server.services.identity import proof, sessions
from tenantry.server.services.identity.users import new_user
from tenantry.server.services.integration import actors, events
from tenantry.server.services.membership import ledger, lifecycle
from tenantry.server.services.membership import roles as catalogue


@dataclass(frozen=True)
class SignedIn:
    session_token: str
    user_id: str
    organization_id: str
    created_user: bool
    created_membership: bool


class OrganizationFull(OrganizationUserLimitReached):
    """JIT provisioning found no free seat; carries the organization's name for the page."""

    def __init__(self, organization_name: str) -> None:
        super().__init__()
        self.organization_name = organization_name


def sign_in(ctx: Context, connection_id: str, answer: IdpAnswer, user_agent: str | None = None) -> SignedIn:
    """Raises SsoRefused and OrganizationFull (after recording the refusal)."""
    try:
        with ctx.uow() as uow:
            result = _sign_in(ctx, uow, connection_id, answer, user_agent)
            uow.commit()
            return result
    except OrganizationUserLimitReached:
        name = _record_refusal(ctx, connection_id, answer)
        raise OrganizationFull(name) from None
    except IntegrityError:  # the same identity signing in twice at once: the other one won
        raise rules.SsoRefused("This sign-in raced another one for the same account. Try again.") from None


def _connection(session: Session, connection_id: str) -> SsoConnection:
    row = session.get(SsoConnection, connection_id)
    if row is None or not row.enabled:
        raise rules.SsoRefused("This single sign-on connection is not enabled.", reason="disabled")
    return row


def _sign_in(ctx: Context, uow: UnitOfWork, connection_id: str, answer: IdpAnswer, agent: str | None) -> SignedIn:
    session = uow.session
    connection = _connection(session, connection_id)
    values = rules.mapped(answer.attributes, connection.attribute_mapping)
    identity = session.scalar(
        select(UserIdentity).where(UserIdentity.connection_id == connection.id, UserIdentity.subject == answer.subject)
    )
    created_user = False
    if identity is not None:
        user = ledger.lock_user(session, identity.user_id)
    else:
        email = _email_on_verified_domain(session, connection, values.get("email"))
        existing = repo.user_by_email(session, email)
        if existing is not None:
            user = ledger.lock_user(session, existing.id)  # linked: the organization's verified domain vouches
            # SPEC §3: whoever registered it unproved loses password, sessions and refresh tokens
            proof.take_over(session, user, ctx.clock.now())
        else:
            user = new_user(session, email, None, {}, UserProfileInput(), ctx.clock.now(), Requirement.NONE)
            created_user = True
    org = ledger.lock_organization(session, connection.organization_id)
    now = ctx.clock.now()
    dropped = _apply_profile(session, user, values, only_blanks=not created_user)
    user.email_verified = True  # the organization's verified domain vouches for the address
    membership = repo.find_membership(session, org.id, user.id)
    created_membership = False
    if membership is None:
        # Role names stored in the connection that were deleted since are skipped; none left
        # = the environment's default member role.
        mapped = rules.roles_for(values.get("groups") or [], connection.group_roles, connection.default_roles)
        roles = catalogue.usable(session, org.id, mapped)
        lifecycle.start(
            ctx,
            uow,
            org,
            user,
            roles,
            invite=False,
            inviter_email=None,
            settings=environment.load(session),
            method="sso_jit",
        )
        created_membership = True
    elif membership.status(now) is MembershipStatus.INACTIVE:
        raise rules.SsoRefused(
            "Your access to this organization is suspended. Ask your administrator.", reason="inactive"
        )
    if identity is None:
        identity = UserIdentity(
            id=new_id("idn"),
            user_id=user.id,
            connection_id=connection.id,
            subject=answer.subject[:512],
            email=user.email,
            created_at=now,
            last_login_at=now,
        )
        session.add(identity)
    identity.last_login_at = now
    session.flush()
    if created_user:
        events.user_event(session, "user.created", user, now, actor=actors.user(user.id))
    token = sessions.start(uow, user.id, now, agent, organization_id=org.id, amr=["fed"], connection_id=connection.id)
    events.record(
        session,
        "user.sso_login",
        {"user_id": user.id, "connection_id": connection.id, "organization_id": org.id, "dropped_attributes": dropped},
        ordering_key=f"user:{user.id}",
        now=now,
        organization_id=org.id,
        user_id=user.id,
        actor=actors.user(user.id),
    )
    return SignedIn(token, user.id, org.id, created_user, created_membership)


def _email_on_verified_domain(session: Session, connection: SsoConnection, raw: Any) -> str:
    try:
        email = normalize_email(str(raw or ""))
    except ValueError:
        raise rules.SsoRefused("The identity provider did not send a usable e-mail address.", reason="email") from None
    if email_domain(email) not in domains.verified_domains(session, connection.organization_id):
        raise rules.SsoRefused(
            "Your e-mail address is not on a verified domain of this organization, so it cannot sign in here.",
            reason="domain",
        )
    return email


def _apply_profile(session: Session, user: User, values: dict[str, Any], *, only_blanks: bool) -> list[str]:
    """Write the IdP's profile values (an existing user's own values stay); returns the
    fields dropped because they did not pass validation."""
    dropped: list[str] = []
    for name in ("given_name", "family_name", "name", "locale", "phone_number", "picture"):
        value = values.get(name)
        if value is None or (only_blanks and getattr(user, name)):
            continue
        try:
            checked = UserProfileInput.model_validate({name: str(value)})
        except ValidationError:
            dropped.append(name)
            continue
        setattr(user, name, getattr(checked, name))
    definitions = load_definitions(session)
    for target, value in values.items():
        if not target.startswith(rules.CUSTOM_PREFIX):
            continue
        key = target[len(rules.CUSTOM_PREFIX) :]
        try:
            user.custom_attributes = validate_custom_attributes(
                {key: value}, definitions, user.custom_attributes or {}, Requirement.NONE
            )
        except InvalidArgument:
            dropped.append(target)
    return dropped


def _record_refusal(ctx: Context, connection_id: str, answer: IdpAnswer) -> str:
    """The audit event (and webhook) of a JIT sign-in refused for want of a seat."""
    with ctx.uow() as uow:
        connection = uow.session.get(SsoConnection, connection_id)
        assert connection is not None
        org = repo.organization(uow.session, connection.organization_id)
        values = rules.mapped(answer.attributes, connection.attribute_mapping)
        events.record(
            uow.session,
            "user.sso_provisioning_refused",
            {
                "code": "organization_user_limit_reached",
                "connection_id": connection.id,
                "organization_id": org.id,
                "email": str(values.get("email") or ""),
                "subject": answer.subject,
            },
            ordering_key=f"organization:{org.id}",
            now=ctx.clock.now(),
            organization_id=org.id,
        )
        name = org.display_name
        uow.commit()
    return name
