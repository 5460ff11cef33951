"""Directories (SCIM directory sync): typed models and the resource.

A directory gives an organization's identity provider (Okta, Entra ID…) a SCIM 2.0 base
URL (``directory_endpoint``) and a bearer token, generated with ``create_secret`` and
returned only in that answer.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from tenantry.sdk.calls import Call, PageCall, nothing, one
from tenantry.sdk.models import Model
from tenantry.sdk.resources import UNSET, Resource, given


class DirectorySecret(Model):
    id: str
    directory_id: str
    secret_suffix: str
    status: str
    create_time: datetime
    last_used_time: datetime | None = None


class RoleAssignment(Model):
    group_id: str
    role_name: str


class AttributeMapping(Model):
    key: str
    map_to: str


class RoleAssignments(Model):
    assignments: list[RoleAssignment] = []


class AttributeMappings(Model):
    attributes: list[AttributeMapping] = []


class Directory(Model):
    id: str
    name: str
    directory_type: str
    organization_id: str
    enabled: bool
    directory_provider: str
    last_synced_at: datetime | None = None
    directory_endpoint: str
    total_users: int
    total_groups: int
    secrets: list[DirectorySecret] = []
    role_assignments: RoleAssignments
    attribute_mappings: AttributeMappings
    status: str
    create_time: datetime
    update_time: datetime


class DirectorySecretCreated(Model):
    plain_secret: str  # the bearer token: in this answer only
    secret: DirectorySecret


class DirectoryUser(Model):
    id: str
    user_id: str
    email: str | None = None
    preferred_username: str
    given_name: str | None = None
    family_name: str | None = None
    active: bool
    emails: list[str] = []
    groups: list[dict[str, str]] = []
    updated_at: datetime
    user_detail: dict[str, Any] = {}


class DirectoryGroup(Model):
    id: str
    display_name: str
    total_users: int
    updated_at: datetime
    group_detail: dict[str, Any] = {}


class DirectoryOperation(Model):
    """One SCIM write in a directory's provisioning log, and how it ended."""

    id: str
    directory_id: str
    operation: str  # CREATE | REPLACE | UPDATE | DELETE
    resource_type: str  # USER | GROUP
    resource_id: str | None = None
    subject: str | None = None  # the userName or group displayName sent
    http_status: int
    outcome: str  # created | already_provisioned | replaced | updated | deleted, or the refusal's code
    succeeded: bool
    message: str | None = None
    create_time: datetime


def _base(organization_id: str) -> str:
    return f"/api/v1/organizations/{organization_id}/directories"


class Directories(Resource):
    def create(self, organization_id: str, *, provider: str = "CUSTOM", name: str | None = None) -> Directory:
        """A SCIM directory for the organization (``provider``: OKTA, MICROSOFT_AD, GOOGLE,
        ONELOGIN, JUMPCLOUD, PING_IDENTITY, AUTH0 or CUSTOM). Then ``create_secret``."""
        body = {"directory_type": "SCIM", "directory_provider": provider, "name": name}
        return self._r.run(Call("POST", _base(organization_id), one(Directory, "directory"), json=body))

    def list(self, organization_id: str) -> builtins.list[Directory]:
        return self._r.run(
            Call("GET", _base(organization_id), lambda b: [Directory.model_validate(d) for d in b["directories"]])
        )

    def get(self, organization_id: str, directory_id: str) -> Directory:
        return self._r.run(Call("GET", f"{_base(organization_id)}/{directory_id}", one(Directory, "directory")))

    def update(self, organization_id: str, directory_id: str, *, name: str = UNSET, provider: str = UNSET) -> Directory:
        body = given(name=name, directory_provider=provider)
        path = f"{_base(organization_id)}/{directory_id}"
        return self._r.run(Call("PATCH", path, one(Directory, "directory"), json=body))

    def enable(self, organization_id: str, directory_id: str) -> bool:
        path = f"{_base(organization_id)}/{directory_id}:enable"
        return self._r.run(Call("PATCH", path, lambda b: bool(b["enabled"])))

    def disable(self, organization_id: str, directory_id: str) -> bool:
        """Every SCIM call to a disabled directory is refused (403) until it is enabled."""
        path = f"{_base(organization_id)}/{directory_id}:disable"
        return self._r.run(Call("PATCH", path, lambda b: bool(b["enabled"])))

    def delete(self, organization_id: str, directory_id: str) -> None:
        return self._r.run(Call("DELETE", f"{_base(organization_id)}/{directory_id}", nothing))

    def create_secret(self, organization_id: str, directory_id: str) -> DirectorySecretCreated:
        """A new bearer token (the previous one stops working at once); shown only here."""
        path = f"{_base(organization_id)}/{directory_id}/secrets"
        return self._r.run(Call("POST", path, DirectorySecretCreated.model_validate))

    def regenerate_secret(self, organization_id: str, directory_id: str) -> DirectorySecretCreated:
        path = f"{_base(organization_id)}/{directory_id}/secrets:regenerate"
        return self._r.run(Call("POST", path, DirectorySecretCreated.model_validate))

    def assign_roles(
        self, organization_id: str, directory_id: str, assignments: Mapping[str, str] | Iterable[tuple[str, str]]
    ) -> builtins.list[RoleAssignment]:
        """Replace the group → role mapping (``{group_id: role_name}``); members' roles follow."""
        pairs = assignments.items() if isinstance(assignments, Mapping) else assignments
        body = {"assignments": [{"group_id": group, "role_name": role} for group, role in pairs]}
        path = f"{_base(organization_id)}/{directory_id}/groups/-/roles:assign"
        return self._r.run(
            Call("PUT", path, lambda b: [RoleAssignment.model_validate(a) for a in b["assignments"]], json=body)
        )

    def map_attributes(
        self, organization_id: str, directory_id: str, mapping: Mapping[str, str]
    ) -> builtins.list[AttributeMapping]:
        """Replace the attribute mapping: ``{custom_attribute_key: scim_attribute_path}``."""
        body = {"attributes": [{"key": key, "map_to": path} for key, path in mapping.items()]}
        path = f"{_base(organization_id)}/{directory_id}/attributes"
        return self._r.run(
            Call("PUT", path, lambda b: [AttributeMapping.model_validate(a) for a in b["attributes"]], json=body)
        )

    def users(self, organization_id: str, directory_id: str, *, page_size: int = 100) -> Iterator[DirectoryUser]:
        path = f"{_base(organization_id)}/{directory_id}/users"
        return self._r.pages(PageCall(path, "users", DirectoryUser, page_size=page_size))

    def groups(self, organization_id: str, directory_id: str, *, page_size: int = 100) -> Iterator[DirectoryGroup]:
        path = f"{_base(organization_id)}/{directory_id}/groups"
        return self._r.pages(PageCall(path, "groups", DirectoryGroup, page_size=page_size))

    def operations(
        self,
        organization_id: str,
        directory_id: str,
        *,
        outcomes: Sequence[str] = (),
        operations: Sequence[str] = (),
        resource_types: Sequence[str] = (),
        succeeded: bool | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        page_size: int = 100,
    ) -> Iterator[DirectoryOperation]:
        """The provisioning log, newest first: the SCIM writes the identity provider made and
        how each ended, narrowed by outcome (``created``, ``organization_user_limit_reached``…),
        operation (CREATE, REPLACE, UPDATE, DELETE), resource type (USER, GROUP), success and
        time (``since`` inclusive, ``until`` exclusive)."""
        params: dict[str, Any] = {
            "outcome": list(outcomes) or None,
            "operation": [o.upper() for o in operations] or None,
            "resource_type": [r.upper() for r in resource_types] or None,
            "succeeded": None if succeeded is None else str(succeeded).lower(),
            "since": since.isoformat() if isinstance(since, datetime) else since,
            "until": until.isoformat() if isinstance(until, datetime) else until,
        }
        filters = {key: value for key, value in params.items() if value is not None}
        path = f"{_base(organization_id)}/{directory_id}/operations"
        return self._r.pages(PageCall(path, "operations", DirectoryOperation, filters, page_size))
