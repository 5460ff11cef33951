"""``tenantry.Client``: the management API from Python, one call per operation.

It gets and renews its client-credentials token itself, raises the API's errors as typed
exceptions (``OrganizationUserLimitReached``…), walks cursor pagination with iterators,
and retries idempotent calls with exponential backoff on 429/503 and connection errors.
It never imports server code: httpx and pydantic are all it needs.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from tenantry.sdk.errors import Unauthenticated, error_from
from tenantry.sdk.models import (
    Application,
    Email,
    EnvironmentSettings,
    Invite,
    Organization,
    SignedUp,
    User,
    UserAttribute,
    UserManagement,
)

M = TypeVar("M", bound=BaseModel)
IDEMPOTENT = {"GET", "HEAD", "PUT", "DELETE"}
RETRY_STATUSES = {429, 503}
_UNSET: Any = object()


def _given(**fields: Any) -> dict[str, Any]:
    """The keyword arguments the caller actually passed (``None`` included: it clears)."""
    return {name: value for name, value in fields.items() if value is not _UNSET}


class Client:
    """A client of one Tenantry environment's management API.

    ``Client("https://auth.example.com", client_id, client_secret)``; use as a context
    manager or call ``close()``.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.25,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)
        self._credentials = (client_id, client_secret)
        self._retries, self._backoff = retries, backoff
        self._token: str | None = None
        self._token_expires = 0.0
        self.organizations = Organizations(self)
        self.users = Users(self)
        self.memberships = Memberships(self)
        self.invitations = Invitations(self)
        self.settings = Settings(self)
        self.attributes = Attributes(self)
        self.applications = Applications(self)
        self.emails = Emails(self)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- transport ---------------------------------------------------------------------

    def _bearer(self, renew: bool = False) -> str:
        if renew or self._token is None or time.monotonic() > self._token_expires - 30:
            client_id, secret = self._credentials
            body = self.request(
                "POST",
                "/oauth/token",
                auth=False,
                form={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
            )
            self._token = str(body["access_token"])
            self._token_expires = time.monotonic() + float(body.get("expires_in", 300))
        return self._token

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        form: Mapping[str, str] | None = None,
        auth: bool = True,
    ) -> Any:
        """Send one API call and return its parsed JSON; raise the typed error otherwise."""
        renewed = False
        attempt = 0
        while True:
            headers = {"Authorization": f"Bearer {self._bearer()}"} if auth else {}
            try:
                response = self._http.request(method, path, params=params, json=json, data=form, headers=headers)
            except httpx.TransportError:
                if method not in IDEMPOTENT or attempt >= self._retries:
                    raise
                attempt += 1
                time.sleep(self._backoff * 2 ** (attempt - 1))
                continue
            if response.status_code in RETRY_STATUSES and method in IDEMPOTENT and attempt < self._retries:
                attempt += 1
                time.sleep(self._retry_delay(response, attempt))
                continue
            if response.status_code == 401 and auth and not renewed:  # expired or revoked token: renew once
                renewed = True
                self._bearer(renew=True)
                continue
            return self._result(response)

    def _retry_delay(self, response: httpx.Response, attempt: int) -> float:
        retry_after = response.headers.get("retry-after", "")
        return min(float(retry_after), 30.0) if retry_after.isdigit() else self._backoff * 2 ** (attempt - 1)

    @staticmethod
    def _result(response: httpx.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if response.status_code >= 400:
            error = error_from(response.status_code, body)
            if response.status_code == 401 and not isinstance(error, Unauthenticated):
                raise Unauthenticated(401, "unauthenticated", str(body)[:500])
            raise error
        return body

    def get(self, path: str, model: type[M], key: str, **params: Any) -> M:
        return model.model_validate(self.request("GET", path, params=params or None)[key])

    def pages(
        self, path: str, model: type[M], key: str, params: Mapping[str, Any] | None = None, page_size: int = 100
    ) -> Iterator[M]:
        """Every item of a paginated list, fetched a page at a time as the iterator advances."""
        query = {**(params or {}), "page_size": page_size}
        while True:
            body = self.request("GET", path, params=query)
            yield from (model.model_validate(item) for item in body[key])
            if not body.get("next_page_token"):
                return
            query["page_token"] = body["next_page_token"]

    def signup(
        self,
        email: str,
        password: str,
        *,
        user_profile: Mapping[str, Any] | None = None,
        organization_name: str | None = None,
    ) -> SignedUp:
        """Headless sign-up (public): a new user and an organization they own."""
        body: dict[str, Any] = {"email": email, "password": password, "user_profile": dict(user_profile or {})}
        if organization_name:
            body["organization"] = {"display_name": organization_name}
        return SignedUp.model_validate(self.request("POST", "/api/v1/signup", json=body, auth=False))


class _Resource:
    def __init__(self, client: Client) -> None:
        self._c = client


class Organizations(_Resource):
    def create(
        self,
        display_name: str,
        *,
        external_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        created_by_user_id: str | None = None,
    ) -> Organization:
        body = {
            "display_name": display_name,
            "external_id": external_id,
            "metadata": dict(metadata or {}),
            "created_by_user_id": created_by_user_id,
        }
        return Organization.model_validate(self._c.request("POST", "/api/v1/organizations", json=body)["organization"])

    def get(self, organization_id: str) -> Organization:
        return self._c.get(f"/api/v1/organizations/{organization_id}", Organization, "organization")

    def get_by_external_id(self, external_id: str) -> Organization:
        return self._c.get(f"/api/v1/organizations:external/{external_id}", Organization, "organization")

    def list(self, *, page_size: int = 100) -> Iterator[Organization]:
        return self._c.pages("/api/v1/organizations", Organization, "organizations", page_size=page_size)

    def update(
        self,
        organization_id: str,
        *,
        display_name: str = _UNSET,
        external_id: str | None = _UNSET,
        metadata: Mapping[str, Any] = _UNSET,
    ) -> Organization:
        body = _given(display_name=display_name, external_id=external_id, metadata=metadata)
        path = f"/api/v1/organizations/{organization_id}"
        return Organization.model_validate(self._c.request("PATCH", path, json=body)["organization"])

    def delete(self, organization_id: str) -> None:
        self._c.request("DELETE", f"/api/v1/organizations/{organization_id}")

    def get_user_management(self, organization_id: str) -> UserManagement:
        body = self._c.request("GET", f"/api/v1/organizations/{organization_id}/settings/usermanagement")
        return UserManagement(max_allowed_users=body["settings"]["max_allowed_users"], seats_used=body["seats_used"])

    def set_max_allowed_users(self, organization_id: str, max_allowed_users: int | None) -> UserManagement:
        body = self._c.request(
            "PATCH",
            f"/api/v1/organizations/{organization_id}/settings/usermanagement",
            json={"settings": {"max_allowed_users": max_allowed_users}},
        )
        return UserManagement(max_allowed_users=body["settings"]["max_allowed_users"], seats_used=body["seats_used"])


def _roles(roles: Iterable[str]) -> list[dict[str, str]]:
    return [{"name": role} for role in roles]


def _attribute_filters(custom_attributes: Mapping[str, Any] | None) -> dict[str, str]:
    def text(value: Any) -> str:
        return ("true" if value else "false") if isinstance(value, bool) else str(value)

    return {f"custom_attributes.{key}": text(value) for key, value in (custom_attributes or {}).items()}


class Users(_Resource):
    def create_in_organization(
        self,
        organization_id: str,
        email: str,
        *,
        send_invitation_email: bool = True,
        roles: Iterable[str] = ("member",),
        inviter_email: str | None = None,
        external_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        user_profile: Mapping[str, Any] | None = None,
    ) -> User:
        """Create (or take the existing user with this e-mail) and add to the organization:
        invited (PENDING_INVITE) by default, ACTIVE with ``send_invitation_email=False``."""
        body: dict[str, Any] = {
            "email": email,
            "external_id": external_id,
            "metadata": dict(metadata or {}),
            "membership": {"roles": _roles(roles), "inviter_email": inviter_email},
        }
        if user_profile is not None:
            body["user_profile"] = dict(user_profile)
        response = self._c.request(
            "POST",
            f"/api/v1/organizations/{organization_id}/users",
            json=body,
            params={"send_invitation_email": str(send_invitation_email).lower()},
        )
        return User.model_validate(response["user"])

    def get(self, user_id: str) -> User:
        return self._c.get(f"/api/v1/users/{user_id}", User, "user")

    def get_by_external_id(self, external_id: str) -> User:
        return self._c.get(f"/api/v1/users:external/{external_id}", User, "user")

    def list(self, *, custom_attributes: Mapping[str, Any] | None = None, page_size: int = 100) -> Iterator[User]:
        """All users, or those whose custom attributes equal every given value."""
        return self._c.pages("/api/v1/users", User, "users", _attribute_filters(custom_attributes), page_size)

    def list_in_organization(
        self, organization_id: str, *, custom_attributes: Mapping[str, Any] | None = None, page_size: int = 100
    ) -> Iterator[User]:
        return self._c.pages(
            f"/api/v1/organizations/{organization_id}/users",
            User,
            "users",
            _attribute_filters(custom_attributes),
            page_size,
        )

    def update(
        self,
        user_id: str,
        *,
        external_id: str | None = _UNSET,
        metadata: Mapping[str, Any] = _UNSET,
        user_profile: Mapping[str, Any] = _UNSET,
    ) -> User:
        body = _given(external_id=external_id, metadata=metadata, user_profile=user_profile)
        return User.model_validate(self._c.request("PATCH", f"/api/v1/users/{user_id}", json=body)["user"])

    def delete(self, user_id: str) -> None:
        self._c.request("DELETE", f"/api/v1/users/{user_id}")


class Memberships(_Resource):
    def _path(self, organization_id: str, user_id: str) -> str:
        return f"/api/v1/memberships/organizations/{organization_id}/users/{user_id}"

    def create(
        self,
        organization_id: str,
        user_id: str,
        *,
        roles: Iterable[str] = ("member",),
        inviter_email: str | None = None,
        send_invitation_email: bool = True,
    ) -> User:
        body = {"roles": _roles(roles), "inviter_email": inviter_email}
        response = self._c.request(
            "POST",
            self._path(organization_id, user_id),
            json=body,
            params={"send_invitation_email": str(send_invitation_email).lower()},
        )
        return User.model_validate(response["user"])

    def update(self, organization_id: str, user_id: str, *, roles: Iterable[str]) -> User:
        response = self._c.request("PATCH", self._path(organization_id, user_id), json={"roles": _roles(roles)})
        return User.model_validate(response["user"])

    def delete(self, organization_id: str, user_id: str) -> None:
        """Remove the member; for a pending membership, revoke the invitation."""
        self._c.request("DELETE", self._path(organization_id, user_id))


class Invitations(_Resource):
    def resend(self, organization_id: str, user_id: str) -> Invite:
        path = f"/api/v1/invites/organizations/{organization_id}/users/{user_id}/resend"
        return Invite.model_validate(self._c.request("PATCH", path)["invite"])

    def accept(
        self, token: str, *, password: str | None = None, user_profile: Mapping[str, Any] | None = None
    ) -> SignedUp:
        body: dict[str, Any] = {"token": token}
        if password is not None:
            body["password"] = password
        if user_profile is not None:
            body["user_profile"] = dict(user_profile)
        return SignedUp.model_validate(self._c.request("POST", "/api/v1/invitations:accept", json=body, auth=False))


class Settings(_Resource):
    def get(self) -> EnvironmentSettings:
        return self._c.get("/api/v1/environment/settings", EnvironmentSettings, "settings")

    def update(self, **changes: Any) -> EnvironmentSettings:
        """Partial update, e.g. ``update(signup_enabled=False, max_organizations_per_user=None)``."""
        body = self._c.request("PATCH", "/api/v1/environment/settings", json=changes)
        return EnvironmentSettings.model_validate(body["settings"])


class Attributes(_Resource):
    def list(self) -> list[UserAttribute]:
        body = self._c.request("GET", "/api/v1/user-attributes")
        return [UserAttribute.model_validate(item) for item in body["user_attributes"]]

    def create(self, key: str, display_name: str, type: str, **fields: Any) -> UserAttribute:
        body = {"key": key, "display_name": display_name, "type": type, **fields}
        return UserAttribute.model_validate(
            self._c.request("POST", "/api/v1/user-attributes", json=body)["user_attribute"]
        )

    def get(self, key: str) -> UserAttribute:
        return self._c.get(f"/api/v1/user-attributes/{key}", UserAttribute, "user_attribute")

    def update(self, key: str, *, force: bool = False, **changes: Any) -> tuple[UserAttribute, int]:
        """Returns the definition and how many stored values ``force`` cleared."""
        body = self._c.request(
            "PATCH", f"/api/v1/user-attributes/{key}", json=changes, params={"force": "true"} if force else None
        )
        return UserAttribute.model_validate(body["user_attribute"]), int(body["values_cleared"])

    def delete(self, key: str) -> int:
        """Delete the definition; returns how many profiles had a value (now removed)."""
        return int(self._c.request("DELETE", f"/api/v1/user-attributes/{key}")["values_removed"])


class Applications(_Resource):
    def create(
        self,
        name: str,
        redirect_uris: Iterable[str],
        *,
        public: bool = False,
        post_logout_redirect_uris: Iterable[str] = (),
    ) -> tuple[Application, str | None]:
        """Register an OIDC application; returns it and its secret (None for public apps)."""
        body = {
            "name": name,
            "type": "public" if public else "confidential",
            "redirect_uris": list(redirect_uris),
            "post_logout_redirect_uris": list(post_logout_redirect_uris),
        }
        response = self._c.request("POST", "/api/v1/applications", json=body)
        return Application.model_validate(response["application"]), response["client_secret"]

    def list(self) -> list[Application]:
        body = self._c.request("GET", "/api/v1/applications")
        return [Application.model_validate(item) for item in body["applications"]]

    def get(self, application_id: str) -> Application:
        return self._c.get(f"/api/v1/applications/{application_id}", Application, "application")

    def update(self, application_id: str, **changes: Any) -> Application:
        body = self._c.request("PATCH", f"/api/v1/applications/{application_id}", json=changes)
        return Application.model_validate(body["application"])

    def rotate_secret(self, application_id: str) -> str:
        return str(self._c.request("POST", f"/api/v1/applications/{application_id}:rotate-secret")["client_secret"])

    def delete(self, application_id: str) -> None:
        self._c.request("DELETE", f"/api/v1/applications/{application_id}")


class Emails(_Resource):
    def list(self, *, to: str | None = None, page_size: int = 100) -> Iterator[Email]:
        """The outbox (whole messages without SMTP; envelopes with it)."""
        return self._c.pages("/api/v1/emails", Email, "emails", {"to": to} if to else None, page_size)
