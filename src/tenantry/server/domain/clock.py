"""Where "now" comes from. Services take a clock so tests can move time instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol, overload


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@overload
def assume_utc(moment: datetime) -> datetime: ...
@overload
def assume_utc(moment: None) -> None: ...
def assume_utc(moment: datetime | None) -> datetime | None:
    """``moment`` as given when it has an offset (or is None); a moment written without one
    (a query's ``since``, a date typed into a filter) is read as UTC."""
    return moment if moment is None or moment.tzinfo is not None else moment.replace(tzinfo=UTC)
