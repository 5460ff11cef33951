"""Roles and permissions (``/api/v1/roles``, ``/api/v1/permissions``, organization roles)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field

from tenantry.sdk.calls import Call, PageCall, many, nothing, one
from tenantry.sdk.models import Model
from tenantry.sdk.resources import UNSET, Resource, given

Include = Literal["", "permissions", "permissions:all"]


class Permission(Model):
    id: str
    name: str
    description: str = ""
    is_scalekit_permission: bool = False
    create_time: datetime
    update_time: datetime


class RolePermission(Model):
    id: str
    name: str
    description: str = ""
    role_name: str = ""


class CatalogueRole(Model):
    id: str
    name: str
    display_name: str
    description: str = ""
    extends: str | None = None
    default_creator: bool = False
    default_member: bool = False
    is_org_role: bool = False
    organization_id: str | None = None
    dependent_roles_count: int = 0
    permissions: list[RolePermission] | None = Field(default=None)


Catalogue = list[CatalogueRole]
Granted = list[RolePermission]


def _name(value: str) -> str:
    return quote(value, safe=":")


class Roles(Resource):
    """Environment roles, or one organization's with ``organization_id``."""

    @staticmethod
    def _base(organization_id: str | None) -> str:
        return f"/api/v1/organizations/{organization_id}/roles" if organization_id else "/api/v1/roles"

    def list(self, *, organization_id: str | None = None, include: Include = "") -> Catalogue:
        params = {"include": include} if include else None
        return self._r.run(Call("GET", self._base(organization_id), many(CatalogueRole, "roles"), params=params))

    def get(self, name: str, *, organization_id: str | None = None, include: Include = "permissions") -> CatalogueRole:
        path = f"{self._base(organization_id)}/{_name(name)}"
        params = {"include": include} if include else None
        return self._r.run(Call("GET", path, one(CatalogueRole, "role"), params=params))

    def create(
        self,
        name: str,
        display_name: str,
        *,
        description: str = "",
        extends: str | None = None,
        permissions: Iterable[str] = (),
        organization_id: str | None = None,
    ) -> CatalogueRole:
        body: dict[str, Any] = {
            "name": name,
            "display_name": display_name,
            "description": description,
            "permissions": list(permissions),
        }
        if extends:
            body["extends"] = extends
        return self._r.run(Call("POST", self._base(organization_id), one(CatalogueRole, "role"), json={"role": body}))

    def update(
        self,
        name: str,
        *,
        new_name: str = UNSET,
        display_name: str = UNSET,
        description: str = UNSET,
        extends: str | None = UNSET,
        permissions: Iterable[str] = UNSET,
        organization_id: str | None = None,
    ) -> CatalogueRole:
        """Only what is passed changes; ``extends=None`` removes the base role; ``permissions``
        replaces the direct permissions; ``new_name`` renames (holders keep the role)."""
        body = given(name=new_name, display_name=display_name, description=description, extends=extends)
        if permissions is not UNSET:
            body["permissions"] = list(permissions)
        path = f"{self._base(organization_id)}/{_name(name)}"
        return self._r.run(Call("PUT", path, one(CatalogueRole, "role"), json={"role": body}))

    def delete(self, name: str, *, reassign_to: str | None = None, organization_id: str | None = None) -> None:
        """A role members hold needs ``reassign_to``: they move to that role."""
        params = {"reassign_role_name": reassign_to} if reassign_to else None
        path = f"{self._base(organization_id)}/{_name(name)}"
        return self._r.run(Call("DELETE", path, nothing, params=params))

    def users_count(self, name: str, *, organization_id: str | None = None) -> int:
        path = f"{self._base(organization_id)}/{_name(name)}/users:count"
        return self._r.run(Call("GET", path, lambda body: int(body["count"])))

    def permissions(self, name: str, *, inherited: bool = False) -> Granted:
        path = f"/api/v1/roles/{_name(name)}/permissions" + (":all" if inherited else "")
        return self._r.run(Call("GET", path, many(RolePermission, "permissions")))

    def add_permissions(self, name: str, permission_names: Iterable[str]) -> Granted:
        path = f"/api/v1/roles/{_name(name)}/permissions"
        body = {"permission_names": list(permission_names)}
        return self._r.run(Call("POST", path, many(RolePermission, "permissions"), json=body))

    def remove_permission(self, name: str, permission_name: str) -> None:
        path = f"/api/v1/roles/{_name(name)}/permissions/{_name(permission_name)}"
        return self._r.run(Call("DELETE", path, nothing))

    def set_defaults(self, *, creator: str | None = None, member: str | None = None) -> dict[str, CatalogueRole]:
        """Name the default creator and/or member role; answers both."""
        body = {k: v for k, v in {"default_creator_role": creator, "default_member_role": member}.items() if v}

        def parse(answer: Any) -> dict[str, CatalogueRole]:
            return {kind: CatalogueRole.model_validate(answer[f"default_{kind}"]) for kind in ("creator", "member")}

        return self._r.run(Call("PATCH", "/api/v1/roles:set_defaults", parse, json=body))


class Permissions(Resource):
    def list(
        self, *, type: Literal["ALL", "SCALEKIT", "ENVIRONMENT"] = "ALL", page_size: int = 100
    ) -> Iterator[Permission]:
        return self._r.pages(PageCall("/api/v1/permissions", "permissions", Permission, {"type": type}, page_size))

    def get(self, name: str) -> Permission:
        return self._r.run(Call("GET", f"/api/v1/permissions/{_name(name)}", one(Permission, "permission")))

    def create(self, name: str, *, description: str = "") -> Permission:
        body = {"permission": {"name": name, "description": description}}
        return self._r.run(Call("POST", "/api/v1/permissions", one(Permission, "permission"), json=body))

    def update(self, name: str, *, new_name: str = UNSET, description: str = UNSET) -> Permission:
        body = {"permission": given(name=new_name, description=description)}
        return self._r.run(Call("PUT", f"/api/v1/permissions/{_name(name)}", one(Permission, "permission"), json=body))

    def delete(self, name: str) -> None:
        return self._r.run(Call("DELETE", f"/api/v1/permissions/{_name(name)}", nothing))
