from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ForeignKey, Index, String, UniqueConstraint, and_, text
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base
from tenantry.server.domain.memberships import MembershipStatus, membership_status


class Membership(Base):
    """A user in an organization, with the invitation that brought them in (if any).

    Status is derived, never stored (``domain.memberships.membership_status``):
    ``deactivated_at`` set = inactive; else ``accepted_at`` set = active; otherwise pending
    until ``expires_at``, expired after. ``holds_seat`` says whether the row is counted in
    its organization's ``seats_held``; only the membership ledger writes it.
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
    # The application's own JSON map (Scalekit's membership ``metadata``). Roles live in
    # ``membership_roles`` (by role id).
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    holds_seat: Mapped[bool] = mapped_column(default=True)
    accepted_at: Mapped[datetime | None]
    invitation_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    inviter_email: Mapped[str | None] = mapped_column(String(320))
    # The invitee's address as the inviter typed it: what the organization's members page
    # shows for an invitation (never the stored casing or name of an existing account).
    invited_email: Mapped[str | None] = mapped_column(String(320))
    invited_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    # Set once the ``invitation.expired`` event for the current expiry is written (one
    # conditional UPDATE claims it, so the event is recorded once); a resend clears it.
    expiry_announced: Mapped[bool] = mapped_column(default=False)
    resent_at: Mapped[datetime | None]
    resent_count: Mapped[int] = mapped_column(default=0)
    # invitation | api | signup | domain | sso_jit | directory (SPEC §3)
    provisioning_method: Mapped[str] = mapped_column(String(20), default="api")
    # Suspended by the application or deprovisioned by a directory (SPEC §3): no seat.
    deactivated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def status(self, now: datetime) -> MembershipStatus:
        return membership_status(self.accepted_at, self.expires_at, now, self.deactivated_at)

    # The SQL twins of ``membership_status``: the one definition of "pending" and "expired".
    @classmethod
    def pending_invitation(cls, now: datetime) -> ColumnElement[bool]:
        return and_(cls.accepted_at.is_(None), cls.deactivated_at.is_(None), cls.expires_at > now)

    @classmethod
    def expired_invitation(cls, now: datetime) -> ColumnElement[bool]:
        return and_(cls.accepted_at.is_(None), cls.deactivated_at.is_(None), cls.expires_at <= now)

    @classmethod
    def expired_seat_holder(cls, now: datetime) -> ColumnElement[bool]:
        """An expired invitation whose seat was not yet given back."""
        return and_(cls.holds_seat.is_(True), cls.expired_invitation(now))
