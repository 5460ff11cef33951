"""The API's objects, as typed models. Unknown fields are kept (the API may grow)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MembershipStatus = Literal["ACTIVE", "PENDING_INVITE", "INVITE_EXPIRED", "INACTIVE"]
ProvisioningMethod = Literal["invitation", "api", "signup", "domain", "sso_jit", "directory"]


class Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class Organization(Model):
    id: str
    display_name: str
    external_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_by_user_id: str | None = None
    create_time: datetime
    update_time: datetime


class Role(Model):
    """A role as a membership shows it."""

    name: str
    id: str | None = None
    display_name: str | None = None


class Membership(Model):
    organization_id: str
    name: str
    membership_status: MembershipStatus
    roles: list[Role]
    join_time: datetime | None = None
    invite_expires_at: datetime | None = None
    inviter_email: str | None = None
    provisioning_method: ProvisioningMethod | str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class UserProfile(Model):
    given_name: str | None = None
    family_name: str | None = None
    name: str | None = None
    picture: str | None = None
    phone_number: str | None = None
    locale: str | None = None
    custom_attributes: dict[str, Any] = Field(default_factory=dict)


class User(Model):
    id: str
    email: str
    email_verified: bool
    external_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    create_time: datetime
    update_time: datetime
    last_login_time: datetime | None = None
    user_profile: UserProfile
    memberships: list[Membership] = Field(default_factory=list)

    def membership(self, organization_id: str) -> Membership | None:
        return next((m for m in self.memberships if m.organization_id == organization_id), None)


class Invite(Model):
    organization_id: str
    user_id: str
    inviter_email: str | None = None
    status: MembershipStatus
    created_at: datetime | None = None
    expires_at: datetime | None = None
    resent_at: datetime | None = None
    resent_count: int = 0


class OrganizationMetaName(Model):
    singular: str
    plural: str


class Branding(Model):
    app_name: str
    logo_url: str | None = None
    primary_color: str


class SignInMethods(Model):
    passkeys: bool = True
    magic_link: bool = False
    magic_link_lifetime_seconds: int = 600


class EnvironmentSettings(Model):
    signup_enabled: bool
    max_organizations_per_user: int | None = None
    invitation_expiry_seconds: int
    organization_meta_name: OrganizationMetaName
    branding: Branding
    mfa: str = "off"  # off | optional | required (SPEC §13)
    admin_mfa_required: bool = False
    sign_in_methods: SignInMethods = SignInMethods()


class UserManagement(Model):
    max_allowed_users: int | None
    seats_used: int


class UserAttribute(Model):
    key: str
    display_name: str
    description: str = ""
    type: Literal["string", "number", "integer", "boolean", "date", "email", "url", "phone", "enum"]
    required: bool = False
    collect_on_signup: bool = False
    user_editable: bool = True
    options: list[str] | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    position: int = 0
    create_time: datetime | None = None
    update_time: datetime | None = None


class Application(Model):
    id: str
    name: str
    type: Literal["confidential", "public"]
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str] = Field(default_factory=list)
    create_time: datetime
    update_time: datetime


class Email(Model):
    id: str
    kind: str
    to: str
    subject: str
    text: str | None = None
    html: str | None = None
    status: str
    error: str | None = None
    create_time: datetime
    sent_time: datetime | None = None


class SignedUp(Model):
    user: User
    organization: Organization


class ApiClient(Model):
    id: str
    name: str
    create_time: datetime
