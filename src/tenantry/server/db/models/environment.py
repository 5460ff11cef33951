from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base

SETTINGS_ROW_ID = 1


class EnvironmentSettingsRow(Base):
    """The one row of environment settings, stored as the validated settings document."""

    __tablename__ = "environment_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
