"""What "at the creation limit" means (SPEC §1 ``max_organizations_per_user``), in one place
for the service that refuses and the pages that say so before the work."""

from __future__ import annotations


def creation_limit_reached(limit: int | None, created: int) -> bool:
    """The user may create no more organizations. ``None`` means no limit."""
    return limit is not None and created >= limit
