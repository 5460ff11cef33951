from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class MfaFactor(Base):
    """A user's second factor: for now a TOTP authenticator. The secret must be readable to
    check codes, so it is encrypted (AES-GCM bound to the factor's id), never kept as is.
    ``confirmed_at`` is null while the user has not yet entered a first code (enrolment);
    ``last_step`` is the last TOTP time step accepted, so no code is accepted twice."""

    __tablename__ = "mfa_factors"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # totp
    secret_encrypted: Mapped[str] = mapped_column(String(400))
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
