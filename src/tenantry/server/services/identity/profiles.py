"""Writing a user's profile: standard fields and custom attributes, one way for every path."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy.orm import Session

from tenantry.server.db.models import User
from tenantry.server.domain.attributes import Requirement, validate_custom_attributes
from tenantry.server.services.commands import UserProfileInput
from tenantry.server.services.directory.attributes import load_definitions
from tenantry.server.services.read_models.views import EXTRA_PROFILE_FIELDS, PROFILE_FIELDS


def apply_profile(
    session: Session, user: User | SimpleNamespace, profile: UserProfileInput | None, requirement: Requirement
) -> None:
    """Set the fields ``profile`` names (a sent ``null`` clears one) and leave the others
    (``user``: the model, or a new user's columns before they are written).

    Custom attributes merge into the stored ones and are checked against the environment's
    definitions, including the required ones ``requirement`` names, even when ``profile``
    sends none. Raises InvalidArgument with a detail per bad field.
    """
    profile = profile or UserProfileInput()
    for name in (*PROFILE_FIELDS, *EXTRA_PROFILE_FIELDS):
        if name in profile.model_fields_set:
            value = getattr(profile, name)
            setattr(user, name, list(dict.fromkeys(value or [])) if name == "groups" else value)
    if "metadata" in profile.model_fields_set:
        user.profile_metadata = profile.metadata or {}
    incoming, current = profile.custom_attributes or {}, user.custom_attributes or {}
    if not incoming and not current and requirement is Requirement.NONE:
        user.custom_attributes = {}  # nothing to check, whatever is defined: no need to read the definitions
        return
    user.custom_attributes = validate_custom_attributes(incoming, load_definitions(session), current, requirement)


def additions_only(profile: UserProfileInput | None) -> UserProfileInput | None:
    """``profile`` without the fields that would clear something: a ``null`` or a blank
    standard field, a ``null`` or blank custom attribute. Accepting an invitation adds to a
    profile and never erases it: an existing user's saved values survive a form that did
    not ask for them (or an empty box)."""
    if profile is None:
        return None
    kept = {
        name: getattr(profile, name)
        for name in profile.model_fields_set
        if name != "custom_attributes" and not _blank(getattr(profile, name))
    }
    attributes = {key: value for key, value in (profile.custom_attributes or {}).items() if not _blank(value)}
    if attributes:
        kept["custom_attributes"] = attributes
    return UserProfileInput.model_validate(kept)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
