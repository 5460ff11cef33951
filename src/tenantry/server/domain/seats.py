"""What "full" means (SPEC §2), in one place for the ledger, the API and every page.

Seats in use are active memberships plus unexpired invitations. A limit of ``None`` means
no limit. The ledger (``services/membership/ledger.py``) applies these rules under lock;
pages and the dashboard use the same predicates to say so up front.
"""

from __future__ import annotations

from tenantry.server.domain.errors import OrganizationUserLimitReached

OVER_LIMIT_MESSAGE = (
    "The organization is over its user limit; this invitation cannot be accepted until a seat frees up."
)


def is_full(limit: int | None, used: int) -> bool:
    """No new seat can be taken: new invitations, members and re-activations are refused."""
    return limit is not None and used >= limit


def free_seats(limit: int | None, used: int) -> int | None:
    """Seats still free (never negative), or None without a limit."""
    return None if limit is None else max(limit - used, 0)


def acceptance_blocked(limit: int | None, used: int) -> bool:
    """An unexpired invitation already holds its seat (counted in ``used``), so accepting it
    is allowed even when full, except after the limit was lowered: it is refused while the
    seats used by everyone else already reach the limit."""
    return limit is not None and used - 1 >= limit


def full_error() -> OrganizationUserLimitReached:
    return OrganizationUserLimitReached()


def over_limit_error() -> OrganizationUserLimitReached:
    return OrganizationUserLimitReached(OVER_LIMIT_MESSAGE)
