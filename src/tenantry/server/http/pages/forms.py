"""Turning submitted forms into the services' commands, and their errors into page errors."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from tenantry.server.domain.attributes import AttributeDefinition, AttributeType
from tenantry.server.domain.errors import FieldError, InvalidArgument, TenantryError
from tenantry.server.http.problem import STATUS_BY_CODE, field_errors

PROFILE_INPUTS = ("given_name", "family_name", "name", "phone_number", "locale")


def text(form: dict[str, str], name: str) -> str:
    return form.get(name, "").strip()


def pairs(form: dict[str, str], name: str) -> dict[str, str]:
    """The ``key = value`` lines typed into the ``name`` box (blank lines skipped). Raises
    InvalidArgument naming the box and the line."""
    found: dict[str, str] = {}
    for number, line in enumerate(form.get(name, "").splitlines(), start=1):
        if not line.strip():
            continue
        key, equals, value = line.partition("=")
        if not equals or not key.strip() or not value.strip():
            raise InvalidArgument(
                "Please correct the fields below.",
                [FieldError(name, "malformed", f"line {number}: write one “name = value” per line")],
            )
        found[key.strip()] = value.strip()
    return found


def names(value: str) -> list[str]:
    """The comma-separated names in ``value``, blanks dropped."""
    return [name.strip() for name in value.split(",") if name.strip()]


def profile_from_form(
    form: dict[str, str],
    definitions: list[AttributeDefinition],
    fields: tuple[str, ...] = ("given_name", "family_name"),
) -> dict[str, Any]:
    """A ``user_profile`` object from form inputs: the named standard fields (empty = not
    set) and ``ca.<key>`` inputs for ``definitions``. An unchecked checkbox sends nothing,
    so a boolean shown on the form and absent from it is false."""
    profile: dict[str, Any] = {name: text(form, name) or None for name in fields if name in form}
    attributes: dict[str, Any] = {}
    for definition in definitions:
        name = f"ca.{definition.key}"
        if definition.type is AttributeType.BOOLEAN:
            attributes[definition.key] = form.get(name) == "true"
        elif name in form:
            attributes[definition.key] = form[name]
    if attributes:
        profile["custom_attributes"] = attributes
    return profile


def errors_of(exc: Exception) -> tuple[TenantryError | None, list[FieldError]]:
    """(the refusal for the top of the form, or None when its fields say it all; per-field
    errors) for a refused submission. ``render`` words both."""
    if isinstance(exc, ValidationError):
        return None, field_errors(list(exc.errors()))
    if isinstance(exc, TenantryError):
        return (None if exc.details else exc), exc.details
    raise exc


def status_of(exc: Exception) -> int:
    """The HTTP status a refused form answers with (pages, dashboard, portal): the API's for
    the same rule."""
    return STATUS_BY_CODE.get(exc.code, 400) if isinstance(exc, TenantryError) else 400
