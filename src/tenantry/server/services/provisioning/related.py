"""A directory's SCIM base URL, and which of its rows relate: a user's groups, a group's
members. Without scim2-models (``resources.py`` turns rows into SCIM resources): the dashboard
and the API list directories with these, and loading SCIM's models waits for the first SCIM
request (issue 17)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.server.db.models import DirectoryGroup, DirectoryGroupMember, DirectoryUser


def base_url(public_url: str, directory_id: str) -> str:
    return f"{public_url.rstrip('/')}/scim/v2/{directory_id}"


def groups_of(session: Session, user_ids: Sequence[str]) -> dict[str, list[DirectoryGroup]]:
    found: dict[str, list[DirectoryGroup]] = {user_id: [] for user_id in user_ids}
    if not user_ids:
        return found
    rows = session.execute(
        select(DirectoryGroupMember.directory_user_id, DirectoryGroup)
        .join(DirectoryGroup, DirectoryGroup.id == DirectoryGroupMember.group_id)
        .where(DirectoryGroupMember.directory_user_id.in_(list(user_ids)))
        .order_by(DirectoryGroup.display_name_key)
    )
    for user_id, group in rows:
        found[user_id].append(group)
    return found


def members_of(session: Session, group_ids: Sequence[str]) -> dict[str, list[tuple[DirectoryUser, str | None]]]:
    """Each group's members with the ``display`` the provider sent for them."""
    found: dict[str, list[tuple[DirectoryUser, str | None]]] = {group_id: [] for group_id in group_ids}
    if not group_ids:
        return found
    rows = session.execute(
        select(DirectoryGroupMember.group_id, DirectoryUser, DirectoryGroupMember.display)
        .join(DirectoryUser, DirectoryUser.id == DirectoryGroupMember.directory_user_id)
        .where(DirectoryGroupMember.group_id.in_(list(group_ids)))
        .order_by(DirectoryUser.created_at, DirectoryUser.id)
    )
    for group_id, user, display in rows:
        found[group_id].append((user, display))
    return found
