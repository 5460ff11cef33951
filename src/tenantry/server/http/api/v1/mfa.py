"""Users' second factors and organizations' MFA requirement (SPEC §13) over REST."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tenantry.server.http.api.v1 import routers
from tenantry.server.http.deps import Ctx
from tenantry.server.services.directory import organization_mfa
from tenantry.server.services.identity import factors

router = routers.protected("users")


class Factor(BaseModel):
    id: str
    type: str = Field(description="totp: an authenticator app (RFC 6238); security_key: a WebAuthn security key.")
    create_time: datetime
    confirmed_time: datetime | None
    last_used_time: datetime | None


class FactorList(BaseModel):
    factors: list[Factor]


class MfaSettings(BaseModel):
    mfa_required: bool = Field(
        description="Members sign in with a second factor (unless the environment's mfa setting is off)."
    )


class MfaSettingsPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mfa_required: bool


class MfaSettingsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    settings: MfaSettingsPatch


class MfaSettingsEnvelope(BaseModel):
    settings: MfaSettings


@router.get("/users/{user_id}/mfa/factors", response_model=FactorList)
def list_factors(ctx: Ctx, user_id: str) -> FactorList:
    """The user's enrolled second factors (never their secrets)."""
    return FactorList(
        factors=[
            Factor(
                id=f.id,
                type=f.kind,
                create_time=f.created_at,
                confirmed_time=f.confirmed_at,
                last_used_time=f.last_used_at,
            )
            for f in factors.list_factors(ctx, user_id)
        ]
    )


@router.delete("/users/{user_id}/mfa/factors/{factor_id}")
def delete_factor(ctx: Ctx, user_id: str, factor_id: str) -> dict[str, object]:
    """Removes the factor and the user's recovery codes: the user enrols again at the next
    sign-in when MFA is required."""
    factors.delete_factor(ctx, user_id, factor_id)
    return {}


@router.delete("/users/{user_id}/mfa/factors")
def reset_mfa(ctx: Ctx, user_id: str) -> dict[str, object]:
    """Resets the user's MFA: every factor and recovery code goes (a lost phone)."""
    return {"removed": factors.reset(ctx, user_id)}


@router.get("/organizations/{organization_id}/settings/mfa", response_model=MfaSettingsEnvelope)
def get_mfa_settings(ctx: Ctx, organization_id: str) -> MfaSettingsEnvelope:
    return MfaSettingsEnvelope(settings=MfaSettings(mfa_required=organization_mfa.required(ctx, organization_id)))


@router.patch("/organizations/{organization_id}/settings/mfa", response_model=MfaSettingsEnvelope)
def update_mfa_settings(ctx: Ctx, organization_id: str, body: MfaSettingsBody) -> MfaSettingsEnvelope:
    required = organization_mfa.set_required(ctx, organization_id, body.settings.mfa_required)
    return MfaSettingsEnvelope(settings=MfaSettings(mfa_required=required))
