"""Environment settings use cases (SPEC §1)."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db.models import EnvironmentSettingsRow
from tenantry.server.db.models.environment import SETTINGS_ROW_ID
from tenantry.server.domain.environment import EnvironmentSettings, EnvironmentSettingsPatch, apply_patch
from tenantry.server.services.integration import events

# The last document read and its validated settings: every invitation and sign-in reads the
# row, which seldom changes, and validating it was most of load()'s cost (issue 18). The row
# is still read each time, so a change made by another process is seen at once. Nobody
# modifies a loaded EnvironmentSettings (updates build a new one), so one object can be shared.
_parsed: tuple[dict[str, Any], EnvironmentSettings] | None = None
# The document alone, by a statement built once: loading the row as an object (Session.get)
# was a tenth of an invitation's CPU (issue 18). Autoflushed like any query of the session.
_DOCUMENT = select(EnvironmentSettingsRow.document).where(EnvironmentSettingsRow.id == SETTINGS_ROW_ID)


def load(session: Session) -> EnvironmentSettings:
    """The settings in force, for use inside another use case's transaction."""
    global _parsed
    document = session.scalar(_DOCUMENT) or {}
    parsed = _parsed
    if parsed is not None and parsed[0] == document:
        return parsed[1]
    settings = EnvironmentSettings.model_validate(document)
    _parsed = (copy.deepcopy(document), settings)
    return settings


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
