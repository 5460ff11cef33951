"""The management API's operations, each described once as a request (see ``calls``).

A resource method builds the ``Call`` and hands it to its client's runner: ``Client``
returns the result, ``AsyncClient`` an awaitable of it (and async iterators for lists).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol, TypeVar

from tenantry.sdk.calls import Call, PageCall, nothing, one
from tenantry.sdk.models import (
    Email,
    Invite,
    Organization,
    SignedUp,
    User,
    UserManagement,
)

T = TypeVar("T")
UNSET: Any = object()


class Runner(Protocol):
    """Executes descriptions. Typed as the sync client; the async one returns awaitables."""

    def run(self, call: Call[T]) -> T: ...

    def pages(self, call: PageCall[Any]) -> Iterator[Any]: ...


def given(**fields: Any) -> dict[str, Any]:
    """The keyword arguments the caller actually passed (``None`` included: it clears)."""
    return {name: value for name, value in fields.items() if value is not UNSET}


def roles_body(roles: Iterable[str]) -> list[dict[str, str]]:
    return [{"name": role} for role in roles]


def membership_body(roles: Iterable[str], inviter_email: str | None) -> dict[str, Any]:
    """A new membership: no roles named = the environment's default member role."""
    body: dict[str, Any] = {"inviter_email": inviter_email}
    if named := roles_body(roles):
        body["roles"] = named
    return body


def flag(value: bool) -> str:
    return "true" if value else "false"


def attribute_filters(custom_attributes: Mapping[str, Any] | None) -> dict[str, str]:
    def text(value: Any) -> str:
        return flag(value) if isinstance(value, bool) else str(value)

    return {f"custom_attributes.{key}": text(value) for key, value in (custom_attributes or {}).items()}


class Resource:
    def __init__(self, runner: Runner) -> None:
        self._r = runner


def _user_management(body: Any) -> UserManagement:
    return UserManagement(max_allowed_users=body["settings"]["max_allowed_users"], seats_used=body["seats_used"])


class Organizations(Resource):
    def create(
        self,
        display_name: str,
        *,
        external_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        created_by_user_id: str | None = None,
    ) -> Organization:
        """Create an organization; with ``created_by_user_id`` on that user's behalf (counts
        toward their creation limit, and they become its admin)."""
        body = {
            "display_name": display_name,
            "external_id": external_id,
            "metadata": dict(metadata or {}),
            "created_by_user_id": created_by_user_id,
        }
        return self._r.run(Call("POST", "/api/v1/organizations", one(Organization, "organization"), json=body))

    def get(self, organization_id: str) -> Organization:
        return self._r.run(Call("GET", f"/api/v1/organizations/{organization_id}", one(Organization, "organization")))

    def get_by_external_id(self, external_id: str) -> Organization:
        path = f"/api/v1/organizations:external/{external_id}"
        return self._r.run(Call("GET", path, one(Organization, "organization")))

    def list(self, *, page_size: int = 100) -> Iterator[Organization]:
        return self._r.pages(PageCall("/api/v1/organizations", "organizations", Organization, page_size=page_size))

    def update(
        self,
        organization_id: str,
        *,
        display_name: str = UNSET,
        external_id: str | None = UNSET,
        metadata: Mapping[str, Any] = UNSET,
    ) -> Organization:
        """Change only the fields given (``external_id=None`` clears it)."""
        body = given(display_name=display_name, external_id=external_id, metadata=metadata)
        path = f"/api/v1/organizations/{organization_id}"
        return self._r.run(Call("PATCH", path, one(Organization, "organization"), json=body))

    def delete(self, organization_id: str) -> None:
        return self._r.run(Call("DELETE", f"/api/v1/organizations/{organization_id}", nothing))

    def get_user_management(self, organization_id: str) -> UserManagement:
        path = f"/api/v1/organizations/{organization_id}/settings/usermanagement"
        return self._r.run(Call("GET", path, _user_management))

    def set_max_allowed_users(self, organization_id: str, max_allowed_users: int | None) -> UserManagement:
        """``None`` or ``0``: no limit."""
        path = f"/api/v1/organizations/{organization_id}/settings/usermanagement"
        body = {"settings": {"max_allowed_users": max_allowed_users}}
        return self._r.run(Call("PATCH", path, _user_management, json=body))


class Users(Resource):
    def create_in_organization(
        self,
        organization_id: str,
        email: str,
        *,
        send_invitation_email: bool = True,
        roles: Iterable[str] = (),
        inviter_email: str | None = None,
        external_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        user_profile: Mapping[str, Any] | None = None,
    ) -> User:
        """Create (or take the existing user with this e-mail) and add to the organization:
        invited (PENDING_INVITE) by default, ACTIVE with ``send_invitation_email=False``.
        ``roles`` left empty: the environment's default member role."""
        body: dict[str, Any] = {
            "email": email,
            "external_id": external_id,
            "metadata": dict(metadata or {}),
            "membership": membership_body(roles, inviter_email),
        }
        if user_profile is not None:
            body["user_profile"] = dict(user_profile)
        path = f"/api/v1/organizations/{organization_id}/users"
        params = {"send_invitation_email": flag(send_invitation_email)}
        return self._r.run(Call("POST", path, one(User, "user"), json=body, params=params))

    def get(self, user_id: str) -> User:
        return self._r.run(Call("GET", f"/api/v1/users/{user_id}", one(User, "user")))

    def get_by_external_id(self, external_id: str) -> User:
        return self._r.run(Call("GET", f"/api/v1/users:external/{external_id}", one(User, "user")))

    def list(self, *, custom_attributes: Mapping[str, Any] | None = None, page_size: int = 100) -> Iterator[User]:
        """All users, or those whose custom attributes equal every given value."""
        return self._r.pages(PageCall("/api/v1/users", "users", User, attribute_filters(custom_attributes), page_size))

    def list_in_organization(
        self, organization_id: str, *, custom_attributes: Mapping[str, Any] | None = None, page_size: int = 100
    ) -> Iterator[User]:
        path = f"/api/v1/organizations/{organization_id}/users"
        return self._r.pages(PageCall(path, "users", User, attribute_filters(custom_attributes), page_size))

    def update(
        self,
        user_id: str,
        *,
        external_id: str | None = UNSET,
        metadata: Mapping[str, Any] = UNSET,
        user_profile: Mapping[str, Any] = UNSET,
    ) -> User:
        """Change only what is given; profile fields merge (a ``None`` clears one), and custom
        attributes merge into the stored ones."""
        body = given(external_id=external_id, metadata=metadata, user_profile=user_profile)
        return self._r.run(Call("PATCH", f"/api/v1/users/{user_id}", one(User, "user"), json=body))

    def delete(self, user_id: str) -> None:
        return self._r.run(Call("DELETE", f"/api/v1/users/{user_id}", nothing))


class Memberships(Resource):
    @staticmethod
    def _path(organization_id: str, user_id: str) -> str:
        return f"/api/v1/memberships/organizations/{organization_id}/users/{user_id}"

    def create(
        self,
        organization_id: str,
        user_id: str,
        *,
        roles: Iterable[str] = (),
        inviter_email: str | None = None,
        send_invitation_email: bool = True,
        metadata: Mapping[str, Any] | None = None,
    ) -> User:
        """``roles`` left empty: the environment's default member role."""
        body = membership_body(roles, inviter_email)
        if metadata is not None:
            body["metadata"] = dict(metadata)
        params = {"send_invitation_email": flag(send_invitation_email)}
        path = self._path(organization_id, user_id)
        return self._r.run(Call("POST", path, one(User, "user"), json=body, params=params))

    def update(
        self,
        organization_id: str,
        user_id: str,
        *,
        roles: Iterable[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> User:
        """Replace the member's roles and/or metadata (what is passed)."""
        body: dict[str, Any] = {}
        if roles is not None:
            body["roles"] = roles_body(roles)
        if metadata is not None:
            body["metadata"] = dict(metadata)
        return self._r.run(Call("PATCH", self._path(organization_id, user_id), one(User, "user"), json=body))

    def delete(self, organization_id: str, user_id: str) -> None:
        """Remove the member; for a pending membership, revoke the invitation."""
        return self._r.run(Call("DELETE", self._path(organization_id, user_id), nothing))


class Invitations(Resource):
    def resend(self, organization_id: str, user_id: str) -> Invite:
        path = f"/api/v1/invites/organizations/{organization_id}/users/{user_id}/resend"
        return self._r.run(Call("PATCH", path, one(Invite, "invite")))

    def accept(
        self, token: str, *, password: str | None = None, user_profile: Mapping[str, Any] | None = None
    ) -> SignedUp:
        """Accept an invitation (public: needs no API token)."""
        body: dict[str, Any] = {"token": token}
        if password is not None:
            body["password"] = password
        if user_profile is not None:
            body["user_profile"] = dict(user_profile)
        return self._r.run(Call("POST", "/api/v1/invitations:accept", SignedUp.model_validate, json=body, auth=False))


class Emails(Resource):
    def list(self, *, to: str | None = None, page_size: int = 100) -> Iterator[Email]:
        """The outbox (whole messages without SMTP; envelopes with it)."""
        return self._r.pages(PageCall("/api/v1/emails", "emails", Email, {"to": to} if to else {}, page_size))


def signup_call(
    email: str, password: str, user_profile: Mapping[str, Any] | None, organization_name: str | None
) -> Call[SignedUp]:
    body: dict[str, Any] = {"email": email, "password": password, "user_profile": dict(user_profile or {})}
    if organization_name:
        body["organization"] = {"display_name": organization_name}
    return Call("POST", "/api/v1/signup", SignedUp.model_validate, json=body, auth=False)
