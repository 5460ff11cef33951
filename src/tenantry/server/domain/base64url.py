"""base64url without padding (RFC 4648 §5; how JOSE, WebAuthn and our opaque tokens write
bytes in text): the one place the ``=`` padding is dropped and restored."""

from __future__ import annotations

import base64


def encode(data: bytes) -> str:
    """``data`` as base64url without the trailing ``=``."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode(text: str) -> bytes:
    """The bytes ``text`` encodes, written with or without its padding. Characters outside
    the alphabet are skipped, as ``base64.urlsafe_b64decode`` does. Raises ValueError
    (``binascii.Error`` included) for a length no encoding has or a non-ASCII ``text``."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
