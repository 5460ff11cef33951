"""Inputs of the use cases, validated by the domain's constraint types.

The HTTP API uses these as its request bodies, and the hosted pages and dashboard build
them from form fields, so every entry path validates a field the same way.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from tenantry.server.domain.types import (
    DisplayName,
    EmailAddress,
    ExternalId,
    Gender,
    Groups,
    HttpsUrl,
    HttpUrl,
    Locale,
    Metadata,
    Password,
    PhoneNumber,
    PreferredUsername,
    ProfileText,
    RegionCode,
    Slug,
    VisibleLine,
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserProfileInput(Strict):
    given_name: ProfileText | None = None
    family_name: ProfileText | None = None
    name: ProfileText | None = None
    picture: HttpUrl | None = None
    phone_number: PhoneNumber | None = None
    locale: Locale | None = None
    custom_attributes: dict[str, Any] | None = None
    # Scalekit's further profile fields (SPEC §15); ``metadata`` holds raw identity-provider
    # attributes, apart from the user's own ``metadata``.
    preferred_username: PreferredUsername | None = None
    gender: Gender | None = None
    groups: Groups | None = None
    metadata: Metadata | None = None

    @model_validator(mode="before")
    @classmethod
    def _deprecated_names(cls, data: Any) -> Any:
        """Scalekit's deprecated ``first_name``/``last_name`` are ``given_name``/``family_name``
        (the current names win when both are sent)."""
        if isinstance(data, dict) and ("first_name" in data or "last_name" in data):
            data = dict(data)
            for old, new in (("first_name", "given_name"), ("last_name", "family_name")):
                if old in data:
                    value = data.pop(old)
                    data.setdefault(new, value)
        return data


class RoleInput(Strict):
    name: str = Field(min_length=1, max_length=64)


class MembershipInput(Strict):
    """Roles left out: the environment's default member role."""

    roles: list[RoleInput] | None = Field(default=None, min_length=1, max_length=16)
    inviter_email: EmailAddress | None = None
    metadata: Metadata | None = None


RoleName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-zA-Z0-9_]+$")]
PermissionName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-zA-Z0-9_:]+$")]
RoleDisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), VisibleLine]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class CreateRole(Strict):
    name: RoleName
    display_name: RoleDisplayName
    description: Description = ""
    extends: RoleName | None = None
    permissions: list[PermissionName] = Field(default_factory=list, max_length=1000)


class UpdateRole(Strict):
    """Partial: fields left out stay. ``permissions`` replaces the direct permissions;
    ``extends: null`` removes the base role; ``name`` renames (holders keep the role)."""

    name: RoleName | None = None
    display_name: RoleDisplayName | None = None
    description: Description | None = None
    extends: RoleName | None = None
    permissions: list[PermissionName] | None = Field(default=None, max_length=1000)


class CreatePermission(Strict):
    name: PermissionName
    description: Description = ""


class UpdatePermission(Strict):
    name: PermissionName | None = None
    description: Description | None = None


class CreateOrganization(Strict):
    display_name: DisplayName
    external_id: ExternalId | None = None
    metadata: Metadata = Field(default_factory=dict)
    created_by_user_id: str | None = None
    slug: Slug | None = None
    logo_url: HttpsUrl | None = None
    region_code: RegionCode | None = None


class UpdateOrganization(Strict):
    """Partial: fields left out stay; ``external_id: null`` clears it."""

    display_name: DisplayName | None = None
    external_id: ExternalId | None = None
    metadata: Metadata | None = None
    slug: Slug | None = Field(default=None, description="`null` or an empty string clears it")
    logo_url: HttpsUrl | None = Field(default=None, description="`null` or an empty string clears it")

    @field_validator("slug", "logo_url", mode="before")
    @classmethod
    def _empty_clears(cls, value: Any) -> Any:
        return None if value == "" else value


class OrganizationFeature(Strict):
    name: Literal["sso", "dir_sync"]
    enabled: bool

    @field_validator("name", mode="before")
    @classmethod
    def _long_name(cls, value: Any) -> Any:
        """Scalekit's documentation also spells ``dir_sync`` as ``directory_sync``."""
        return "dir_sync" if value == "directory_sync" else value


class OrganizationSettingsInput(Strict):
    """Scalekit's organization settings: feature switches, named in the request are set, others stay."""

    features: list[OrganizationFeature] = Field(default_factory=list, max_length=8)


class CreateUserInOrganization(Strict):
    email: EmailAddress
    external_id: ExternalId | None = None
    metadata: Metadata = Field(default_factory=dict)
    membership: MembershipInput = Field(default_factory=MembershipInput)
    user_profile: UserProfileInput = Field(default_factory=UserProfileInput)


class UpdateUser(Strict):
    """Partial: fields left out stay; in ``user_profile`` a ``null`` clears that field."""

    external_id: ExternalId | None = None
    metadata: Metadata | None = None
    user_profile: UserProfileInput | None = None


class OrganizationNameInput(Strict):
    display_name: DisplayName


class SignUp(Strict):
    email: EmailAddress
    password: Password
    user_profile: UserProfileInput = Field(default_factory=UserProfileInput)
    organization: OrganizationNameInput | None = None


class AcceptInvitation(Strict):
    token: str = Field(min_length=1, max_length=512)
    password: Password | None = None
    user_profile: UserProfileInput | None = None
