"""The official Scalekit Python SDK, unchanged, against Tenantry's gRPC front for roles,
permissions, a member's roles, domains, connections and directories, organizations' default
roles and session policies, and the environment's connections (SPEC §15, issue 24): one
server, every method of those services Tenantry has, through the same use cases as REST."""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest
from google.protobuf.wrappers_pb2 import BoolValue, StringValue
from scalekit.common.exceptions import (
    ScalekitBadRequestException,
    ScalekitConflictException,
    ScalekitNotFoundException,
    ScalekitNotImplementedException,
)
from scalekit.v1.commons.commons_pb2 import Role, TimeUnit
from scalekit.v1.connections import connections_pb2 as connection_pb2
from scalekit.v1.connections.connections_pb2 import CreateConnection, Flags, OAuthConnectionConfig, UpdateConnection
from scalekit.v1.directories import directories_pb2 as directory_pb2
from scalekit.v1.directories.directories_pb2 import (
    AssignRolesRequest,
    CreateDirectory,
    CreateDirectorySecretRequest,
    ListDirectoryGroupsRequest,
    ListDirectoryUsersRequest,
    RoleAssignment,
    RoleAssignments,
)
from scalekit.v1.domains import domains_pb2 as domain_pb2
from scalekit.v1.organizations.organizations_pb2 import CreateOrganization, SessionPolicyType
from scalekit.v1.roles.roles_pb2 import (
    CreateOrganizationRole,
    CreatePermission,
    CreateRole,
    UpdateDefaultOrganizationRolesRequest,
    UpdateRole,
)
from scalekit.v1.users.users_pb2 import (
    AssignRoleRequest,
    AssignUserRolesRequest,
    CreateMembership,
    CreateUser,
    RemoveUserRoleRequest,
)

from scalekit import ScalekitClient
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET
from tests.scim.scim import CORE_GROUP, user_body


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
    # Scalekit's AssignUserRoles / RemoveUserRole (not wrapped by the SDK), through its stub.
    stub = sc.users.user_service
    assigned, _ = sc.users.core_client.grpc_exec(
        stub.AssignUserRoles.with_call,
        AssignUserRolesRequest(organization_id=org, user_id=audrey, roles=[AssignRoleRequest(role_name="billing")]),
    )
    assert [r.name for r in assigned.roles] == ["member", "billing"]
    remove = stub.RemoveUserRole.with_call
    sc.users.core_client.grpc_exec(
        remove, RemoveUserRoleRequest(organization_id=org, user_id=audrey, role_name="member")
    )
    assert [r.name for r in users.list_user_roles(org, audrey).roles] == ["billing"]
    with pytest.raises(ScalekitBadRequestException) as last_role:
        sc.users.core_client.grpc_exec(
            remove, RemoveUserRoleRequest(organization_id=org, user_id=audrey, role_name="billing")
        )
    assert last_role.value.error_code == "invalid_argument"
    # The last-admin rule holds over gRPC as well.
    with pytest.raises(ScalekitBadRequestException) as last:
        roles.update_role("admin", UpdateRole(permissions=["invoices:read"]))
    assert last.value.error_code == "last_admin"
    roles.delete_role("treasurer")
    Answers(sc.permissions).delete_permission("invoices:pay")
    return str(org)


def _domains_and_connections(sc: ScalekitClient, org: str) -> None:
    domains, conns = Answers(sc.domain), Answers(sc.connection)
    created = domains.create_domain(org, "acme-robotics.com").domain
    assert created.id.startswith("dom_") and created.verification_status == domain_pb2.PENDING
    assert created.domain_type == domain_pb2.ORGANIZATION_DOMAIN and created.txt_record_secret
    assert domains.get_domain(org, created.id).domain.domain == "acme-robotics.com"
    allowed = domains.create_domain(org, "acme-mail.com", domain_type="ALLOWED_EMAIL_DOMAIN").domain
    assert sorted(d.domain for d in domains.list_domains(org).domains) == ["acme-mail.com", "acme-robotics.com"]
    only = domains.list_domains(org, domain_type="ALLOWED_EMAIL_DOMAIN").domains
    assert [d.id for d in only] == [allowed.id]
    domains.delete_domain(org, allowed.id)
    with pytest.raises(ScalekitBadRequestException) as free_mail:
        domains.create_domain(org, "gmail.com")
    assert free_mail.value.error_code == "invalid_argument"

    connection = conns.create_connection(
        org, CreateConnection(type=connection_pb2.OIDC, provider=connection_pb2.OKTA)
    ).connection
    assert connection.id.startswith("conn_") and connection.status == connection_pb2.DRAFT
    assert not connection.enabled and connection.oidc_config.redirect_uri.endswith("/callback")
    assert conns.get_connection(org, connection.id).connection.provider == connection_pb2.OKTA
    assert [c.id for c in conns.list_connections(org).connections] == [connection.id]
    with pytest.raises(ScalekitBadRequestException) as draft:
        conns.enable_connection(org, connection.id)  # the IdP's settings are missing
    assert draft.value.error_code == "failed_precondition"
    assert conns.disable_connection(org, connection.id).enabled is False
    assert conns.list_connections_by_domain("unclaimed.example").connections == []
    conns.delete_connection(org, connection.id)
    with pytest.raises(ScalekitNotFoundException):
        conns.get_connection(org, connection.id)


def _organization_defaults(sc: ScalekitClient) -> None:
    """An organization's default member role and session policy."""
    orgs, roles, users = Answers(sc.organization), Answers(sc.roles), Answers(sc.users)
    org = orgs.create_organization(CreateOrganization(display_name="Globex")).organization.id
    roles.create_organization_role(org, CreateOrganizationRole(name="intern", display_name="Intern"))
    intern = UpdateDefaultOrganizationRolesRequest(default_member_role="intern")
    chosen = roles.update_default_organization_roles(org, intern)
    assert chosen.default_member.name == "intern" and chosen.default_member.is_org_role
    seen = {r.name: r.default_member for r in roles.list_organization_roles(org).roles}
    assert seen["intern"] and not seen["member"]
    assert {r.name for r in roles.list_roles().roles if r.default_member} == {"member"}  # the environment's
    joined = users.create_user_and_membership(
        org, CreateUser(email="new@globex.com", membership=CreateMembership()), send_invitation_email=False
    )
    assert [r.name for r in users.list_user_roles(org, joined.user.id).roles] == ["intern"]
    with pytest.raises(ScalekitBadRequestException) as named:
        roles.delete_organization_role(org, "intern", reassign_role_name="member")
    assert named.value.error_code == "builtin_role"
    with pytest.raises(ScalekitBadRequestException) as unknown:
        roles.update_default_organization_roles(org, UpdateDefaultOrganizationRolesRequest(default_member_role="ghost"))
    assert unknown.value.error_code == "invalid_argument"

    assert orgs.get_organization_session_policy(org).policy.policy_source == SessionPolicyType.APPLICATION
    custom = orgs.update_organization_session_policy(
        org,
        SessionPolicyType.CUSTOM,
        absolute_session_timeout=2,
        absolute_session_timeout_unit=TimeUnit.DAYS,
        idle_session_timeout_enabled=True,
        idle_session_timeout=90,
    ).policy
    assert (custom.policy_source, custom.absolute_session_timeout.value, custom.idle_session_timeout.value) == (
        SessionPolicyType.CUSTOM,
        2 * 24 * 60,
        90,
    )
    assert custom.absolute_session_timeout_unit == TimeUnit.MINUTES and custom.idle_session_timeout_enabled.value
    assert orgs.get_organization_session_policy(org).policy == custom
    with pytest.raises(ScalekitBadRequestException) as too_long:
        orgs.update_organization_session_policy(
            org, SessionPolicyType.CUSTOM, idle_session_timeout=91, absolute_session_timeout=90
        )
    assert too_long.value.error_code == "invalid_argument"
    back = orgs.update_organization_session_policy(org, SessionPolicyType.APPLICATION).policy
    assert back.policy_source == SessionPolicyType.APPLICATION and not back.HasField("absolute_session_timeout")


def _environment_connections(sc: ScalekitClient) -> None:
    """The environment's connections: Tenantry's social sign-in connections."""
    conns = Answers(sc.connection)
    github = conns.create_environment_connection(CreateConnection(provider=connection_pb2.GITHUB)).connection
    assert (github.id.startswith("conn_") and not github.HasField("organization_id")) or not github.organization_id
    assert (github.type, github.status, github.enabled) == (connection_pb2.OAUTH, connection_pb2.DRAFT, False)
    assert github.oauth_config.redirect_uri.endswith(f"/login/social/{github.id}/callback")
    settings = UpdateConnection(
        ui_button_title=StringValue(value="Sign in with GitHub"),
        oauth_config=OAuthConnectionConfig(
            client_id=StringValue(value="gh-client"), client_secret=StringValue(value="s3")
        ),
    )
    updated = conns.update_environment_connection(github.id, settings).connection
    assert updated.status == connection_pb2.COMPLETED and updated.ui_button_title == "Sign in with GitHub"
    assert updated.oauth_config.client_id.value == "gh-client" and not updated.oauth_config.HasField("client_secret")
    assert conns.get_environment_connection(github.id).connection == updated
    with pytest.raises(ScalekitBadRequestException) as app:
        conns.create_environment_connection(
            CreateConnection(provider=connection_pb2.CUSTOM, type=connection_pb2.OAUTH), flags=Flags(is_app=True)
        )
    assert app.value.error_code == "invalid_argument"
    with pytest.raises(ScalekitBadRequestException) as debug:  # a setting Tenantry has not: refused, not dropped
        conns.update_environment_connection(github.id, UpdateConnection(debug_enabled=BoolValue(value=True)))
    assert debug.value.error_code == "invalid_argument"
    with pytest.raises(ScalekitNotImplementedException):  # Scalekit's agent-toolkit connections
        conns.list_app_connections()
    with pytest.raises(ScalekitNotFoundException):
        conns.get_environment_connection("conn_nope")


def _directories(sc: ScalekitClient, org: str, fronted_site: Any) -> None:
    dirs = Answers(sc.directory)
    created = dirs.create_directory(
        org, CreateDirectory(directory_type=directory_pb2.SCIM, directory_provider=directory_pb2.OKTA)
    ).directory
    assert created.id.startswith("dir_") and created.enabled and created.directory_provider == directory_pb2.OKTA
    assert created.directory_endpoint.endswith(f"/scim/v2/{created.id}")
    assert dirs.get_directory(org, created.id).directory.status == "DRAFT"
    assert [d.id for d in dirs.list_directories(org).directories] == [created.id]
    assert sc.directory.get_primary_directory_by_organization_id(org).id == created.id
    assert dirs.list_directory_users(org, created.id).total_size == 0  # the SDK's wrapper, while empty
    assert dirs.list_directory_groups(org, created.id).total_size == 0

    # Calls the SDK does not wrap, or wraps wrongly, through its own stub.
    def raw(method: str, request: Any) -> Any:
        return sc.directory.core_client.grpc_exec(getattr(sc.directory.directory_service, method).with_call, request)[0]

    # The bearer token (Scalekit's CreateDirectorySecret, which the SDK does not wrap), then
    # a user and a group pushed over SCIM as an identity provider would.
    secret = raw("CreateDirectorySecret", CreateDirectorySecretRequest(organization_id=org, directory_id=created.id))
    assert secret.plain_secret and secret.secret.status == directory_pb2.ACTIVE
    headers = {"Authorization": f"Bearer {secret.plain_secret}", "Content-Type": "application/scim+json"}
    base = f"{fronted_site.url}/scim/v2/{created.id}"
    with httpx.Client(verify=ssl.create_default_context(cafile=fronted_site.ca_bundle), headers=headers) as idp:
        pushed = idp.post(f"{base}/Users", json=user_body("grace@acme-robotics.com"))
        assert pushed.status_code == 201, pushed.text
        group = {"schemas": [CORE_GROUP], "displayName": "Ops", "members": [{"value": pushed.json()["id"]}]}
        ops = idp.post(f"{base}/Groups", json=group)
        assert ops.status_code == 201, ops.text
    paging = {"organization_id": org, "directory_id": created.id, "page_size": 10}
    # The SDK's wrappers of these two copy the answer into hand-written classes without their
    # list fields (scalekit-sdk-python 2.21.0: AttributeError once a user or group exists,
    # whatever the server), so the calls are checked through its stub.
    users = raw("ListDirectoryUsers", ListDirectoryUsersRequest(**paging))
    assert [u.email for u in users.users] == ["grace@acme-robotics.com"] and users.total_size == 1
    assert [g.display_name for g in users.users[0].groups] == ["Ops"]
    groups = raw("ListDirectoryGroups", ListDirectoryGroupsRequest(**paging))
    assert [(g.display_name, g.total_users) for g in groups.groups] == [("Ops", 1)]
    mapping = RoleAssignments(assignments=[RoleAssignment(group_id=ops.json()["id"], role_name="billing")])
    mapped = raw("AssignRoles", AssignRolesRequest(organization_id=org, id=created.id, role_assignments=mapping))
    assert [(a.group_id, a.role_name) for a in mapped.role_assignments.assignments] == [(ops.json()["id"], "billing")]
    members = Answers(sc.users).list_organization_users(org, page_size=10).users
    grace = next(u.id for u in members if u.email == "grace@acme-robotics.com")
    assert [r.name for r in Answers(sc.users).list_user_roles(org, grace).roles] == ["billing"]
    assert dirs.disable_directory(org, created.id).enabled is False
    assert dirs.enable_directory(org, created.id).enabled is True
    dirs.delete_directory(org, created.id)
    with pytest.raises(ScalekitNotFoundException):
        dirs.get_directory(org, created.id)


def test_the_official_sdk_manages_the_catalogue_domains_connections_and_directories(scalekit, fronted_site) -> None:
    _roles_and_permissions(scalekit)
    org = _organization_roles_and_members(scalekit)
    _domains_and_connections(scalekit, org)
    _directories(scalekit, org, fronted_site)
    _organization_defaults(scalekit)
    _environment_connections(scalekit)
