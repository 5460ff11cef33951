"""Rate limits on credential endpoints, per client address and per account.

What counts: every e-mail a request makes us send (codes, reset links, sign-up notices),
every sign-up, and every *failed* credential check (password, code, client secret) —
so a legitimate user is never slowed by their own successes, while guessing is. Limits
live in memory, or in Redis when TENANTRY_REDIS_URL is set so that several server
processes share them.

Failed credential checks (passwords, client secrets) are counted per address and per
(credential, address) pair, never per credential alone: otherwise anybody could send 30
wrong secrets for an application's public client_id, or 11 wrong passwords for an
administrator's e-mail, and have every valid sign-in answer 429 (denial of sign-in). The
guessing of one user's password from many addresses is bounded by the progressive pause
of services/identity/lockouts.py, which has ways around it for the owner (e-mailed code,
reset link); client secrets are 256-bit random, and administrators have the server's CLI.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from tenantry.server.domain.errors import TenantryError
from tenantry.server.settings import Settings


class RateLimited(TenantryError):
    code = "rate_limited"
    default_message = "Too many attempts. Wait a little and try again."

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after=retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Rule:
    per_address: str
    per_account: str
    # True: ``per_account`` counts per (account, address), so one address's failures never
    # refuse the account to anybody else (credential checks: see the module docstring).
    paired: bool = False


RULES = {
    "password": Rule(per_address="30/minute;200/hour", per_account="10/minute;50/hour", paired=True),  # failures
    "code": Rule(per_address="30/minute;200/hour", per_account="10/minute;30/hour"),  # failed codes
    # failed second-factor codes, per (user, address): whoever has the password cannot lock the
    # owner out of the second step (a pending sign-in also dies after 5 wrong codes)
    "second_factor": Rule(per_address="30/minute;200/hour", per_account="10/minute;30/hour", paired=True),
    "email": Rule(per_address="20/minute;100/hour", per_account="5/minute;20/hour"),  # e-mails sent
    "signup": Rule(per_address="10/minute;60/hour", per_account="5/hour"),
    "client_secret": Rule(per_address="60/minute", per_account="30/minute", paired=True),  # failed client auth
    "invitation_request": Rule(per_address="10/hour", per_account="2/day"),  # nudges per expired link
    "social": Rule(per_address="30/minute;300/hour", per_account="30/minute;300/hour"),  # social sign-ins started
    "portal_link": Rule(per_address="30/minute;200/hour", per_account="10/minute"),  # unknown portal links
}


class Limiter:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limits_enabled
        self._limiter = MovingWindowRateLimiter(storage_from_string(settings.redis_url or "memory://"))
        self._items = {
            name: (parse_many(rule.per_address), parse_many(rule.per_account)) for name, rule in RULES.items()
        }

    def _pairs(self, name: str, address: str, account: str | None) -> list[tuple[RateLimitItem, str]]:
        per_address, per_account = self._items[name]
        pairs = [(item, f"ip:{address}") for item in per_address]
        if account:
            key = f"account:{account.strip().lower()}"
            if RULES[name].paired:
                key = f"{key}|ip:{address}"
            pairs += [(item, key) for item in per_account]
        return pairs

    def check(self, name: str, address: str, account: str | None = None) -> None:
        """Raise RateLimited if this address or account used up ``name``'s allowance."""
        if not self.enabled:
            return
        for item, key in self._pairs(name, address, account):
            if not self._limiter.test(item, name, key):
                raise RateLimited(self._retry_after(item, name, key))

    def hit(self, name: str, address: str, account: str | None = None) -> None:
        """Count one attempt (after ``check`` let it through)."""
        if not self.enabled:
            return
        for item, key in self._pairs(name, address, account):
            self._limiter.hit(item, name, key)

    def _retry_after(self, item: RateLimitItem, name: str, key: str) -> int:
        reset_time = self._limiter.get_window_stats(item, name, key).reset_time
        return max(1, math.ceil(reset_time - time.time()))
