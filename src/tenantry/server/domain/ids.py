"""Public identifiers: a type prefix and a time-ordered random part (ULID layout).

Time order lets cursor pagination walk by id alone; 80 random bits make ids unguessable
enough to be safe in URLs and collision-free across server processes.
"""

from __future__ import annotations

import base64
import os
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def new_id(prefix: str) -> str:
    """``prefix_`` + 26 characters: 48 bits of milliseconds then 80 random bits."""
    return _encode(prefix, (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big"))


_last_sequential = 0
_sequential_lock = threading.Lock()


def new_sequential_id(prefix: str) -> str:
    """Like ``new_id``, but strictly increasing within this process even inside one
    millisecond (the ULID "monotonic" rule: same millisecond, previous value + 1), so rows
    written one after the other sort in that order by id (events of one transaction)."""
    global _last_sequential
    with _sequential_lock:
        value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
        if value <= _last_sequential:
            value = _last_sequential + 1
        _last_sequential = value
    return _encode(prefix, value)


# Crockford's digits for base64's base32 ones: the same 5-bit groups, another alphabet.
_FROM_RFC4648 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode())


def _encode(prefix: str, value: int) -> str:
    """``value`` (< 2**130) as 26 Crockford base32 digits, most significant first. Through
    ``base64.b32encode`` (C) rather than 26 ``divmod`` in Python (issue 18): 20 bytes are 32
    digits, whose first 6 (30 bits) are zero for a 130-bit value."""
    digits = base64.b32encode(value.to_bytes(20, "big"))[6:].translate(_FROM_RFC4648)
    return f"{prefix}_{digits.decode()}"
