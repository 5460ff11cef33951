from __future__ import annotations

from tenantry.server.http.api.v1 import routers, schemas
from tenantry.server.http.deps import Ctx
from tenantry.server.services.commands import AcceptInvitation
from tenantry.server.services.membership import invitations

router = routers.protected("invitations")
public_router = routers.public("invitations")


@router.patch("/invites/organizations/{organization_id}/users/{user_id}/resend", response_model=schemas.InviteEnvelope)
def resend_invitation(ctx: Ctx, organization_id: str, user_id: str) -> schemas.InviteEnvelope:
    """New single-use link (the old one dies) with a fresh expiry. An expired invitation
    needs a free seat."""
    return schemas.InviteEnvelope(invite=schemas.invite(invitations.resend(ctx, organization_id, user_id)))


@public_router.post("/invitations:accept", response_model=schemas.AcceptedInvitation)
def accept_invitation(ctx: Ctx, body: AcceptInvitation) -> schemas.AcceptedInvitation:
    """(public) Accept an invitation with the token from its link. Works while sign-up is disabled.
    Answers with the invitee's own profile and their membership in this organization only:
    the application's private fields (`metadata`, `external_id`) and the user's other
    organizations are not shown to whoever holds the link."""
    accepted = invitations.accept(ctx, body)
    return schemas.AcceptedInvitation(
        user=schemas.public_user(accepted.user, accepted.organization.id),
        organization=schemas.public_organization(accepted.organization),
    )
