"""Organization domains (SPEC §10): listing, DNS or application verification, one
organization per verified domain, and domain join (``off | suggest | auto``) through the
seat ledger.

A verified domain is claimed by writing ``verified_domain``; its unique index makes two
organizations verifying the same domain at once end with one owner (the loser gets
``already_exists``), on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import Membership, Organization, OrganizationDomain, User
from tenantry.server.domain import domains as rules
from tenantry.server.domain.domains import DomainJoin, DomainType, VerificationMethod
from tenantry.server.domain.errors import (
    AlreadyExists,
    FailedPrecondition,
    FieldError,
    NotFound,
    OrganizationUserLimitReached,
)
from tenantry.server.domain.ids import new_id
from tenantry.server.services.directory import dns_check, environment
from tenantry.server.services.integration import events
from tenantry.server.services.membership import ledger, lifecycle
from tenantry.server.services.read_models.domains import Domain, DomainSettings, domain

MAX_DOMAINS_PER_ORGANIZATION = 100


class DomainNotProved(FailedPrecondition):
    """The TXT record was not found (or held another value): the domain stays pending."""

    code = "domain_verification_failed"
    default_message = "The DNS TXT record that proves this domain was not found."


def _event(session: Session, event_type: str, row: OrganizationDomain, now: datetime) -> None:
    events.record(
        session,
        event_type,
        {"domain": domain(row).model_dump(mode="json")},
        ordering_key=f"organization:{row.organization_id}",
        now=now,
        organization_id=row.organization_id,
    )


def _row(session: Session, organization_id: str, domain_id: str, *, lock: bool = False) -> OrganizationDomain:
    stmt = select(OrganizationDomain).where(
        OrganizationDomain.id == domain_id, OrganizationDomain.organization_id == organization_id
    )
    found = session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise NotFound(f"No domain with id {domain_id!r} in this organization.")
    return found


def create(ctx: Context, organization_id: str, name: str, domain_type: DomainType) -> Domain:
    """Add a pending domain. Raises NotFound (organization), InvalidArgument (not a domain,
    free-mail, disposable), AlreadyExists (listed already here, or verified by another
    organization)."""
    normalized = rules.normalize_domain(name, "domain.domain")
    with ctx.uow() as uow:
        session = uow.session
        org = ledger.lock_organization(session, organization_id)
        now = ctx.clock.now()
        listed = session.scalar(
            select(func.count()).select_from(OrganizationDomain).where(OrganizationDomain.organization_id == org.id)
        )
        if (listed or 0) >= MAX_DOMAINS_PER_ORGANIZATION:
            raise FailedPrecondition(f"An organization lists at most {MAX_DOMAINS_PER_ORGANIZATION} domains.")
        _ensure_claimable(session, normalized, org.id)
        row = OrganizationDomain(
            id=new_id("dom"),
            organization_id=org.id,
            domain=normalized,
            domain_type=domain_type,
            verification_status="PENDING",
            verification_method=None,
            txt_record_secret=rules.new_challenge_token(),
            verified_domain=None,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        _event(session, "organization.domain_created", row, now)
        view = domain(row)
        uow.commit()
        return view


def _ensure_claimable(session: Session, name: str, organization_id: str) -> None:
    for other in session.scalars(select(OrganizationDomain).where(OrganizationDomain.domain == name)):
        if other.organization_id == organization_id:
            raise AlreadyExists(
                "This organization already lists this domain.",
                [FieldError("domain.domain", "already_exists", "already listed")],
            )
        if other.verified_domain is not None:
            raise AlreadyExists(
                "Another organization has verified this domain.",
                [FieldError("domain.domain", "already_exists", "verified by another organization")],
            )


def list_(ctx: Context, organization_id: str, domain_type: DomainType | None = None) -> list[Domain]:
    with ctx.uow(readonly=True) as uow:
        repo.organization(uow.session, organization_id)
        stmt = select(OrganizationDomain).where(OrganizationDomain.organization_id == organization_id)
        if domain_type is not None:
            stmt = stmt.where(OrganizationDomain.domain_type == domain_type)
        return [domain(row) for row in uow.session.scalars(stmt.order_by(OrganizationDomain.id))]


def get(ctx: Context, organization_id: str, domain_id: str) -> Domain:
    with ctx.uow(readonly=True) as uow:
        return domain(_row(uow.session, organization_id, domain_id))


def update(ctx: Context, organization_id: str, domain_id: str, domain_type: DomainType) -> Domain:
    with ctx.uow() as uow:
        row = _row(uow.session, organization_id, domain_id, lock=True)
        now = ctx.clock.now()
        if row.domain_type != domain_type:
            row.domain_type = domain_type
            row.updated_at = now
            _event(uow.session, "organization.domain_updated", row, now)
        view = domain(row)
        uow.commit()
        return view


def delete(ctx: Context, organization_id: str, domain_id: str) -> None:
    with ctx.uow() as uow:
        row = _row(uow.session, organization_id, domain_id, lock=True)
        _event(uow.session, "organization.domain_deleted", row, ctx.clock.now())
        uow.session.delete(row)
        uow.commit()


def verify(ctx: Context, organization_id: str, domain_id: str, method: VerificationMethod = "DNS") -> Domain:
    """Verify a domain: ``DNS`` looks for the TXT record now (raises DomainNotProved when it
    is missing, FailedPrecondition when the name servers do not answer); ``ADMIN`` takes the
    application's word for it. Raises AlreadyExists when another organization verified it
    first. Verifying a verified domain changes nothing."""
    with ctx.uow(readonly=True) as uow:
        row = _row(uow.session, organization_id, domain_id)
        name, token, status = row.domain, row.txt_record_secret, row.verification_status
    if status == "VERIFIED":
        return get(ctx, organization_id, domain_id)
    proved = True
    if method == "DNS":
        try:
            proved = rules.proves(dns_check.txt_values(ctx.settings, rules.challenge_name(name)), token)
        except dns_check.LookupFailed as exc:
            raise FailedPrecondition(f"The DNS servers did not answer; try again shortly ({exc}).") from None
    result = _record_check(ctx, organization_id, domain_id, proved, method)
    if not proved:
        raise DomainNotProved(
            f"No TXT record {rules.challenge_name(name)} with the value {token} was found. "
            "DNS changes can take a while to appear; try again later."
        )
    return result


def _record_check(
    ctx: Context, organization_id: str, domain_id: str, proved: bool, method: VerificationMethod
) -> Domain:
    with ctx.uow() as uow:
        session = uow.session
        row = _row(session, organization_id, domain_id, lock=True)
        now = ctx.clock.now()
        row.last_checked_at = now
        if proved and row.verification_status != "VERIFIED":
            row.verification_status = "VERIFIED"
            row.verification_method = method
            row.verified_domain = row.domain
            row.verified_at = now
            row.updated_at = now
            try:
                session.flush()
            except IntegrityError:
                raise AlreadyExists(
                    "Another organization has verified this domain.",
                    [FieldError("domain", "already_exists", "verified by another organization")],
                ) from None
            _event(session, "organization.domain_verified", row, now)
        elif not proved and method == "DNS":
            row.verification_status = "PENDING"
        view = domain(row)
        uow.commit()
        return view


def check_pending(ctx: Context, limit: int = 50) -> int:
    """The worker's periodic look at pending domains not checked for
    ``domain_check_interval_seconds``; returns how many became verified. Lookups that get no
    answer, or a domain claimed meanwhile by another organization, are skipped."""
    now = ctx.clock.now()
    due = now - timedelta(seconds=ctx.settings.domain_check_interval_seconds)
    with ctx.uow(readonly=True) as uow:
        rows = uow.session.execute(
            select(OrganizationDomain.organization_id, OrganizationDomain.id)
            .where(
                OrganizationDomain.verification_status == "PENDING",
                (OrganizationDomain.last_checked_at.is_(None)) | (OrganizationDomain.last_checked_at <= due),
            )
            .order_by(OrganizationDomain.last_checked_at.is_not(None), OrganizationDomain.last_checked_at)
            .limit(limit)
        ).all()
    verified = 0
    for organization_id, domain_id in rows:
        try:
            verify(ctx, organization_id, domain_id, "DNS")
            verified += 1
        except (DomainNotProved, FailedPrecondition, AlreadyExists, NotFound):
            continue
    return verified


def get_settings(ctx: Context, organization_id: str) -> DomainSettings:
    with ctx.uow(readonly=True) as uow:
        org = repo.organization(uow.session, organization_id)
        return DomainSettings(domain_join=org.domain_join, sso_required=org.sso_required)  # type: ignore[arg-type]


def update_settings(ctx: Context, organization_id: str, changes: dict[str, Any]) -> DomainSettings:
    """Partial update of ``domain_join`` / ``sso_required``."""
    with ctx.uow() as uow:
        org = ledger.lock_organization(uow.session, organization_id)
        now = ctx.clock.now()
        changed = False
        for key in ("domain_join", "sso_required"):
            if key in changes and changes[key] is not None and getattr(org, key) != changes[key]:
                setattr(org, key, changes[key])
                changed = True
        if changed:
            org.updated_at = now
            events.organization_event(uow.session, "organization.updated", org, now)
        result = DomainSettings(domain_join=org.domain_join, sso_required=org.sso_required)  # type: ignore[arg-type]
        uow.commit()
        return result


def owner_of(session: Session, email_or_domain: str) -> Organization | None:
    """The organization that verified the domain of this address (or this domain), if any."""
    name = rules.email_domain(email_or_domain) if "@" in email_or_domain else email_or_domain.lower()
    return session.scalar(
        select(Organization)
        .join(OrganizationDomain, OrganizationDomain.organization_id == Organization.id)
        .where(OrganizationDomain.verified_domain == name)
    )


def verified_domains(session: Session, organization_id: str) -> set[str]:
    return set(
        session.scalars(
            select(OrganizationDomain.verified_domain).where(
                OrganizationDomain.organization_id == organization_id, OrganizationDomain.verified_domain.is_not(None)
            )
        )
    )


@dataclass(frozen=True)
class Offer:
    """An organization a user may join by their address's domain."""

    organization_id: str
    display_name: str
    domain_join: DomainJoin


def offers(ctx: Context, user_id: str, wanted: DomainJoin = "suggest") -> list[Offer]:
    """Organizations that verified the domain of the user's (verified) address, with domain
    join at least ``wanted``, that the user has no membership in (of any status)."""
    with ctx.uow(readonly=True) as uow:
        return offers_in(uow.session, repo.user(uow.session, user_id), wanted)


def offers_in(session: Session, user: User | Any, wanted: DomainJoin = "suggest") -> list[Offer]:
    """``offers`` inside the caller's transaction (``user``: the model, or a row with its
    ``id``, ``email`` and ``email_verified``)."""
    session.flush()  # read on the connection: what this unit of work changed first
    values = {"domain": rules.email_domain(user.email), "user_id": user.id}
    org = session.connection().execute(_OFFER, values).first()
    if org is None or org.member or not rules.may_join_by_domain(user.email_verified, org.domain_join, wanted):
        return []
    return [Offer(org.id, org.display_name, org.domain_join)]


_ORGANIZATIONS = Organization.__table__.c
_DOMAINS = OrganizationDomain.__table__.c
_MEMBERSHIPS = Membership.__table__.c


def owner_columns(*columns: Any) -> Select[Any]:
    """A statement of ``columns`` of the organization that verified the domain bound as
    ``domain`` (``owner_of``'s), to build once and run on the connection (issue 18)."""
    owned = OrganizationDomain.__table__.join(Organization.__table__, _ORGANIZATIONS.id == _DOMAINS.organization_id)
    return select(*columns).select_from(owned).where(_DOMAINS.verified_domain == bindparam("domain"))


# ``owner_of`` and whether the user has a membership in it (``repo.find_membership``) in one
# statement: every sign-in on the hosted pages asks.
_OFFER = owner_columns(
    _ORGANIZATIONS.id,
    _ORGANIZATIONS.display_name,
    _ORGANIZATIONS.domain_join,
    exists()
    .where(_MEMBERSHIPS.organization_id == _ORGANIZATIONS.id, _MEMBERSHIPS.user_id == bindparam("user_id"))
    .label("member"),
)


def join(ctx: Context, user_id: str, organization_id: str, wanted: DomainJoin = "suggest") -> None:
    """Join an organization by the address's domain, with the default member role, taking a
    seat through the ledger. Re-checks everything under the locks. Raises NotFound (no such
    offer), AlreadyExists, OrganizationUserLimitReached."""
    with ctx.uow() as uow:
        session = uow.session
        user = ledger.lock_user(session, user_id)
        org = ledger.lock_organization(session, organization_id)
        owner = owner_of(session, user.email)
        if (
            owner is None
            or owner.id != org.id
            or not rules.may_join_by_domain(
                user.email_verified,
                org.domain_join,  # type: ignore[arg-type]
                wanted,
            )
        ):
            raise NotFound("This organization is not open to your e-mail domain.")
        lifecycle.start(
            ctx,
            uow,
            org,
            user,
            None,  # the environment's default member role
            invite=False,
            inviter_email=None,
            settings=environment.load(session),
            method="domain",
        )
        uow.commit()


def join_automatically(ctx: Context, user_id: str, found: list[Offer] | None = None) -> list[str]:
    """At sign-in: join every ``auto`` organization the user's verified address qualifies
    for; a full organization is skipped (the user keeps everything else). Returns the ids
    of the organizations joined. ``found``: the ``auto`` offers the caller already read."""
    joined = []
    for offer in offers(ctx, user_id, "auto") if found is None else found:
        try:
            join(ctx, user_id, offer.organization_id, "auto")
        except (OrganizationUserLimitReached, AlreadyExists, NotFound):
            continue
        joined.append(offer.organization_id)
    return joined
