from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class UserAttribute(Base):
    """A custom profile field defined for the whole environment (SPEC §4)."""

    __tablename__ = "user_attributes"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(default=False)
    collect_on_signup: Mapped[bool] = mapped_column(default=False)
    user_editable: Mapped[bool] = mapped_column(default=True)
    options: Mapped[list[Any] | None]
    min_length: Mapped[int | None]
    max_length: Mapped[int | None]
    minimum: Mapped[float | None]
    maximum: Mapped[float | None]
    pattern: Mapped[str | None] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
