"""Cursor pagination (Google AIP-158 style, as Scalekit does): ``page_size`` and opaque
``page_token``s that point forwards or backwards from an id.

Ids are time-ordered, so a page is a keyset range on the id: stable under inserts and
constant cost whatever the page number.
"""

from __future__ import annotations

import binascii
import json
import re
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from tenantry.server.domain import base64url
from tenantry.server.domain.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

Direction = Literal["next", "prev"]
_ID = re.compile(r"[a-z]{2,5}_[0-9a-z]{26}")  # what domain/ids.new_id makes
T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    size: int
    direction: Direction = "next"
    pivot: str | None = None  # exclusive bound; None = from the start


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_page_token: str
    prev_page_token: str
    total_size: int
    total_estimated: bool = False  # total_size is the database's estimate, not a count


def encode_token(direction: Direction, pivot: str) -> str:
    raw = json.dumps({"d": direction, "k": pivot}, separators=(",", ":")).encode()
    return base64url.encode(raw)


def page_request(page_size: int | None, page_token: str | None) -> PageRequest:
    """Validate the two query parameters. Oversized pages are coerced to the maximum;
    negative sizes and tokens this server did not make raise InvalidArgument."""
    if page_size is None or page_size == 0:
        size = DEFAULT_PAGE_SIZE
    elif page_size < 0:
        raise InvalidArgument.field("page_size", "out_of_range", "page_size must not be negative")
    else:
        size = min(page_size, MAX_PAGE_SIZE)
    if not page_token:
        return PageRequest(size)
    try:
        data = json.loads(base64url.decode(page_token))
        direction, pivot = data["d"], data["k"]
        if direction not in ("next", "prev") or not isinstance(pivot, str) or not _ID.fullmatch(pivot):
            raise ValueError(direction)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidArgument.field("page_token", "invalid", "page_token is not a token this API returned") from exc
    return PageRequest(size, direction, pivot)
