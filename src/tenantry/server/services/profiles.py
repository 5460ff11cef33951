"""Writing a user's profile: standard fields and custom attributes."""

from __future__ import annotations

from typing import Any

from tenantry.server.db.models import User
from tenantry.server.domain.errors import FieldError, InvalidArgument
from tenantry.server.services.commands import UserProfileInput
from tenantry.server.services.views import PROFILE_FIELDS


def validate_custom_attributes(values: dict[str, Any]) -> dict[str, Any]:
    """Values checked against the environment's attribute definitions.

    No definitions exist yet in this version, so every key is unknown and refused, as
    SPEC §4 requires for keys without a definition.
    """
    if not values:
        return {}
    raise InvalidArgument(
        "Unknown custom attributes.",
        [
            FieldError(f"user_profile.custom_attributes.{key}", "unknown_attribute", f"no attribute {key!r} is defined")
            for key in sorted(values)
        ],
    )


def apply_profile(user: User, profile: UserProfileInput) -> None:
    """Set the fields ``profile`` names (a sent ``null`` clears one); leave the others."""
    for name in PROFILE_FIELDS:
        if name in profile.model_fields_set:
            setattr(user, name, getattr(profile, name))
    if "custom_attributes" in profile.model_fields_set:
        user.custom_attributes = validate_custom_attributes(profile.custom_attributes or {})
