"""The official Scalekit Python SDK, unchanged, against Tenantry (SPEC §15): only the environment
URL, the client id and secret and the CA bundle (Tenantry's development certificate) differ
from a program written for Scalekit. gRPC and the web app share one TLS port."""

from __future__ import annotations

import ssl

import httpx
import pytest
from scalekit.common.exceptions import ScalekitBadRequestException, ScalekitNotFoundException
from scalekit.v1.commons.commons_pb2 import Role
from scalekit.v1.organizations.organizations_pb2 import CreateOrganization, Feature, UpdateOrganization
from scalekit.v1.users.users_pb2 import (
    CreateMembership,
    CreateUser,
    CreateUserProfile,
    UpdateMembership,
    UpdateUser,
    UpdateUserProfile,
)

from scalekit import ScalekitClient
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET


@pytest.fixture
def scalekit(fronted_site, monkeypatch) -> ScalekitClient:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fronted_site.ca_bundle))  # the token request (requests)
    monkeypatch.setenv("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", str(fronted_site.ca_bundle))  # gRPC
    return ScalekitClient(fronted_site.url, BOOTSTRAP_ID, BOOTSTRAP_SECRET)


def test_organizations_seat_cap_users_memberships_and_invitations(scalekit: ScalekitClient, fronted_site) -> None:
    orgs = scalekit.organization
    created, _ = orgs.create_organization(
        CreateOrganization(display_name="Megasoft Inc", external_id="megasoft", metadata={"plan": "gold"}, slug="mega")
    )
    org = created.organization
    assert org.id.startswith("org_") and org.display_name == "Megasoft Inc" and org.slug == "mega"
    assert orgs.get_organization(org.id)[0].organization.external_id == "megasoft"
    assert orgs.get_organization_by_external_id("megasoft")[0].organization.id == org.id

    renamed, _ = orgs.update_organization(org.id, UpdateOrganization(display_name="Megasoft"))
    assert renamed.organization.display_name == "Megasoft" and renamed.organization.slug == "mega"  # unset = kept
    by_external, _ = orgs.update_organization_by_external_id("megasoft", UpdateOrganization(metadata={"plan": "free"}))
    assert dict(by_external.organization.metadata) == {"plan": "free"}
    listed, _ = orgs.list_organizations(page_size=10)
    assert [o.id for o in listed.organizations] == [org.id] and listed.total_size == 1
    settings, _ = orgs.update_organization_settings(org.id, [{"name": "sso", "enabled": True}])
    assert [(f.name, f.enabled) for f in settings.organization.settings.features] == [("sso", True)]
    link = orgs.generate_portal_link(org.id, [Feature.sso])  # SPEC §14
    assert "/portal/open?token=ptl_" in link.location and link.id.startswith("lnk_")

    # Seat cap of one: the first member fits, the second is refused with our code.
    limit = orgs.upsert_user_management_settings(org.id, max_allowed_users=1)
    assert limit.max_allowed_users.value == 1
    users = scalekit.users
    first, _ = users.create_user_and_membership(
        org.id,
        CreateUser(
            email="ada@example.com",
            external_id="ada",
            user_profile=CreateUserProfile(given_name="Ada", family_name="Lovelace", groups=["eng"]),
            membership=CreateMembership(roles=[Role(name="member")]),
        ),
    )
    ada = first.user
    assert ada.user_profile.given_name == "Ada" and list(ada.user_profile.groups) == ["eng"]
    assert ada.memberships[0].membership_status == 3  # PENDING_INVITE: an invitation went out
    with pytest.raises(ScalekitBadRequestException) as refused:
        users.create_user_and_membership(org.id, CreateUser(email="bob@example.com"), send_invitation_email=False)
    assert refused.value.error_code == "organization_user_limit_reached"
    assert refused.value.grpc_status.name == "FAILED_PRECONDITION"

    invite, _ = users.resend_invite(org.id, ada.id)
    assert invite.invite.resent_count == 1 and invite.invite.user_id == ada.id
    orgs.upsert_user_management_settings(org.id, max_allowed_users=0)  # no limit
    bob, _ = users.create_user_and_membership(
        org.id, CreateUser(email="bob@example.com", external_id="bob"), send_invitation_email=False
    )
    members, _ = users.list_organization_users(org.id, page_size=10)
    assert sorted(u.email for u in members.users) == ["ada@example.com", "bob@example.com"]

    updated, _ = users.update_user_by_external_id("ada", UpdateUser(user_profile=UpdateUserProfile(given_name="Ad")))
    assert updated.user.user_profile.given_name == "Ad" and updated.user.user_profile.family_name == "Lovelace"
    second, _ = orgs.create_organization(CreateOrganization(display_name="Second"))
    added, _ = users.create_membership(
        second.organization.id, ada.id, CreateMembership(roles=[Role(name="member")]), send_invitation_email=False
    )
    assert {m.organization_id for m in added.user.memberships} == {org.id, second.organization.id}
    changed, _ = users.update_membership(second.organization.id, ada.id, UpdateMembership(roles=[Role(name="admin")]))
    second_membership = next(m for m in changed.user.memberships if m.organization_id == second.organization.id)
    assert [r.name for r in second_membership.roles] == ["admin"]
    users.delete_membership(second.organization.id, ada.id)
    assert [m.organization_id for m in users.get_user(ada.id)[0].user.memberships] == [org.id]
    # Scalekit's default cascade: removing a user's last membership deletes the user.
    users.delete_membership(org.id, ada.id)
    with pytest.raises(ScalekitNotFoundException):
        users.get_user(ada.id)

    # The same port still serves the web app (ALPN http/1.1) to a browser-like client.
    with httpx.Client(verify=ssl.create_default_context(cafile=fronted_site.ca_bundle)) as web:
        assert web.get(f"{fronted_site.url}/healthz").status_code == 200

    orgs.delete_organization(org.id)
    with pytest.raises(ScalekitNotFoundException) as missing:
        orgs.get_organization(org.id)
    assert missing.value.error_code == "not_found"
    # Deleting an organization keeps its users (bob), until deleted by external id.
    assert list(users.get_user(bob.user.id)[0].user.memberships) == []
    users.delete_user_by_external_id("bob")
    with pytest.raises(ScalekitNotFoundException):
        users.get_user(bob.user.id)
