from __future__ import annotations

from tenantry.server.domain.environment import EnvironmentSettingsPatch
from tenantry.server.http.api.v1 import routers
from tenantry.server.http.api.v1.schemas import SettingsEnvelope
from tenantry.server.http.deps import Ctx
from tenantry.server.services.directory import environment

router = routers.protected("environment")


@router.get("/environment/settings", response_model=SettingsEnvelope)
def get_settings(ctx: Ctx) -> SettingsEnvelope:
    return SettingsEnvelope(settings=environment.get_settings(ctx))


@router.patch("/environment/settings", response_model=SettingsEnvelope)
def update_settings(ctx: Ctx, patch: EnvironmentSettingsPatch) -> SettingsEnvelope:
    """Partial update: send only the fields to change; `null` clears a limit or the logo."""
    return SettingsEnvelope(settings=environment.update_settings(ctx, patch))
