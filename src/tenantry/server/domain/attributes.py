"""Custom user attributes (SPEC §4): definitions and the one validator of their values.

Every path that writes a profile (API, sign-up, invitation acceptance, hosted pages,
dashboard) goes through ``validate_custom_attributes``. Values are normalised on the way
in (numbers as numbers, ISO dates, lower-case e-mails, E.164 phones where they parse), so
what is stored is always valid for its definition.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tenantry.server.domain.errors import FieldError, InvalidArgument
from tenantry.server.domain.patterns import PatternUnsupported, compile_pattern, full_match
from tenantry.server.domain.types import ReadableText, VisibleLine, normalize_email

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
MAX_TEXT_LENGTH = 4096
MAX_OPTIONS = 200
MAX_DEFINITIONS = 200
MAX_SAFE_INTEGER = 2**53 - 1  # beyond this JSON clients lose precision


class AttributeType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATE = "date"
    EMAIL = "email"
    URL = "url"
    PHONE = "phone"
    ENUM = "enum"


LENGTH_TYPES = frozenset({AttributeType.STRING, AttributeType.EMAIL, AttributeType.URL, AttributeType.PHONE})
RANGE_TYPES = frozenset({AttributeType.NUMBER, AttributeType.INTEGER})

AttributeKey = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
OptionValue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), VisibleLine]
DisplayText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), VisibleLine]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), ReadableText]
Length = Annotated[int, Field(ge=0, le=MAX_TEXT_LENGTH)]
Bound = Annotated[float, Field(allow_inf_nan=False)]


class AttributeRules(BaseModel):
    """Everything about a definition except its key; shared by create and update."""

    model_config = ConfigDict(extra="forbid")
    display_name: DisplayText
    description: Description = ""
    type: AttributeType
    required: bool = False
    collect_on_signup: bool = False
    user_editable: bool = True
    options: list[OptionValue] | None = None
    min_length: Length | None = None
    max_length: Length | None = None
    minimum: Bound | None = None
    maximum: Bound | None = None
    pattern: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    position: Annotated[int, Field(ge=0, le=1_000_000)] | None = None


class AttributeDefinition(AttributeRules):
    key: AttributeKey


class AttributeDefinitionPatch(BaseModel):
    """A partial update. The key cannot change; ``null`` clears an optional constraint."""

    model_config = ConfigDict(extra="forbid")
    display_name: DisplayText | None = None
    description: Description | None = None
    type: AttributeType | None = None
    required: bool | None = None
    collect_on_signup: bool | None = None
    user_editable: bool | None = None
    options: list[OptionValue] | None = None
    min_length: Length | None = None
    max_length: Length | None = None
    minimum: Bound | None = None
    maximum: Bound | None = None
    pattern: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    position: Annotated[int, Field(ge=0, le=1_000_000)] | None = None


_NOT_NULL = ("display_name", "type", "required", "collect_on_signup", "user_editable", "description")


def apply_patch(current: AttributeDefinition, patch: AttributeDefinitionPatch) -> AttributeDefinition:
    """The definition after ``patch``, checked as a whole. Raises InvalidArgument."""
    merged = current.model_dump()
    for name in patch.model_fields_set:
        value = getattr(patch, name)
        if value is None and name in _NOT_NULL:
            raise InvalidArgument.field(name, "required", f"{name} cannot be null")
        merged[name] = value
    if (
        "type" in patch.model_fields_set
        and patch.type is not AttributeType.ENUM
        and "options" not in patch.model_fields_set
    ):
        merged["options"] = None  # options only make sense for enums
    definition = AttributeDefinition.model_validate(merged)
    check_definition(definition)
    return definition


def check_definition(definition: AttributeDefinition) -> None:
    """Constraints must fit the type and each other. Raises InvalidArgument naming each field."""
    errors: list[FieldError] = []
    kind = definition.type

    def refuse(field: str, code: str, message: str) -> None:
        errors.append(FieldError(field, code, message))

    if kind is AttributeType.ENUM:
        options = definition.options or []
        if not options:
            refuse("options", "required", "an enum needs at least one option")
        elif len(options) > MAX_OPTIONS:
            refuse("options", "too_long", f"at most {MAX_OPTIONS} options")
        elif len(set(options)) != len(options):
            refuse("options", "duplicate", "options must be unique")
    elif definition.options is not None:
        refuse("options", "not_applicable", "options are only for enum attributes")
    for name in ("min_length", "max_length"):
        if getattr(definition, name) is not None and kind not in LENGTH_TYPES:
            refuse(name, "not_applicable", f"{name} applies to string, email, url and phone attributes")
    for name in ("minimum", "maximum"):
        if getattr(definition, name) is not None and kind not in RANGE_TYPES:
            refuse(name, "not_applicable", f"{name} applies to number and integer attributes")
    lengths = (definition.min_length, definition.max_length)
    if lengths[0] is not None and lengths[1] is not None and lengths[0] > lengths[1]:
        refuse("min_length", "out_of_range", "min_length must not exceed max_length")
    if definition.minimum is not None and definition.maximum is not None and definition.minimum > definition.maximum:
        refuse("minimum", "out_of_range", "minimum must not exceed maximum")
    if definition.pattern is not None:
        if kind is not AttributeType.STRING:
            refuse("pattern", "not_applicable", "pattern applies to string attributes")
        else:
            try:
                compile_pattern(definition.pattern)
            except PatternUnsupported as exc:
                refuse("pattern", "invalid_pattern", str(exc))
    if errors:
        raise InvalidArgument("The attribute definition is not consistent.", errors)


class Requirement(StrEnum):
    """Which required attributes a profile write must leave set."""

    ALL = "all"  # the application or an administrator writes the whole profile
    SIGNUP = "signup"  # the user signs up or accepts an invitation: the ones collected there
    NONE = "none"  # an invitation is created: the invitee supplies them when accepting
    SELF = "self"  # the user edits their own profile: the ones they are allowed to edit


class ValueRefused(Exception):
    """A value does not fit its definition: ``code`` and ``message`` for the field's detail."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def attribute_path(key: str) -> str:
    return f"user_profile.custom_attributes.{key}"


def validate_custom_attributes(
    incoming: Mapping[str, Any],
    definitions: Sequence[AttributeDefinition],
    current: Mapping[str, Any] | None = None,
    requirement: Requirement = Requirement.ALL,
) -> dict[str, Any]:
    """The profile's attributes after writing ``incoming`` over ``current``.

    A ``null``, or a string that is empty once trimmed, removes the attribute (so a blank
    never satisfies a required one). Returns normalised values;
    raises InvalidArgument with one detail per bad attribute, and nothing else, whatever
    JSON it is given.
    """
    by_key = {definition.key: definition for definition in definitions}
    result = {key: value for key, value in (current or {}).items() if key in by_key}
    errors: list[FieldError] = []
    for key, value in incoming.items():
        definition = by_key.get(key) if isinstance(key, str) else None
        if definition is None:
            errors.append(FieldError(attribute_path(str(key)), "unknown_attribute", f"no attribute {key!r} is defined"))
        elif value is None or (isinstance(value, str) and not value.strip()):
            result.pop(key, None)
        else:
            try:
                result[key] = normalize_value(definition, value)
            except ValueRefused as refused:
                errors.append(FieldError(attribute_path(key), refused.code, refused.message))
    refused_keys = {error.field for error in errors}
    for definition in definitions:
        missing = _is_required(definition, requirement) and definition.key not in result
        if missing and attribute_path(definition.key) not in refused_keys:
            errors.append(
                FieldError(attribute_path(definition.key), "required", f"{definition.display_name} is required")
            )
    if errors:
        raise InvalidArgument("Some custom attributes are invalid.", errors)
    return result


def _is_required(definition: AttributeDefinition, requirement: Requirement) -> bool:
    if not definition.required or requirement is Requirement.NONE:
        return False
    if requirement is Requirement.SELF:
        return definition.user_editable
    return requirement is Requirement.ALL or definition.collect_on_signup


def is_valid_value(definition: AttributeDefinition, value: Any) -> bool:
    try:
        normalize_value(definition, value)
    except ValueRefused:
        return False
    return True


def normalize_value(definition: AttributeDefinition, value: Any) -> Any:
    """``value`` as stored for ``definition``; raises ValueRefused (code, message) when invalid."""
    normalized = _NORMALIZERS[definition.type](definition, value)
    if isinstance(normalized, str) and definition.type in LENGTH_TYPES:
        _check_length(definition, normalized)
    if isinstance(normalized, int | float) and definition.type in RANGE_TYPES:
        _check_range(definition, normalized)
    return normalized


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueRefused("wrong_type", "must be a string")
    value = value.strip()
    if "\x00" in value:
        raise ValueRefused("invalid_format", "must not contain NUL characters")
    if len(value) > MAX_TEXT_LENGTH:
        raise ValueRefused("too_long", f"must be at most {MAX_TEXT_LENGTH} characters")
    return value


def _string(definition: AttributeDefinition, value: Any) -> str:
    text = _text(value)
    if definition.pattern is None:
        return text
    try:
        matches = full_match(definition.pattern, text)
    except PatternUnsupported:  # defined before patterns were checked with RE2
        raise ValueRefused(
            "pattern_unsupported", "cannot be checked: ask an administrator to simplify this attribute's pattern"
        ) from None
    if not matches:
        raise ValueRefused("pattern_mismatch", f"must match the pattern {definition.pattern}")
    return text


def _number(_definition: AttributeDefinition, value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueRefused("wrong_type", "must be a number")
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d{1,20}", text):
            value = int(text)
        else:
            try:
                value = float(text)
            except ValueError:
                raise ValueRefused("wrong_type", "must be a number") from None
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueRefused("out_of_range", "is too large")
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise ValueRefused("wrong_type", "must be a finite number")


def _integer(_definition: AttributeDefinition, value: Any) -> int:
    if isinstance(value, bool):
        raise ValueRefused("wrong_type", "must be a whole number")
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,20}\s*", value):
        value = int(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise ValueRefused("wrong_type", "must be a whole number")
    if abs(value) > MAX_SAFE_INTEGER:
        raise ValueRefused("out_of_range", "is too large")
    return value


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _boolean(_definition: AttributeDefinition, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueRefused("wrong_type", "must be true or false")


def _date(_definition: AttributeDefinition, value: Any) -> str:
    text = _text(value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueRefused("invalid_format", "must be a date like 2024-12-31")
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueRefused("invalid_format", "is not a calendar date") from None


def _email(_definition: AttributeDefinition, value: Any) -> str:
    try:
        return normalize_email(_text(value)).lower()
    except ValueError:
        raise ValueRefused("invalid_format", "must be an e-mail address") from None


def _url(_definition: AttributeDefinition, value: Any) -> str:
    text = _text(value)
    try:
        parts = urlsplit(text)
    except ValueError:
        raise ValueRefused("invalid_format", "must be an http(s) URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or re.search(r"\s", text):
        raise ValueRefused("invalid_format", "must be an http(s) URL")
    return text


def _phone(_definition: AttributeDefinition, value: Any) -> str:
    text = _text(value)
    digits = re.sub(r"\D", "", text)
    if not re.fullmatch(r"\+?[0-9 ().\-]+", text) or not 4 <= len(digits) <= 15:
        raise ValueRefused("invalid_format", "must be a phone number, e.g. +14155550123")
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return text  # no country code: kept as written
    if phonenumbers.is_valid_number(parsed):
        return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    return text


def _enum(definition: AttributeDefinition, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueRefused("wrong_type", "must be one of the options")
    if value not in (definition.options or []):
        raise ValueRefused("not_in_options", f"must be one of: {', '.join(definition.options or [])}")
    return value


def _check_length(definition: AttributeDefinition, value: str) -> None:
    if definition.min_length is not None and len(value) < definition.min_length:
        raise ValueRefused("too_short", f"must be at least {definition.min_length} characters")
    if definition.max_length is not None and len(value) > definition.max_length:
        raise ValueRefused("too_long", f"must be at most {definition.max_length} characters")


def _check_range(definition: AttributeDefinition, value: float) -> None:
    if definition.minimum is not None and value < definition.minimum:
        raise ValueRefused("out_of_range", f"must be at least {definition.minimum:g}")
    if definition.maximum is not None and value > definition.maximum:
        raise ValueRefused("out_of_range", f"must be at most {definition.maximum:g}")


_NORMALIZERS = {
    AttributeType.STRING: _string,
    AttributeType.NUMBER: _number,
    AttributeType.INTEGER: _integer,
    AttributeType.BOOLEAN: _boolean,
    AttributeType.DATE: _date,
    AttributeType.EMAIL: _email,
    AttributeType.URL: _url,
    AttributeType.PHONE: _phone,
    AttributeType.ENUM: _enum,
}
