from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base
from tenantry.server.domain.api_tokens import new_generation


class ApiClient(Base):
    """A machine client of the management API (OAuth2 client credentials)."""

    __tablename__ = "api_clients"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # Access tokens name the generation they were issued under (domain/api_tokens.py);
    # a new one revokes them all.
    token_generation: Mapped[str] = mapped_column(String(32), default=new_generation, server_default="0")
