"""The user file formats of ``tenantry users import`` and ``export``: CSV and JSON Lines.

CSV columns (header row; any order; only ``email`` is required):
``email, external_id, given_name, family_name, name, phone_number, locale, picture,
metadata`` (a JSON object), ``custom_attributes.<key>`` (one per attribute),
``organization_id`` and ``roles`` (names separated by ``|``). An empty cell means "not
given": the stored value stays. JSON Lines: one object per line, shaped like the API's
user (``email``, ``external_id``, ``metadata``, ``user_profile`` with
``custom_attributes``) plus ``organization_id`` and ``roles`` (a list); a key left out
(not ``null``) means "not given".
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from tenantry.sdk.models import User

PROFILE_FIELDS = ("given_name", "family_name", "name", "phone_number", "locale", "picture")
ATTRIBUTE_PREFIX = "custom_attributes."
ROLE_SEPARATOR = "|"
FIXED_COLUMNS = ("email", "external_id", *PROFILE_FIELDS, "metadata")
MEMBERSHIP_COLUMNS = ("organization_id", "roles")


class FileRefused(ValueError):
    """The file as a whole cannot be read (unknown columns, not CSV/JSONL)."""


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str


@dataclass
class Row:
    """One user of the file; ``None`` / absent keys mean "not given"."""

    number: int
    email: str = ""
    external_id: str | None = None
    metadata: dict[str, Any] | None = None
    profile: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    organization_id: str | None = None
    roles: list[str] | None = None
    problems: list[Problem] = field(default_factory=list)


def cell(value: Any) -> str:
    """How a value is written in CSV (and compared: a stored value equals a cell when
    they are written alike)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


# --- reading ---------------------------------------------------------------------------------


def read_rows(handle: TextIO, kind: str) -> Iterator[Row]:
    """The file's rows, numbered as a person counts them (CSV: the header is line 1)."""
    if kind == "csv":
        reader = csv.DictReader(handle)
        _check_columns(reader.fieldnames or [])
        for number, record in enumerate(reader, start=2):
            yield _csv_row(number, record)
    else:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield _json_row(number, line)


def _check_columns(columns: Iterable[str]) -> None:
    known = set(FIXED_COLUMNS) | set(MEMBERSHIP_COLUMNS)
    unknown = [c for c in columns if c not in known and not (c.startswith(ATTRIBUTE_PREFIX) and len(c) > 18)]
    if unknown:
        raise FileRefused(f"unknown columns: {', '.join(unknown)} (see tenantry users import --help)")
    if "email" not in columns:
        raise FileRefused("the file has no 'email' column")


def _csv_row(number: int, record: dict[str, Any]) -> Row:
    given = {k: v.strip() for k, v in record.items() if k and isinstance(v, str) and v.strip()}
    row = Row(number, email=given.get("email", ""), external_id=given.get("external_id"))
    row.profile = {name: given[name] for name in PROFILE_FIELDS if name in given}
    row.attributes = {k.removeprefix(ATTRIBUTE_PREFIX): v for k, v in given.items() if k.startswith(ATTRIBUTE_PREFIX)}
    row.organization_id = given.get("organization_id")
    if "roles" in given:
        row.roles = [r.strip() for r in given["roles"].split(ROLE_SEPARATOR) if r.strip()]
    if "metadata" in given:
        try:
            row.metadata = json.loads(given["metadata"])
        except json.JSONDecodeError:
            row.problems.append(Problem("metadata", "invalid_json", "not valid JSON"))
    return _checked(row)


def _json_row(number: int, line: str) -> Row:
    row = Row(number)
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        row.problems.append(Problem("", "invalid_json", "the line is not valid JSON"))
        return row
    if not isinstance(data, dict):
        row.problems.append(Problem("", "wrong_type", "each line must be a JSON object"))
        return row
    profile = data.get("user_profile") or {}
    if not isinstance(profile, dict):
        row.problems.append(Problem("user_profile", "wrong_type", "must be an object"))
        profile = {}
    attributes = profile.get("custom_attributes") or {}
    email = data.get("email")
    row.email = email if isinstance(email, str) else ""
    row.external_id = data.get("external_id")
    row.metadata = data.get("metadata")
    row.profile = {name: profile[name] for name in PROFILE_FIELDS if name in profile}
    row.attributes = dict(attributes) if isinstance(attributes, dict) else {}
    row.organization_id = data.get("organization_id")
    row.roles = data.get("roles")
    return _checked(row)


def _checked(row: Row) -> Row:
    if not row.email:
        row.problems.append(Problem("email", "required", "every row needs an e-mail address"))
    if row.metadata is not None and not isinstance(row.metadata, dict):
        row.problems.append(Problem("metadata", "wrong_type", "must be a JSON object"))
    if row.roles is not None and not (isinstance(row.roles, list) and all(isinstance(r, str) for r in row.roles)):
        row.problems.append(Problem("roles", "wrong_type", "must be a list of role names"))
    return row


# --- writing ---------------------------------------------------------------------------------


def export_record(user: User, attribute_keys: list[str], organization_id: str | None) -> dict[str, Any]:
    """A user as a JSON Lines record (the CSV row is derived from it)."""
    profile = user.user_profile
    record: dict[str, Any] = {"email": user.email, "external_id": user.external_id, "metadata": user.metadata}
    record["user_profile"] = {name: getattr(profile, name) for name in PROFILE_FIELDS}
    record["user_profile"]["custom_attributes"] = {
        key: profile.custom_attributes[key] for key in attribute_keys if key in profile.custom_attributes
    }
    membership = user.membership(organization_id) if organization_id else None
    if membership is not None:
        record["organization_id"] = organization_id
        record["roles"] = [role.name for role in membership.roles]
    return record


def csv_columns(attribute_keys: list[str], with_membership: bool) -> list[str]:
    columns = [*FIXED_COLUMNS, *(ATTRIBUTE_PREFIX + key for key in attribute_keys)]
    return columns + list(MEMBERSHIP_COLUMNS) if with_membership else columns


def csv_record(record: dict[str, Any]) -> dict[str, str]:
    profile = record["user_profile"]
    flat: dict[str, str] = {"email": record["email"], "external_id": cell(record["external_id"])}
    flat |= {name: cell(profile[name]) for name in PROFILE_FIELDS}
    flat["metadata"] = cell(record["metadata"]) if record["metadata"] else ""
    flat |= {ATTRIBUTE_PREFIX + key: cell(value) for key, value in profile["custom_attributes"].items()}
    if "roles" in record:
        flat["organization_id"] = record["organization_id"]
        flat["roles"] = ROLE_SEPARATOR.join(record["roles"])
    return flat
