"""What tokens and /userinfo say about a user (OpenID Connect Core §5.1)."""

from __future__ import annotations

from typing import Any

from tenantry.server.domain.memberships import MembershipStatus
from tenantry.server.services.read_models.views import UserView

SCOPES = ("openid", "profile", "email", "offline_access")


def user_claims(
    user: UserView, scope: str, organization_id: str | None, session_id: str | None, attributes_claim: str
) -> dict[str, Any]:
    """Claims for the ID token and /userinfo: ``sub`` always; name fields with ``profile``;
    address with ``email``; the current organization (``oid``), session (``sid``) and
    custom attributes (under ``attributes_claim``)."""
    scopes = set(scope.split())
    claims: dict[str, Any] = {"sub": user.id}
    if "profile" in scopes:
        for name in ("name", "given_name", "family_name", "picture", "locale"):
            if user.profile.get(name):
                claims[name] = user.profile[name]
        if "name" not in claims and (user.profile.get("given_name") or user.profile.get("family_name")):
            claims["name"] = " ".join(filter(None, [user.profile.get("given_name"), user.profile.get("family_name")]))
        claims[attributes_claim] = dict(user.custom_attributes)
    if "email" in scopes:
        claims["email"] = user.email
        claims["email_verified"] = user.email_verified
    if organization_id:
        claims["oid"] = organization_id
    if session_id:
        claims["sid"] = session_id
    return claims


def roles_in(user: UserView, organization_id: str | None) -> list[str]:
    """The user's role names in the organization, if they are an active member of it."""
    for membership in user.memberships:
        if membership.organization_id == organization_id and membership.status is MembershipStatus.ACTIVE:
            return membership.role_names
    return []
