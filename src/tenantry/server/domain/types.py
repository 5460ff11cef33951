"""Each input constraint defined once, as an annotated type, and used by the API, the
hosted pages, the dashboard and the CLI alike."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field, StringConstraints

MAX_METADATA_BYTES = 16 * 1024
INVITATION_EXPIRY_MIN_SECONDS = 60
INVITATION_EXPIRY_MAX_SECONDS = 90 * 24 * 3600
INVITATION_EXPIRY_DEFAULT_SECONDS = 15 * 24 * 3600


def normalize_email(value: str) -> str:
    """A syntactically valid address, trimmed, with its domain in lower case.

    Raises ValueError (turned into a per-field ``invalid_argument``) when it is not an address.
    """
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid e-mail address: {exc}") from exc
    return f"{result.local_part}@{result.domain.lower()}"


def email_key(email: str) -> str:
    """The case-insensitive identity of an address: what the unique index is on."""
    return email.strip().lower()


def no_nul(value: str) -> str:
    """PostgreSQL cannot store NUL characters in text, and no legitimate input has one."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


NoNul = AfterValidator(no_nul)


def _check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    encoded = json.dumps(value, separators=(",", ":"))
    if "\\u0000" in encoded:
        raise ValueError("must not contain NUL characters")
    if len(encoded) > MAX_METADATA_BYTES:
        raise ValueError(f"metadata must serialise to at most {MAX_METADATA_BYTES} bytes of JSON")
    return value


_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _check_color(value: str) -> str:
    if not _HEX_COLOR.match(value):
        raise ValueError("must be a colour like #1a73e8")
    return value.lower()


def _check_http_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
        raise ValueError("must be an http(s) URL")
    return value


EmailAddress = Annotated[str, StringConstraints(max_length=320), AfterValidator(normalize_email)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), NoNul]
Metadata = Annotated[dict[str, Any], AfterValidator(_check_metadata)]
ProfileText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255), NoNul]
Locale = Annotated[str, StringConstraints(strip_whitespace=True, max_length=35, pattern=r"^[A-Za-z0-9-_]*$")]
PhoneNumber = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^\+?[0-9 ().-]*$")]
HttpUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2048), NoNul, AfterValidator(_check_http_url)
]
HexColor = Annotated[str, AfterValidator(_check_color)]
InvitationExpirySeconds = Annotated[int, Field(ge=INVITATION_EXPIRY_MIN_SECONDS, le=INVITATION_EXPIRY_MAX_SECONDS)]
OrganizationsPerUserLimit = Annotated[int, Field(ge=1)]
MetaName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), NoNul]
AppName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), NoNul]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]  # policy: passwords.check_password_policy
MaxAllowedUsers = Annotated[int, Field(ge=0, le=100_000_000)]  # 0 = no limit
