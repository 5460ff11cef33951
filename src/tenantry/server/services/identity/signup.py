"""Self-service sign-up (SPEC §1): a new user and a new organization they own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain.attributes import Requirement
from tenantry.server.domain.environment import EnvironmentSettings
from tenantry.server.domain.errors import AlreadyExists, SignupDisabled
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.passwords import check_password_policy, hash_like, hash_password
from tenantry.server.services.commands import SignUp
from tenantry.server.services.directory import environment, organizations
from tenantry.server.services.identity import pending_signups, users
from tenantry.server.services.integration import actors, events
from tenantry.server.services.read_models.views import OrganizationView, UserView, organization_view, user_view


@dataclass(frozen=True)
class SignedUp:
    user: UserView
    organization: OrganizationView


@dataclass(frozen=True)
class AlreadyRegistered:
    """A hosted sign-up with an address that has an account: nothing was created, a pending
    sign-up was recorded instead (pending_signups.py); ``pending_id`` is what the page's
    sign-up cookie names, as it names a new account's id."""

    pending_id: str


def sign_up_hosted(ctx: Context, command: SignUp) -> SignedUp | AlreadyRegistered:
    """The hosted page's sign-up: ``sign_up`` for a new address; for a registered one the
    same checks (sign-up open, password policy, attributes) and one password hash, then a
    pending sign-up instead of an error, so that neither this answer nor a later log-in
    with the password typed tells the two apart. Raises as ``sign_up``, but AlreadyExists."""
    if not environment.get_settings(ctx).signup_enabled:
        raise SignupDisabled()
    check_password_policy(command.password)
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        existing = repo.user_by_email(uow.session, command.email)
        existing_id = existing.id if existing else None
        own_password_counts = existing is not None and not existing.email_verified and bool(existing.password_hash)
        pending = pending_signups.live(ctx, uow.session, existing_id, command.email, now)  # for any address
        # a registered one's: its hash's salt, so that log-in checks both in one computation
        reference = (existing.password_hash if existing else None) or (pending[0].password_hash if pending else None)
    if existing_id is None:
        try:
            return sign_up(ctx, command)
        except AlreadyExists:  # registered meanwhile (a concurrent twin): a pending sign-up then
            return sign_up_hosted(ctx, command)
    password_hash = hash_like(command.password, reference) if reference else hash_password(command.password)
    with ctx.uow() as uow:
        settings = environment.load(uow.session)
        if not settings.signup_enabled:
            raise SignupDisabled()
        # what a new address's sign-up does, undone (raises as it would: attributes, names)
        _stand_in_sign_up(ctx, uow, command, password_hash, settings, now)
        pending_id = pending_signups.note(
            ctx, uow.session, existing_id, command.email, password_hash, now, own_password_counts=own_password_counts
        )
        uow.commit()
    return AlreadyRegistered(pending_id)


def sign_up(ctx: Context, command: SignUp) -> SignedUp:
    """Create the user (with a password) and an organization where they are admin.

    Raises SignupDisabled, AlreadyExists (e-mail), InvalidArgument and
    OrganizationCreationLimitReached; on any error nothing is written.
    """
    if not environment.get_settings(ctx).signup_enabled:
        raise SignupDisabled()  # checked first so a closed sign-up costs no password hash
    check_password_policy(command.password)
    password_hash = hash_password(command.password)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        settings = environment.load(uow.session)
        if not settings.signup_enabled:
            raise SignupDisabled()
        result = _create(ctx, uow, command, password_hash, settings, now)
        uow.commit()
        return result


def _create(
    ctx: Context, uow: UnitOfWork, command: SignUp, password_hash: str, settings: EnvironmentSettings, now: datetime
) -> SignedUp:
    user = users.new_user(uow.session, command.email, None, {}, command.user_profile, now, Requirement.SIGNUP)
    user.password_hash = password_hash
    name = (
        command.organization.display_name
        if command.organization
        else default_organization_name(
            user.given_name or user.name or command.email.split("@")[0], settings.organization_meta_name.singular
        )
    )
    with actors.acting_as(actors.user(user.id)):  # self-service: the new user is the actor
        events.user_event(uow.session, "user.signup", user, now)  # first: later events refer to the user
        org = organizations.insert(ctx, uow, name, None, {}, user, settings, now, method="signup")
    return SignedUp(user_view(uow.session, user, now), organization_view(org))


def _stand_in_sign_up(
    ctx: Context, uow: UnitOfWork, command: SignUp, password_hash: str, settings: EnvironmentSettings, now: datetime
) -> None:
    """The statements a new address's sign-up runs (account, organization, membership, the
    events' INSERT its commit would run), for an address nobody can have, then undone
    (a savepoint rolled back): the answer to a registered address must cost what a new one's
    does, or its time tells them apart (bench/RESULTS.md). Like ``login.stand_in`` for mail."""
    stand_in = command.model_copy(update={"email": f"{new_id('usr').lower()}@stand-in.invalid"})
    savepoint = uow.session.begin_nested()
    try:
        _create(ctx, uow, stand_in, password_hash, settings, now)
        events.write_pending(uow.session)
    finally:
        savepoint.rollback()
        events.forget_pending(uow.session)


def default_organization_name(owner: str, meta_singular: str) -> str:
    return f"{owner}'s {meta_singular}"[:200]
