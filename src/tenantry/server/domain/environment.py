"""Environment settings (SPEC §1): their shape, defaults and how a partial update applies."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from tenantry.server.domain.errors import InvalidArgument
from tenantry.server.domain.types import (
    INVITATION_EXPIRY_DEFAULT_SECONDS,
    AppName,
    HexColor,
    HttpUrl,
    InvitationExpirySeconds,
    MetaName,
    OrganizationsPerUserLimit,
)


class OrganizationMetaName(BaseModel):
    model_config = ConfigDict(extra="forbid")
    singular: MetaName = "Organization"
    plural: MetaName = "Organizations"


class Branding(BaseModel):
    model_config = ConfigDict(extra="forbid")
    app_name: AppName = "Tenantry"
    logo_url: HttpUrl | None = None
    primary_color: HexColor = "#4f46e5"


MagicLinkLifetimeSeconds = Annotated[int, Field(ge=60, le=3600)]


class SignInMethods(BaseModel):
    """Which sign-in methods the hosted log-in page offers besides the password and the
    e-mailed code (SPEC §13): passkeys, and a link e-mailed alongside the code."""

    model_config = ConfigDict(extra="forbid")
    passkeys: bool = True
    magic_link: bool = False
    magic_link_lifetime_seconds: MagicLinkLifetimeSeconds = 600


class EnvironmentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signup_enabled: bool = True
    max_organizations_per_user: OrganizationsPerUserLimit | None = None
    invitation_expiry_seconds: InvitationExpirySeconds = INVITATION_EXPIRY_DEFAULT_SECONDS
    organization_meta_name: OrganizationMetaName = OrganizationMetaName()
    branding: Branding = Branding()
    # SPEC §13 (domain/mfa.py): users' second factor off | optional | required; administrators'
    mfa: Literal["off", "optional", "required"] = "off"
    admin_mfa_required: bool = False
    sign_in_methods: SignInMethods = SignInMethods()


class OrganizationMetaNamePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    singular: MetaName | None = None
    plural: MetaName | None = None


class BrandingPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    app_name: AppName | None = None
    logo_url: HttpUrl | None = None
    primary_color: HexColor | None = None


class SignInMethodsPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    passkeys: bool | None = None
    magic_link: bool | None = None
    magic_link_lifetime_seconds: MagicLinkLifetimeSeconds | None = None


class EnvironmentSettingsPatch(BaseModel):
    """A partial update: fields left out stay as they are; ``null`` where allowed clears."""

    model_config = ConfigDict(extra="forbid")
    signup_enabled: bool | None = None
    max_organizations_per_user: OrganizationsPerUserLimit | None = None
    invitation_expiry_seconds: InvitationExpirySeconds | None = None
    organization_meta_name: OrganizationMetaNamePatch | None = None
    branding: BrandingPatch | None = None
    mfa: Literal["off", "optional", "required"] | None = None
    admin_mfa_required: bool | None = None
    sign_in_methods: SignInMethodsPatch | None = None


_NULLABLE = {"max_organizations_per_user", "logo_url"}


def _merge(current: BaseModel, patch: BaseModel, prefix: str = "") -> dict[str, object]:
    merged = current.model_dump()
    for name in patch.model_fields_set:
        value = getattr(patch, name)
        if isinstance(value, BaseModel):
            merged[name] = _merge(getattr(current, name), value, f"{prefix}{name}.")
        elif value is not None or name in _NULLABLE:
            merged[name] = value
        else:
            raise InvalidArgument.field(f"{prefix}{name}", "required", f"{name} cannot be null")
    return merged


def apply_patch(current: EnvironmentSettings, patch: EnvironmentSettingsPatch) -> EnvironmentSettings:
    """The settings after ``patch``. Sent-but-null means "no limit" / "no logo"; absent means
    unchanged; null for a setting that must have a value raises InvalidArgument."""
    return EnvironmentSettings.model_validate(_merge(current, patch))
