"""Response bodies of /api/v1, field for field as API.md (Scalekit's naming), and how
service views turn into them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict

from tenantry.server.domain.environment import EnvironmentSettings
from tenantry.server.domain.pagination import Page
from tenantry.server.domain.types import MaxAllowedUsers, NoNul

# The objects' shape lives with the services (event payloads use it too); re-exported here.
from tenantry.server.services.read_models.representations import (
    Invite as Invite,
)
from tenantry.server.services.read_models.representations import (
    Membership as Membership,
)
from tenantry.server.services.read_models.representations import (
    Organization as Organization,
)
from tenantry.server.services.read_models.representations import (
    PublicOrganization as PublicOrganization,
)
from tenantry.server.services.read_models.representations import (
    PublicUser as PublicUser,
)
from tenantry.server.services.read_models.representations import (
    Role as Role,
)
from tenantry.server.services.read_models.representations import (
    User as User,
)
from tenantry.server.services.read_models.representations import (
    UserAttribute as UserAttribute,
)
from tenantry.server.services.read_models.representations import (
    UserProfile as UserProfile,
)
from tenantry.server.services.read_models.representations import (
    invite as invite,
)
from tenantry.server.services.read_models.representations import (
    membership as membership,
)
from tenantry.server.services.read_models.representations import (
    organization as organization,
)
from tenantry.server.services.read_models.representations import (
    public_organization as public_organization,
)
from tenantry.server.services.read_models.representations import (
    public_user as public_user,
)
from tenantry.server.services.read_models.representations import (
    user as user,
)
from tenantry.server.services.read_models.representations import (
    user_attribute as user_attribute,
)
from tenantry.server.services.read_models.views import OrganizationView, UserView

# Scalekit's search term: 3 to 100 characters.
SearchQuery = Annotated[
    str, NoNul, Query(min_length=3, max_length=100, description="What to look for (3-100 characters)")
]


class OrganizationEnvelope(BaseModel):
    organization: Organization


class Paged(BaseModel):
    next_page_token: str
    prev_page_token: str
    total_size: int


class OrganizationList(Paged):
    organizations: list[Organization]


class UserEnvelope(BaseModel):
    user: User


class UserList(Paged):
    users: list[User]
    # a search's total past 1,000 matches is the database's estimate on PostgreSQL (API.md)
    total_size_estimated: bool = False


class UserAndOrganization(BaseModel):
    user: User
    organization: Organization


class AcceptedInvitation(BaseModel):
    """The public answer to accepting an invitation: no private fields of the application."""

    user: PublicUser
    organization: PublicOrganization


class InviteEnvelope(BaseModel):
    invite: Invite


class SettingsEnvelope(BaseModel):
    settings: EnvironmentSettings


class UserManagementSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_allowed_users: MaxAllowedUsers | None = None


class UserManagementPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    settings: UserManagementSettings


class UserManagement(BaseModel):
    settings: UserManagementSettings
    seats_used: int


class Email(BaseModel):
    id: str
    kind: str
    to: str
    subject: str
    text: str | None
    html: str | None
    status: str
    error: str | None
    create_time: datetime
    sent_time: datetime | None


class EmailList(Paged):
    emails: list[Email]


def organization_list(page: Page[OrganizationView]) -> OrganizationList:
    return OrganizationList(
        organizations=[organization(o) for o in page.items],
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
        total_size=page.total_size,
    )


def user_list(page: Page[UserView]) -> UserList:
    return UserList(
        users=[user(u) for u in page.items],
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
        total_size=page.total_size,
        total_size_estimated=page.total_estimated,
    )


class UserAttributeEnvelope(BaseModel):
    user_attribute: UserAttribute


class UserAttributeChanged(UserAttributeEnvelope):
    values_cleared: int


class UserAttributeList(Paged):
    user_attributes: list[UserAttribute]


class UserAttributeDeleted(BaseModel):
    values_removed: int
