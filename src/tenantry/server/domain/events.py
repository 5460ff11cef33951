"""Event types, and the retry schedule of webhook deliveries (pure rules, no I/O)."""

from __future__ import annotations

import random
from datetime import timedelta

EVENT_TYPES = (
    "user.signup",
    "user.created",
    "user.login",
    "user.logout",
    "user.updated",
    "user.deleted",
    "organization.created",
    "organization.updated",
    "organization.deleted",
    "user.organization_invitation",
    "user.organization_membership_created",
    "user.organization_membership_updated",
    "user.organization_membership_deleted",
    "invitation.accepted",
    "invitation.expired",
    "environment.settings_updated",
    "user_attribute.created",
    "user_attribute.updated",
    "user_attribute.deleted",
    "role.created",
    "role.updated",
    "role.deleted",
    "permission.created",
    "permission.updated",
    "permission.deleted",
    "organization.domain_created",
    "organization.domain_updated",
    "organization.domain_verified",
    "organization.domain_deleted",
    "organization.connection_created",
    "organization.connection_updated",
    "organization.connection_enabled",
    "organization.connection_disabled",
    "organization.connection_deleted",
    "user.sso_login",
    "user.mfa_enrolled",
    "user.mfa_removed",
    "user.mfa_used",
    "user.mfa_recovery_codes_regenerated",
    "user.passkey_registered",
    "user.passkey_removed",
    "user.passkey_login",
    "user.magic_link_login",
    "environment.connection_created",
    "environment.connection_updated",
    "environment.connection_enabled",
    "environment.connection_disabled",
    "environment.connection_deleted",
    "user.social_login",
    "user.social_identity_linked",
    "user.social_identity_unlinked",
    "user.social_login_refused",
    "user.sso_provisioning_refused",
    "user.sso_login_refused",
    "directory.created",
    "directory.updated",
    "directory.deleted",
    "directory.user_refused",
    "directory.secret_created",
    "organization.portal_link_created",
    "organization.portal_link_opened",
    "organization.portal_link_revoked",
)

# A delivery is retried for this long after its event; then it is marked failed.
RETRY_WINDOW = timedelta(hours=24)
# No wait between two attempts is longer than this (so the last day still sees retries).
MAX_RETRY_DELAY = timedelta(hours=2)


def retry_delay(attempt: int, base: timedelta, rng: random.Random | None = None) -> timedelta:
    """How long to wait after failed attempt number ``attempt`` (1, 2, …): ``base`` doubled
    each time, capped at ``MAX_RETRY_DELAY``, with "equal jitter" (half fixed, half random)
    so that endpoints coming back from an outage are not hit by every retry at once."""
    exponent = min(attempt - 1, 30)  # 2**30 times any sane base is past the cap
    ceiling = min(base * (2**exponent), MAX_RETRY_DELAY)
    draw = (rng or random.SystemRandom()).random()
    return ceiling / 2 + ceiling / 2 * draw


def full_jitter(attempt: int, base: timedelta, cap: timedelta, rng: random.Random | None = None) -> timedelta:
    """How long to wait after failed attempt number ``attempt`` (1, 2, …): drawn evenly from
    (0, ceiling], the ceiling ``base`` doubled per attempt and never above ``cap`` ("full
    jitter"). Work that failed together (a database outage, a bad deploy) is then retried
    spread over the whole window instead of all at once, and never waits past ``cap``."""
    ceiling = min(base * (2 ** min(attempt, 30)), cap)
    return ceiling * (1.0 - (rng or random.SystemRandom()).random())  # random() < 1: never zero


def matches(event_type: str, filters: list[str]) -> bool:
    """An endpoint with no filter gets every event; otherwise only the listed types."""
    return not filters or event_type in filters
