"""Session policies (Scalekit's organization session policy, SPEC §15): how long a hosted-page
session of an organization lasts in all (absolute timeout) and without activity (idle timeout).

An organization follows the application's policy (``APPLICATION``: Tenantry's sessions last 14
days and have no idle timeout) or has its own (``CUSTOM``). A session follows the policy of the
organization it is signed in to (its current one); a session with no organization follows the
application's.

Activity is written at most every ``touch_every()`` (5 minutes, less for short idle timeouts),
so a session is never ended before ``idle`` of real inactivity, and ends at most that much later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tenantry.server.domain.errors import InvalidArgument

APPLICATION_ABSOLUTE = timedelta(days=14)
MINIMUM = timedelta(minutes=5)
MAXIMUM = timedelta(days=90)
TOUCH_EVERY = timedelta(minutes=5)
UNIT_MINUTES = {"MINUTES": 1, "HOURS": 60, "DAYS": 24 * 60}


@dataclass(frozen=True)
class SessionPolicy:
    absolute: timedelta
    idle: timedelta | None
    custom: bool

    @classmethod
    def stored(cls, absolute_minutes: int | None, idle_minutes: int | None) -> SessionPolicy:
        """The policy an organization's columns describe (``None`` absolute = the application's)."""
        if absolute_minutes is None:
            return APPLICATION
        return cls(timedelta(minutes=absolute_minutes), timedelta(minutes=idle_minutes) if idle_minutes else None, True)

    def touch_every(self) -> timedelta:
        return TOUCH_EVERY if self.idle is None else min(TOUCH_EVERY, self.idle / 5)

    def idle_expires_at(self, last_seen_at: datetime) -> datetime | None:
        return None if self.idle is None else last_seen_at + self.idle + self.touch_every()

    def ended(self, last_seen_at: datetime, now: datetime) -> bool:
        """Whether the idle timeout has ended a session last seen at ``last_seen_at``."""
        limit = self.idle_expires_at(last_seen_at)
        return limit is not None and now >= limit


APPLICATION = SessionPolicy(APPLICATION_ABSOLUTE, None, False)


def minutes(value: int, unit: str | None, field: str) -> int:
    """``value`` in ``unit`` (MINUTES, HOURS or DAYS; default MINUTES) as minutes, between 5
    minutes and 90 days. Raises InvalidArgument."""
    factor = UNIT_MINUTES.get((unit or "MINUTES").upper())
    if factor is None:
        raise InvalidArgument.field(f"{field}_unit", "invalid", "MINUTES, HOURS or DAYS")
    total = value * factor
    # Compared as minutes: a huge value must be refused, not overflow timedelta (a 500).
    if not MINIMUM.total_seconds() // 60 <= total <= MAXIMUM.total_seconds() // 60:
        raise InvalidArgument.field(field, "out_of_range", "must be 5 minutes to 90 days")
    return total


def custom(absolute_minutes: int | None, idle_enabled: bool | None, idle_minutes: int | None) -> tuple[int, int | None]:
    """The stored columns of a custom policy: absolute (the application's when not given) and
    idle (``None`` when disabled). Raises InvalidArgument (idle enabled without a value, idle
    longer than the absolute timeout)."""
    absolute = absolute_minutes if absolute_minutes is not None else int(APPLICATION_ABSOLUTE.total_seconds()) // 60
    if idle_enabled is False:
        return absolute, None
    if idle_minutes is None:
        if idle_enabled:
            raise InvalidArgument.field("idle_session_timeout", "required", "give the idle timeout")
        return absolute, None
    if idle_minutes > absolute:
        raise InvalidArgument.field("idle_session_timeout", "out_of_range", "cannot exceed the absolute timeout")
    return absolute, idle_minutes
