"""Password hashing with argon2id at OWASP's minimum parameters.

The parameters are explicit (the library's defaults cost ~5x more here) and the number
of hashes computed at once is capped: each takes 19 MiB and ~25 ms of one core, so
unbounded concurrency would only add memory and latency, not throughput.
"""

from __future__ import annotations

import os
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16)
_slots = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


def hash_password(password: str) -> str:
    with _slots:
        return _hasher.hash(password)


def verify_password(password: str, stored_hash: str) -> bool:
    """True when the password matches; never raises for a wrong password or a corrupt hash."""
    with _slots:
        try:
            return _hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
