"""Operations on the environment's configuration: settings, attribute definitions, OIDC
applications, management API clients and signing keys (described once, see ``calls``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tenantry.sdk.calls import Call, many, nothing, one
from tenantry.sdk.models import ApiClient, Application, EnvironmentSettings, UserAttribute
from tenantry.sdk.resources import Resource


class Settings(Resource):
    def get(self) -> EnvironmentSettings:
        return self._r.run(Call("GET", "/api/v1/environment/settings", one(EnvironmentSettings, "settings")))

    def update(self, **changes: Any) -> EnvironmentSettings:
        """Partial update, e.g. ``update(signup_enabled=False, max_organizations_per_user=None)``."""
        parse = one(EnvironmentSettings, "settings")
        return self._r.run(Call("PATCH", "/api/v1/environment/settings", parse, json=changes))


def _changed(body: Any) -> tuple[UserAttribute, int]:
    return UserAttribute.model_validate(body["user_attribute"]), int(body["values_cleared"])


class Attributes(Resource):
    def list(self) -> list[UserAttribute]:
        return self._r.run(Call("GET", "/api/v1/user-attributes", many(UserAttribute, "user_attributes")))

    def create(self, key: str, display_name: str, type: str, **fields: Any) -> UserAttribute:
        """Define an attribute; ``fields``: description, required, collect_on_signup,
        user_editable, options, min_length, max_length, minimum, maximum, pattern."""
        body = {"key": key, "display_name": display_name, "type": type, **fields}
        return self._r.run(Call("POST", "/api/v1/user-attributes", one(UserAttribute, "user_attribute"), json=body))

    def get(self, key: str) -> UserAttribute:
        return self._r.run(Call("GET", f"/api/v1/user-attributes/{key}", one(UserAttribute, "user_attribute")))

    def update(self, key: str, *, force: bool = False, **changes: Any) -> tuple[UserAttribute, int]:
        """Returns the definition and how many stored values ``force`` cleared."""
        params = {"force": "true"} if force else None
        return self._r.run(Call("PATCH", f"/api/v1/user-attributes/{key}", _changed, json=changes, params=params))

    def delete(self, key: str) -> int:
        """Delete the definition; returns how many profiles had a value (now removed)."""
        path = f"/api/v1/user-attributes/{key}"
        return self._r.run(Call("DELETE", path, lambda body: int(body["values_removed"])))


def _with_secret(body: Any) -> tuple[Application, str | None]:
    return Application.model_validate(body["application"]), body["client_secret"]


class Applications(Resource):
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
        return self._r.run(Call("POST", "/api/v1/applications", _with_secret, json=body))

    def list(self) -> list[Application]:
        return self._r.run(Call("GET", "/api/v1/applications", many(Application, "applications")))

    def get(self, application_id: str) -> Application:
        return self._r.run(Call("GET", f"/api/v1/applications/{application_id}", one(Application, "application")))

    def update(self, application_id: str, **changes: Any) -> Application:
        """Partial update: name, redirect_uris, post_logout_redirect_uris."""
        path = f"/api/v1/applications/{application_id}"
        return self._r.run(Call("PATCH", path, one(Application, "application"), json=changes))

    def rotate_secret(self, application_id: str) -> str:
        """A new client secret (returned only now); the old one stops working at once."""
        path = f"/api/v1/applications/{application_id}:rotate-secret"
        return self._r.run(Call("POST", path, lambda body: str(body["client_secret"])))

    def delete(self, application_id: str) -> None:
        return self._r.run(Call("DELETE", f"/api/v1/applications/{application_id}", nothing))


def _client_with_secret(body: Any) -> tuple[ApiClient, str]:
    return ApiClient.model_validate(body["client"]), str(body["client_secret"])


class Clients(Resource):
    """Management API clients (client-credentials identities like the one this SDK uses)."""

    def create(self, name: str = "API client") -> tuple[ApiClient, str]:
        """A new client and its secret (returned only now: Tenantry keeps its hash)."""
        return self._r.run(Call("POST", "/api/v1/clients", _client_with_secret, json={"name": name}))

    def list(self) -> list[ApiClient]:
        return self._r.run(Call("GET", "/api/v1/clients", many(ApiClient, "clients")))

    def rotate_secret(self, client_id: str) -> str:
        """A new secret; the old one and every token issued with it stop working at once."""
        path = f"/api/v1/clients/{client_id}:rotate-secret"
        return self._r.run(Call("POST", path, lambda body: str(body["client_secret"])))

    def delete(self, client_id: str) -> None:
        """Delete the client; its tokens stop working at once."""
        return self._r.run(Call("DELETE", f"/api/v1/clients/{client_id}", nothing))


class SigningKeys(Resource):
    def rotate(self) -> str:
        """Sign new tokens with a fresh key; returns its ``kid``. The old key stays published
        until the tokens it signed have expired."""
        return self._r.run(Call("POST", "/api/v1/signing-keys:rotate", lambda body: str(body["kid"])))
