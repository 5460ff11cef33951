"""Environment settings use cases (SPEC §1)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import config_stamp
from tenantry.server.db.models import EnvironmentSettingsRow
from tenantry.server.db.models.environment import SETTINGS_ROW_ID
from tenantry.server.domain.environment import EnvironmentSettings, EnvironmentSettingsPatch, apply_patch
from tenantry.server.services.integration import events

# The document alone, by a statement built once: loading the row as an object (Session.get)
# was a tenth of an invitation's CPU (issue 18). Autoflushed like any query of the session.
_DOCUMENT = select(EnvironmentSettingsRow.document).where(EnvironmentSettingsRow.id == SETTINGS_ROW_ID)


def load(session: Session) -> EnvironmentSettings:
    """The settings in force, for use inside another use case's transaction. Every invitation
    and sign-in asks: the validated settings are kept per process under the configuration
    stamp (``db/config_stamp.py``), so a change made by another process is seen at once.
    Nobody modifies a loaded EnvironmentSettings (updates build a new one): one object is shared."""
    return config_stamp.cached(session, "environment_settings", _load)


def _load(session: Session) -> EnvironmentSettings:
    return EnvironmentSettings.model_validate(session.scalar(_DOCUMENT) or {})


def get_settings(ctx: Context) -> EnvironmentSettings:
    with ctx.uow(readonly=True) as uow:
        return load(uow.session)


def update_settings(ctx: Context, patch: EnvironmentSettingsPatch) -> EnvironmentSettings:
    """Apply a partial update; the result is validated as a whole before it is stored."""
    with ctx.uow() as uow:
        row = uow.session.get(EnvironmentSettingsRow, SETTINGS_ROW_ID)
        current = EnvironmentSettings.model_validate(row.document if row else {})
        updated = apply_patch(current, patch)
        document = updated.model_dump(mode="json")
        if row is None:
            uow.session.add(EnvironmentSettingsRow(id=SETTINGS_ROW_ID, document=document, updated_at=ctx.clock.now()))
        else:
            row.document = document
            row.updated_at = ctx.clock.now()
        events.settings_event(uow.session, updated, ctx.clock.now())
        uow.commit()
        return updated
