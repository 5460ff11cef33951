from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class OrganizationDomain(Base):
    """An e-mail domain an organization lists (SPEC §10).

    ``verified_domain`` repeats ``domain`` once verified and is NULL before: its unique index
    is what makes a verified domain belong to one organization only, even when two
    organizations verify the same domain at the same moment.
    """

    __tablename__ = "organization_domains"
    __table_args__ = (UniqueConstraint("organization_id", "domain"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(253), index=True)
    domain_type: Mapped[str] = mapped_column(String(32))
    verification_status: Mapped[str] = mapped_column(String(16))
    verification_method: Mapped[str | None] = mapped_column(String(16))
    txt_record_secret: Mapped[str] = mapped_column(String(128))
    verified_domain: Mapped[str | None] = mapped_column(String(253), unique=True)
    last_checked_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
