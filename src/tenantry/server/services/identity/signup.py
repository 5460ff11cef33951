"""Self-service sign-up (SPEC §1): a new user and a new organization they own."""

from __future__ import annotations

from dataclasses import dataclass

from tenantry.server.context import Context
from tenantry.server.domain.attributes import Requirement
from tenantry.server.domain.errors import SignupDisabled
from tenantry.server.domain.passwords import check_password_policy, hash_password
from tenantry.server.services.commands import SignUp
from tenantry.server.services.directory import environment, organizations
from tenantry.server.services.identity import users
from tenantry.server.services.integration import actors, events
from tenantry.server.services.read_models.views import OrganizationView, UserView, organization_view, user_view


@dataclass(frozen=True)
class SignedUp:
    user: UserView
    organization: OrganizationView


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
        result = SignedUp(user_view(uow.session, user, now), organization_view(org))
        uow.commit()
        return result


def default_organization_name(owner: str, meta_singular: str) -> str:
    return f"{owner}'s {meta_singular}"[:200]
