from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class Membership(Base):
    """A user in an organization, with the invitation that brought them in (if any).

    Status is derived, never stored: ``accepted_at`` set = active; otherwise pending until
    ``expires_at``, expired after. ``holds_seat`` says whether the row is counted in its
    organization's ``seats_held``; only an expired invitation ever gives its seat back.
    """

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("organization_id", "user_id"),
        # Finds an organization's expired invitations that still hold a seat.
        Index("ix_memberships_seat_holds", "organization_id", "holds_seat", "accepted_at", "expires_at"),
        # The dashboard's list of open invitations across organizations (only unaccepted rows):
        # one index pages them in id order, the other counts and filters pending vs expired.
        Index(
            "ix_memberships_open_invitations",
            "id",
            sqlite_where=text("accepted_at IS NULL"),
            postgresql_where=text("accepted_at IS NULL"),
        ),
        Index(
            "ix_memberships_open_invitations_expiry",
            "expires_at",
            "id",
            sqlite_where=text("accepted_at IS NULL"),
            postgresql_where=text("accepted_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(40), ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(40), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    roles: Mapped[list[Any]] = mapped_column(default=list)
    holds_seat: Mapped[bool] = mapped_column(default=True)
    accepted_at: Mapped[datetime | None]
    invitation_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    inviter_email: Mapped[str | None] = mapped_column(String(320))
    invited_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    # Set once the ``invitation.expired`` event for the current expiry is written (one
    # conditional UPDATE claims it, so the event is recorded once); a resend clears it.
    expiry_announced: Mapped[bool] = mapped_column(default=False)
    resent_at: Mapped[datetime | None]
    resent_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
