"""Membership status: pure rules, no storage (roles: ``domain/roles.py``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal


class MembershipStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PENDING_INVITE = "PENDING_INVITE"
    INVITE_EXPIRED = "INVITE_EXPIRED"
    INACTIVE = "INACTIVE"


# How a membership came to be (SPEC §3).
ProvisioningMethod = Literal["invitation", "api", "signup", "domain", "sso_jit", "directory"]

# An invitation not (yet) accepted: what resend and revoke act on.
INVITATION_STATUSES = frozenset({MembershipStatus.PENDING_INVITE, MembershipStatus.INVITE_EXPIRED})


def membership_status(
    accepted_at: datetime | None,
    expires_at: datetime | None,
    now: datetime,
    deactivated_at: datetime | None = None,
) -> MembershipStatus:
    """Derived from the stored dates and the clock, so it is never stale.

    A deactivated membership is inactive; an accepted one is active; an unaccepted one is
    pending until ``expires_at`` (exclusive) and expired from then on. The SQL twins of
    this rule are ``Membership.pending_invitation`` / ``expired_invitation``.
    """
    if deactivated_at is not None:
        return MembershipStatus.INACTIVE
    if accepted_at is not None:
        return MembershipStatus.ACTIVE
    if expires_at is not None and now < expires_at:
        return MembershipStatus.PENDING_INVITE
    return MembershipStatus.INVITE_EXPIRED
