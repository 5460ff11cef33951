"""Sealing small secrets for one purpose each: AES-256-GCM, the one way Tenantry encrypts.

A sealed value is ``s1.`` followed by the URL-safe base64 of nonce ‖ ciphertext. Its key is
derived from a root secret per purpose (HKDF-SHA256, the purpose as ``info``), and the
purpose is also the associated data, with what the value belongs to (a row id): a value
sealed for one purpose, or for one row, never opens as another's, even under the same root.

Values sealed before this module existed (the sign-up cookie, queued e-mails, webhook
signing secrets each had their own variant) carry no ``s1.`` prefix; a Sealer given that
variant's scheme (``Legacy``) still opens them, so stored rows and live cookies keep
working, and they are rewritten in the new form whenever they are sealed again.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "s1."
_NONCE = 12


class Unreadable(ValueError):
    """Not sealed by this root for this purpose and binding (another key, or altered)."""


@dataclass(frozen=True)
class Legacy:
    """How a value sealed before ``s1.`` was made: its AES key, whether what it belongs to
    was its associated data (else none), and whether it was URL-safe base64."""

    key: bytes
    bound: bool = True
    urlsafe: bool = False


class Sealer:
    """Seals and opens values for one ``purpose`` under one ``root`` secret (any length)."""

    def __init__(self, root: bytes, purpose: str, legacy: Legacy | None = None) -> None:
        info = b"tenantry seal\0" + purpose.encode()
        self._cipher = AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(root))
        self._purpose = purpose.encode()
        self._legacy = legacy

    def _aad(self, bound_to: str) -> bytes:
        return self._purpose + b"\0" + bound_to.encode()

    def seal(self, plain: bytes, bound_to: str = "") -> str:
        """``plain`` sealed, openable only by this purpose with the same ``bound_to``."""
        nonce = os.urandom(_NONCE)
        sealed = self._cipher.encrypt(nonce, plain, self._aad(bound_to))
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, bound_to: str = "") -> bytes:
        """The plain value. Raises Unreadable."""
        if sealed.startswith(PREFIX):
            return _decrypt(self._cipher, sealed[len(PREFIX) :], True, self._aad(bound_to))
        if self._legacy is None:
            raise Unreadable("not a sealed value")
        old = self._legacy
        return _decrypt(AESGCM(old.key), sealed, old.urlsafe, bound_to.encode() if old.bound else None)


def _decrypt(cipher: AESGCM, text: str, urlsafe: bool, aad: bytes | None) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text) if urlsafe else base64.b64decode(text, validate=True)
        return cipher.decrypt(raw[:_NONCE], raw[_NONCE:], aad)
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise Unreadable("cannot be opened with this key") from exc
