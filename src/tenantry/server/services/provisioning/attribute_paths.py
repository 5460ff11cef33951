"""Which SCIM attribute paths an attribute mapping may name (SPEC §12): an attribute of the
User resource or its enterprise extension holding one simple value — what ``resources.lookup``
can read and a custom attribute can hold. Resolved against the schema with scim2-models,
imported when a mapping is first checked (issue 17: not at start-up)."""

from __future__ import annotations

from tenantry.server.domain.errors import FieldError

MAX_LENGTH = 300
SIMPLE = (str, int, float, bool)
# Offered on the dashboard; any other single-valued attribute of the schema is accepted too.
SUGGESTED = (
    "title",
    "userType",
    "nickName",
    "preferredLanguage",
    "timezone",
    "profileUrl",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
)


def problem(path: str, field: str) -> FieldError | None:
    """Why ``path`` cannot be mapped (as a field error on ``field``), or None when it can."""
    if not path.strip():
        return FieldError(field, "required", "Enter a SCIM attribute, like title.")
    if len(path) > MAX_LENGTH:
        return FieldError(field, "too_long", "too long", {"max_length": MAX_LENGTH})
    from scim2_models import InvalidPathException, Path

    from tenantry.server.services.provisioning.protocol import UserModel

    try:
        binding = Path[UserModel](path.strip()).resolve()
    except InvalidPathException:
        return FieldError(
            field,
            "invalid_path",
            "This is not a SCIM attribute name. Write one like title, name.givenName or "
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department.",
        )
    if binding is None:
        return FieldError(field, "unknown_attribute", "The SCIM User schema has no attribute by this name.")
    kind = binding.sub_field_type if binding.sub_field_name else binding.field_type
    if binding.is_multivalued or not (isinstance(kind, type) and issubclass(kind, SIMPLE)):
        return FieldError(
            field,
            "not_single_value",
            "This attribute does not hold one simple value (text, a number or yes/no); choose one that "
            "does, like name.givenName rather than name or emails.",
        )
    return None
