from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class Organization(Base):
    """A tenant.

    ``seats_held`` counts this organization's memberships with ``holds_seat`` set (active
    ones and invitations that have not given their seat back). Seat checks update it with
    one conditional ``UPDATE``, so they are exact under concurrency and cost the same
    whatever the size of the organization (see ``services/membership/ledger.py``).
    """

    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint("seats_held >= 0", name="seats_held_not_negative"),
        CheckConstraint("max_allowed_users IS NULL OR max_allowed_users >= 1", name="max_allowed_users_positive"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata")
    max_allowed_users: Mapped[int | None]
    seats_held: Mapped[int] = mapped_column(default=0)
    created_by_user_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # SPEC §10 domain join: off | suggest | auto; §11: domain users must sign in through SSO
    domain_join: Mapped[str] = mapped_column(String(8), default="off", server_default="off")
    sso_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    # SPEC §13: members must sign in with a second factor (unless the environment's MFA is off)
    mfa_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Scalekit's fields (SPEC §15): ``features`` maps a feature name (``sso``, ``dir_sync``) to
    # whether the application turned it on for this organization.
    slug: Mapped[str | None] = mapped_column(String(253), unique=True)
    logo_url: Mapped[str | None] = mapped_column(String(1024))
    region_code: Mapped[str | None] = mapped_column(String(8))
    features: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Scalekit's session policy (domain/session_policy.py): NULL = the application's.
    session_absolute_timeout_minutes: Mapped[int | None]
    session_idle_timeout_minutes: Mapped[int | None]
    # The role members get when none is named, by id (renames keep it; no foreign key, as roles
    # point here; deleting a role an organization names is refused). NULL = the environment's.
    default_member_role_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
