"""Fields a directory owns (SPEC §12): the profile fields and mapped custom attributes a
directory sends for a user it provisions. They are read-only on the hosted profile page
and in the dashboard; the directory's next push would overwrite any other edit. The
management API leaves them to the application (SPEC §12 names only the two screens)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db.models import Directory, DirectoryUser
from tenantry.server.domain.errors import FieldError, InvalidArgument
from tenantry.server.services.commands import UserProfileInput

CUSTOM = "custom_attributes."


def owned_fields(session: Session, user_id: str) -> frozenset[str]:
    """``given_name``… and ``custom_attributes.<key>`` that a directory sends for this user."""
    owned: set[str] = set()
    rows = session.execute(
        select(DirectoryUser.document, Directory.attribute_mappings)
        .join(Directory, Directory.id == DirectoryUser.directory_id)
        .where(DirectoryUser.user_id == user_id)
    )
    found = rows.all()
    if not found:
        return frozenset()
    # SCIM's models (scim2-models) only for a provisioned user: not at start-up (issue 17)
    from tenantry.server.services.provisioning.protocol import UserModel
    from tenantry.server.services.provisioning.resources import STORED_CTX, lookup, profile_values

    for document, mappings in found:
        resource = UserModel.model_validate(document)
        sent = resource.model_dump(scim_ctx=STORED_CTX)
        owned.update(name for name, value in profile_values(resource).items() if value is not None)
        owned.update(
            CUSTOM + str(m["key"]) for m in mappings or [] if lookup(sent, str(m.get("map_to", ""))) is not None
        )
    return frozenset(owned)


def owned(ctx: Context, user_id: str) -> frozenset[str]:
    with ctx.uow(readonly=True) as uow:
        return owned_fields(uow.session, user_id)


def refuse_owned(session: Session, user_id: str, profile: UserProfileInput | None) -> None:
    """Raises InvalidArgument (detail code ``directory_owned``, one per field) when
    ``profile`` sets a field a directory owns for this user."""
    if profile is None:
        return
    named: Iterable[str] = (
        *profile.model_fields_set,
        *(CUSTOM + key for key in (profile.custom_attributes or {})),
    )
    taken = sorted(set(named) & owned_fields(session, user_id))
    if taken:
        raise InvalidArgument(
            "Your organization's directory manages some of these details; change them there.",
            [FieldError(f"user_profile.{name}", "directory_owned", "managed by the directory") for name in taken],
        )
