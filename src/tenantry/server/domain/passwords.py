"""Password hashing with argon2id at OWASP's minimum parameters.

The parameters are explicit (the library's defaults cost ~5x more here) and hashes are
computed on a small pool of dedicated threads, one per usable core: each takes 19 MiB and ~25 ms
of one core, so more at once would only add memory and latency, not throughput.

Why a pool and not just a cap: glibc raises its mmap threshold after the first 19 MiB
block is freed, so later blocks come from the calling thread's malloc arena and stay
there. Hashing on any of the server's 40 request threads left up to 40 x 19 MiB resident
(RSS 150 -> 500 MiB under log-in load, bench/RESULTS.md); on the pool's threads it is at
most one block per core.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from argon2 import PasswordHasher, extract_parameters, low_level
from argon2.exceptions import InvalidHashError, VerificationError

from tenantry.server.domain.errors import InvalidArgument

MIN_LENGTH = 8
MAX_LENGTH = 256


@functools.cache
def _common() -> frozenset[str]:
    """NIST SP 800-63B §5.1.1.2: values known to be commonly used (loaded on first use: start-up)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16)


def usable_cores() -> int:
    """Cores this process may actually run on: its CPU affinity (``taskset``, a cpuset) and a
    cgroup CPU quota (``docker --cpus``), not the machine's count that ``os.cpu_count()`` gives.
    More hashing threads than that only queue inside the kernel and hold the memory (19 MiB each)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        with open("/sys/fs/cgroup/cpu.max") as limits:
            quota, period = limits.read().split()
        if quota != "max":
            cores = min(cores, -(-int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cores)


# One hash per usable core at most: argon2 holds the GIL released, so more threads than cores
# add memory and latency, not throughput.
_POOL_PREFIX = "argon2"
_pool = ThreadPoolExecutor(max_workers=usable_cores(), thread_name_prefix=_POOL_PREFIX)
_T = TypeVar("_T")


def _on_pool(work: Callable[..., _T], *args: Any) -> _T:
    """``work(*args)`` computed on the hashing pool, the caller waiting; inline when the caller
    is already one of its threads (a whole sign-in runs there: ``on_hashing_pool``), which
    would otherwise wait for itself."""
    if threading.current_thread().name.startswith(_POOL_PREFIX):
        return work(*args)
    return _pool.submit(work, *args).result()


def check_password_policy(password: str, field: str = "password") -> None:
    """8 to 256 characters and not one of the 30,000 most common passwords.
    Raises InvalidArgument naming ``field``."""
    if len(password) < MIN_LENGTH:
        raise InvalidArgument.field(field, "too_short", f"use at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InvalidArgument.field(field, "too_long", f"use at most {MAX_LENGTH} characters")
    if password.lower() in _common():
        raise InvalidArgument.field(field, "too_common", "this password is too common; choose another")


def hash_password(password: str) -> str:
    return _on_pool(_hasher.hash, password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("tenantry: a password nobody has")


_pool.submit(_dummy_hash)  # ready before the first sign-in, without holding up start-up


def verify_password(password: str, stored_hash: str | None) -> bool:
    """True when the password matches; never raises for a wrong password or a corrupt hash."""
    return _on_pool(_verify, password, stored_hash)


def _verify(password: str, stored_hash: str | None) -> bool:
    try:
        # No hash (unknown user, or no password set): spend the same time anyway, so
        # the answer's timing does not tell whether the account exists.
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def hash_like(password: str, reference: str) -> str:
    """A hash of ``password`` made with the salt and parameters of ``reference`` (an argon2
    hash), so that one computation later checks a password against both (``matching``);
    a hash with a fresh salt when ``reference`` is not readable."""
    return _on_pool(_hash_like, password, reference)


def _hash_like(password: str, reference: str) -> str:
    try:
        parameters = extract_parameters(reference)
        encoded_salt = reference.split("$")[4]
        salt = base64.b64decode(encoded_salt + "=" * (-len(encoded_salt) % 4), validate=True)
    except (InvalidHashError, IndexError, ValueError, binascii.Error):
        return _hasher.hash(password)
    return low_level.hash_secret(
        password.encode(),
        salt,
        time_cost=parameters.time_cost,
        memory_cost=parameters.memory_cost,
        parallelism=parameters.parallelism,
        hash_len=parameters.hash_len,
        type=parameters.type,
        version=parameters.version,
    ).decode()


def matching(password: str, hashes: Sequence[str | None]) -> int | None:
    """The index of the first of ``hashes`` that ``password`` matches, or None — for the cost
    of ONE argon2 computation however many there are, so that the time says nothing about
    how many were checked: it is made with the salt and parameters of the first hash given
    (the dummy's when there is none); the others match only when ``hash_like`` made them
    from that one (services/identity/pending_signups.py)."""
    return _on_pool(_matching, password, list(hashes))


def matching_later(password: str, hashes: Sequence[str | None]) -> Future[int | None]:
    """``matching``, computed on the hashing pool while the caller goes on: an event loop
    awaits it (``asyncio.wrap_future``) instead of a worker thread blocking on it (issue 18)."""
    return _pool.submit(_matching, password, list(hashes))


def on_hashing_pool(work: Callable[[], _T]) -> Future[_T]:
    """``work`` run on the hashing pool, where ``matching`` and the other computations run
    inline: a whole sign-in (reads, argon2, write) on one thread instead of handed between
    threads (issue 18)."""
    return _pool.submit(work)


def _matching(password: str, hashes: list[str | None]) -> int | None:
    computed = _hash_like(password, next((h for h in hashes if h), None) or _dummy_hash()).encode()
    for index, stored in enumerate(hashes):
        if stored and hmac.compare_digest(computed, stored.encode()):
            return index
    return None


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
