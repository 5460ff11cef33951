"""A browser session in words, for the person it belongs to: the device from its user agent
(parsed by ua-parser, which keeps up with the browsers) and how it signed in from its
``amr`` (RFC 8176 values, as services/identity/* record them).

ua-parser is imported and its rules compiled on first use (about a second, once per process;
then well under a millisecond a user agent): only the profile page needs it, so neither the
server's start nor any other page pays for it. Browser and system only: the device-model
rules are most of the cost and "Safari on iOS" already says what it is.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ua_parser import Parser

_UNKNOWN = "Unknown device"
_OS_NAMES = {"Mac OS X": "macOS", "Other": ""}


@cache
def _parser() -> Parser:
    from ua_parser import Parser  # lazily: see the module's docstring
    from ua_parser.basic import Resolver
    from ua_parser.loaders import load_lazy_builtins

    return Parser(Resolver(load_lazy_builtins()))


@lru_cache(maxsize=512)
def device_in_words(user_agent: str | None) -> str:
    """ "Chrome on macOS", "Mobile Safari on iOS", or "Unknown device"."""
    if not user_agent:
        return _UNKNOWN
    parser = _parser()
    agent, system = parser.parse_user_agent(user_agent), parser.parse_os(user_agent)
    browser = agent.family if agent and agent.family != "Other" else ""
    os_name = _OS_NAMES.get(system.family, system.family) if system else ""
    if not browser and not os_name:
        return user_agent[:60] if user_agent.isprintable() else _UNKNOWN
    if not os_name:
        return browser
    return f"{browser or 'A browser'} on {os_name}"


def sign_in_in_words(amr: tuple[str, ...] | list[str]) -> str:
    """How a session signed in, from its ``amr``: "Password", "Passkey", "E-mailed code or
    link", "Social or single sign-on", with ", then a second step" after MFA."""
    methods = set(amr)
    if "hwk" in methods:  # a passkey's user verification counts as its own second factor
        return "Passkey"
    if "fed" in methods:
        first = "Social or single sign-on"
    elif "pwd" in methods:
        first = "Password"
    elif "otp" in methods:
        first = "E-mailed code or link"
    else:
        return "Unknown"
    return f"{first}, then a second step" if "mfa" in methods else first
