from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class SigningKey(Base):
    """An RSA key that signs ID and access tokens. The newest unretired key signs; retired
    keys stay published in the JWKS until every token they signed has expired."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_jwk: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]
