"""Progressive lock-out of password sign-in for one e-mail address under guessing.

After ``THRESHOLD`` wrong passwords in a row, password sign-in for that address pauses for
``BASE``; every further lock-out doubles the pause, up to ``CAP``. A quiet day
(``FORGET_AFTER`` without a failure) forgets the history. The pause never blocks the
owner: e-mailed codes and reset links keep working and clear it, as does a successful
sign-in. Unknown addresses are counted exactly like registered ones, so the answers tell
nothing about which addresses exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from tenantry.server.domain.errors import TenantryError

THRESHOLD = 5
BASE = timedelta(minutes=1)
CAP = timedelta(hours=1)
FORGET_AFTER = timedelta(hours=24)


class PasswordLoginLocked(TenantryError):
    code = "password_login_locked"
    default_message = "Too many wrong passwords for this e-mail address."

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"Too many wrong passwords for this e-mail address: password sign-in is paused for "
            f"{minutes} minute{'s' if minutes > 1 else ''}. You can sign in with a code sent by e-mail "
            "or reset your password right away."
        )
        self.retry_after = retry_after


@dataclass
class LockoutState:
    """What is remembered about one address: failures since the last pause, pauses so far."""

    failures: int = 0
    level: int = 0
    locked_until: datetime | None = None
    last_failure_at: datetime | None = None


def pause_for(level: int) -> timedelta:
    """The length of the ``level``-th pause (0-based): BASE doubled ``level`` times, at most CAP."""
    return min(BASE * (2 ** min(level, 32)), CAP)


def check(state: LockoutState | None, now: datetime) -> None:
    """Raise PasswordLoginLocked while the address's password sign-in is paused."""
    if state is not None and state.locked_until is not None and state.locked_until > now:
        raise PasswordLoginLocked(max(1, math.ceil((state.locked_until - now).total_seconds())))


def record_failure(state: LockoutState, now: datetime) -> bool:
    """Count one wrong password; True when it starts a pause."""
    if state.last_failure_at is not None and now - state.last_failure_at > FORGET_AFTER:
        state.failures, state.level = 0, 0
    state.failures += 1
    state.last_failure_at = now
    if state.failures < THRESHOLD:
        return False
    state.locked_until = now + pause_for(state.level)
    state.level += 1
    state.failures = 0
    return True
