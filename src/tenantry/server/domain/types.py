"""Each input constraint defined once, as an annotated type, and used by the API, the
hosted pages, the dashboard and the CLI alike."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

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

# Characters that reorder the text around them (Trojan Source, CVE-2021-42574): an
# organization called "Acme\u202eLIAMG" reads differently in an e-mail than it is stored.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters and symbols that draw nothing (fillers): a "name" made of them looks empty.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cf", "Mn", "Me", "Cc"})


def _refuse_hidden_characters(value: str, *, allow_line_breaks: bool) -> None:
    for char in value:
        category = unicodedata.category(char)
        if allow_line_breaks and char in "\n\t":
            continue
        if category in ("Cc", "Zl", "Zp", "Cs"):
            raise PydanticCustomError(
                "invalid_characters", "must not contain line breaks, tabs or other control characters"
            )
        if char in _BIDI_CONTROLS:
            raise PydanticCustomError(
                "invalid_characters", "must not contain characters that reverse or reorder the text"
            )


def check_display_text(value: str) -> str:
    """A name people read (organization, user, application, attribute, meta name…): one line
    of visible text. Refuses control characters and line breaks (they split e-mail headers
    and fake extra lines in messages), bidirectional overrides and isolates (they make text
    read differently than it is stored), and text with nothing visible in it (zero-width and
    filler characters only). Raises PydanticCustomError ``invalid_characters`` or
    ``no_visible_characters`` (per-field ``invalid_argument`` details)."""
    _refuse_hidden_characters(value, allow_line_breaks=False)
    if value and all(unicodedata.category(c) in _INVISIBLE_CATEGORIES or c in _BLANK_GLYPHS for c in value):
        raise PydanticCustomError("no_visible_characters", "must contain visible characters")
    return value


def check_description_text(value: str) -> str:
    """Longer text shown to people (descriptions): line breaks and tabs are fine, other
    control characters and bidirectional overrides are not."""
    _refuse_hidden_characters(value, allow_line_breaks=True)
    return value


VisibleLine = AfterValidator(check_display_text)
ReadableText = AfterValidator(check_description_text)


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
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), VisibleLine]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), NoNul]
Metadata = Annotated[dict[str, Any], AfterValidator(_check_metadata)]
ProfileText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255), VisibleLine]  # names
Locale = Annotated[str, StringConstraints(strip_whitespace=True, max_length=35, pattern=r"^[A-Za-z0-9-_]*$")]
PhoneNumber = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^\+?[0-9 ().-]*$")]
HttpUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2048), NoNul, AfterValidator(_check_http_url)
]
HexColor = Annotated[str, AfterValidator(_check_color)]
InvitationExpirySeconds = Annotated[int, Field(ge=INVITATION_EXPIRY_MIN_SECONDS, le=INVITATION_EXPIRY_MAX_SECONDS)]
OrganizationsPerUserLimit = Annotated[int, Field(ge=1)]
MetaName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), VisibleLine]
AppName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), VisibleLine]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]  # policy: passwords.check_password_policy
MaxAllowedUsers = Annotated[int, Field(ge=0, le=100_000_000)]  # 0 = no limit


def _check_https_url(value: str) -> str:
    if not re.match(r"^https://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
        raise ValueError("must be an https URL")
    return value


# Scalekit's organization fields (SPEC §15): a DNS label or host name, unique per environment;
# a logo on https; the region (only US and EU exist).
Slug = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=253,
        pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$",
    ),
]
HttpsUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=1024), NoNul, AfterValidator(_check_https_url)
]
RegionCode = Literal["US", "EU"]
# Profile fields Scalekit has beside the OIDC standard ones.
PreferredUsername = Annotated[str, StringConstraints(strip_whitespace=True, max_length=512), VisibleLine]
Gender = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64), VisibleLine]
GroupName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=250), VisibleLine]
Groups = Annotated[list[GroupName], Field(max_length=50)]
