"""Users' second factors and organizations' MFA requirement (SPEC §13)."""

from __future__ import annotations

from datetime import datetime

from tenantry.sdk.calls import Call, many, nothing, one
from tenantry.sdk.models import Model
from tenantry.sdk.resources import Resource


class Factor(Model):
    id: str
    type: str
    create_time: datetime
    confirmed_time: datetime | None = None
    last_used_time: datetime | None = None


class MfaSettings(Model):
    mfa_required: bool


def _factors(user_id: str) -> str:
    return f"/api/v1/users/{user_id}/mfa/factors"


class Mfa(Resource):
    def list_factors(self, user_id: str) -> list[Factor]:
        return self._r.run(Call("GET", _factors(user_id), many(Factor, "factors")))

    def delete_factor(self, user_id: str, factor_id: str) -> None:
        return self._r.run(Call("DELETE", f"{_factors(user_id)}/{factor_id}", nothing))

    def reset(self, user_id: str) -> None:
        """Remove every second factor and recovery code of the user (a lost phone); they
        enrol again at their next sign-in when MFA is required."""
        return self._r.run(Call("DELETE", _factors(user_id), nothing))

    def get_organization_settings(self, organization_id: str) -> MfaSettings:
        path = f"/api/v1/organizations/{organization_id}/settings/mfa"
        return self._r.run(Call("GET", path, one(MfaSettings, "settings")))

    def update_organization_settings(self, organization_id: str, *, mfa_required: bool) -> MfaSettings:
        path = f"/api/v1/organizations/{organization_id}/settings/mfa"
        body = {"settings": {"mfa_required": mfa_required}}
        return self._r.run(Call("PATCH", path, one(MfaSettings, "settings"), json=body))
