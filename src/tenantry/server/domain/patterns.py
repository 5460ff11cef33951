"""Patterns administrators define for string attributes, run with RE2.

A pattern runs on anonymous input (sign-up, invitation acceptance), so a backtracking engine
would let one nested quantifier (``(a+)+b``) spend seconds of CPU per request. RE2 matches in
time linear in the input whatever the pattern; the price is that it refuses what needs
backtracking (back-references, look-around), which we refuse with a clear error when the
pattern is defined.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

_MAX_PROGRAM_BYTES = 8 << 20  # RE2's memory budget per compiled pattern


class PatternUnsupported(ValueError):
    """RE2 cannot compile the pattern; the message says why, for the ``pattern`` field."""


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print each refused pattern to stderr
    options.max_mem = _MAX_PROGRAM_BYTES
    return options


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Any:
    """The compiled pattern. Raises PatternUnsupported for syntax RE2 does not have
    (back-references, look-ahead/behind, possessive quantifiers) or a pattern too large."""
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid pattern"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", errors="replace")
        raise PatternUnsupported(
            f"not a pattern we can run ({reason}); back-references and look-around are not supported"
        ) from None


def full_match(pattern: str, text: str) -> bool:
    """Whether all of ``text`` matches ``pattern``, in time linear in ``len(text)``.
    Raises PatternUnsupported (a pattern stored before RE2 checked patterns)."""
    return compile_pattern(pattern).fullmatch(text) is not None
