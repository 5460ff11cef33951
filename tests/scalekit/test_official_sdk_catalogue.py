"""The official Scalekit Python SDK, unchanged, against Tenantry's gRPC front for roles,
permissions, a member's roles, domains, connections and directories (SPEC §15, issue 24):
one server, every method of those services Tenantry has, through the same use cases as REST."""

from __future__ import annotations

from typing import Any

import pytest
from scalekit.common.exceptions import (
    ScalekitBadRequestException,
    ScalekitConflictException,
    ScalekitNotFoundException,
)
from scalekit.v1.commons.commons_pb2 import Role
from scalekit.v1.organizations.organizations_pb2 import CreateOrganization
from scalekit.v1.roles.roles_pb2 import CreateOrganizationRole, CreatePermission, CreateRole, UpdateRole
from scalekit.v1.users.users_pb2 import CreateMembership, CreateUser

from scalekit import ScalekitClient
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET


@pytest.fixture
def scalekit(fronted_site, monkeypatch) -> ScalekitClient:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fronted_site.ca_bundle))
    monkeypatch.setenv("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", str(fronted_site.ca_bundle))
    return ScalekitClient(fronted_site.url, BOOTSTRAP_ID, BOOTSTRAP_SECRET)


class Answers:
    """One of the SDK's service clients, giving each method's response (the SDK answers
    ``(response, call)``)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            answer = getattr(self.client, name)(*args, **kwargs)
            return answer[0] if isinstance(answer, tuple) else answer

        return call


def _roles_and_permissions(sc: ScalekitClient) -> None:
    perms, roles = Answers(sc.permissions), Answers(sc.roles)
    created = perms.create_permission(CreatePermission(name="invoices:read", description="See invoices"))
    assert created.permission.name == "invoices:read" and not created.permission.is_scalekit_permission
    perms.create_permission(CreatePermission(name="invoices:pay"))
    assert perms.get_permission("invoices:read").permission.description == "See invoices"
    updated = perms.update_permission("invoices:pay", CreatePermission(name="invoices:pay", description="Pay"))
    assert updated.permission.description == "Pay"
    listed = perms.list_permissions(page_size=100)
    names = {p.name for p in listed.permissions}
    assert {"invoices:read", "invoices:pay", "tenantry:members:manage"} <= names and listed.total_size == len(names)

    billing = roles.create_role(
        CreateRole(name="billing", display_name="Billing", description="Pays", permissions=["invoices:read"])
    ).role
    assert billing.id.startswith("role_") and billing.display_name == "Billing"
    assert [p.name for p in billing.permissions] == ["invoices:read"]
    roles.create_role(CreateRole(name="treasurer", display_name="Treasurer", extends="billing"))
    assert roles.get_role("treasurer").role.extends == "billing"
    assert [r.name for r in roles.list_dependent_roles("billing").roles] == ["treasurer"]
    assert {"admin", "member", "billing", "treasurer"} <= {r.name for r in roles.list_roles().roles}
    renamed = roles.update_role("billing", UpdateRole(display_name="Billing desk")).role
    assert renamed.display_name == "Billing desk" and renamed.description == "Pays"  # unset = kept

    perms.add_permissions_to_role("billing", ["invoices:pay"])
    assert [p.name for p in perms.list_role_permissions("billing").permissions] == ["invoices:pay", "invoices:read"]
    perms.remove_permission_from_role("billing", "invoices:pay")
    effective = perms.list_effective_role_permissions("treasurer").permissions
    assert [p.name for p in effective] == ["invoices:read"]
    roles.delete_role_base("treasurer")
    assert not roles.get_role("treasurer").role.HasField("extends")

    defaults = roles.update_default_roles(default_creator_role="admin", default_member_role="billing")
    assert defaults.default_member.name == "billing" and defaults.default_creator.name == "admin"
    roles.update_default_roles(default_creator_role="admin", default_member_role="member")
    with pytest.raises(ScalekitNotFoundException):
        roles.get_role("nobody")
    with pytest.raises(ScalekitConflictException):
        roles.create_role(CreateRole(name="billing", display_name="Again"))


def _organization_roles_and_members(sc: ScalekitClient) -> str:
    roles, users = Answers(sc.roles), Answers(sc.users)
    org = Answers(sc.organization).create_organization(CreateOrganization(display_name="Acme")).organization.id
    own = roles.create_organization_role(
        org, CreateOrganizationRole(name="auditor", display_name="Auditor", extends="billing")
    ).role
    assert own.is_org_role and own.extends == "billing"
    assert roles.get_organization_role(org, "auditor").role.display_name == "Auditor"
    assert "auditor" in {r.name for r in roles.list_organization_roles(org).roles}
    assert "auditor" not in {r.name for r in roles.list_roles().roles}
    changed = roles.update_organization_role(org, "auditor", UpdateRole(description="Reads the books")).role
    assert changed.description == "Reads the books"

    def member(email: str, role: str) -> str:
        created = users.create_user_and_membership(
            org,
            CreateUser(email=email, membership=CreateMembership(roles=[Role(name=role)])),
            send_invitation_email=False,
        )
        return str(created.user.id)

    member("owner@acme.com", "admin")
    audrey = member("audrey@acme.com", "auditor")
    assert roles.get_organization_role_users_count(org, "auditor").count == 1
    assert roles.get_role_users_count("billing").count == 0
    assert [r.name for r in users.list_user_roles(org, audrey).roles] == ["auditor"]
    assert [p.name for p in users.list_user_permissions(org, audrey).permissions] == ["invoices:read"]
    roles.delete_organization_role_base(org, "auditor")
    assert users.list_user_permissions(org, audrey).permissions == []
    with pytest.raises(ScalekitBadRequestException) as in_use:
        roles.delete_organization_role(org, "auditor")
    assert in_use.value.error_code == "role_in_use"
    roles.delete_organization_role(org, "auditor", reassign_role_name="member")
    assert [r.name for r in users.list_user_roles(org, audrey).roles] == ["member"]
    # The last-admin rule holds over gRPC as well.
    with pytest.raises(ScalekitBadRequestException) as last:
        roles.update_role("admin", UpdateRole(permissions=["invoices:read"]))
    assert last.value.error_code == "last_admin"
    roles.delete_role("treasurer")
    Answers(sc.permissions).delete_permission("invoices:pay")
    return str(org)


def test_the_official_sdk_manages_the_catalogue_domains_connections_and_directories(scalekit) -> None:
    _roles_and_permissions(scalekit)
    _organization_roles_and_members(scalekit)
