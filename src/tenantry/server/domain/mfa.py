"""Multi-factor authentication rules (SPEC §13), pure: the policy, TOTP, recovery codes and
what a session's ``amr``/``acr`` say.

- Policy: the environment's ``mfa`` is ``off`` (no second factor is asked, none can be
  enrolled), ``optional`` (asked of users who enrolled one) or ``required`` (asked of
  everyone; who has none enrols during sign-in). An organization's ``mfa_required`` makes
  it required for its active members unless the environment's policy is ``off``.
- TOTP (RFC 6238): 6 digits, 30-second steps, the codes of one step either side accepted;
  a step once used is never accepted again (the factor keeps the last one used).
- Security keys: WebAuthn credentials asked for after the first factor, never alone.
- Recovery codes: 10, 50 random bits each, single-use; only their keyed digests are kept.
  They come with the user's first factor and go with the last one.
- Removing the last factor while MFA is required for the user must be confirmed: the next
  sign-in will ask them to set one up again.
- ``amr`` (RFC 8176): ``pwd`` password, ``otp`` a one-time code (e-mailed or TOTP), ``hwk``
  a hardware-held key (a security key), ``mfa`` once a second factor was checked; ``acr``
  is ``ACR_MFA`` then, else ``ACR_SINGLE``.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

import pyotp

from tenantry.server.domain.errors import TenantryError

TOTP_DIGITS = 6
TOTP_PERIOD = 30
TOTP_WINDOW = 1  # steps either side of now (clock drift)
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper

ACR_SINGLE = "urn:tenantry:acr:single-factor"
ACR_MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"  # the PAPE value RPs send
ACR_VALUES_SUPPORTED = (ACR_SINGLE, ACR_MFA, "mfa")


class MfaPolicy(StrEnum):
    OFF = "off"
    OPTIONAL = "optional"
    REQUIRED = "required"


class SecondFactorStep(StrEnum):
    NONE = "none"  # sign in now
    VERIFY = "verify"  # ask for a code of the enrolled factor
    ENROL = "enrol"  # required, none enrolled: enrol now, then sign in


class InvalidSecondFactor(TenantryError):
    code = "invalid_second_factor"
    default_message = "That code is not right, or it was already used. Enter a new code."


class SignInExpired(TenantryError):
    code = "sign_in_expired"
    default_message = "This sign-in has expired or was already finished. Sign in again."


class MfaDisabled(TenantryError):
    code = "mfa_disabled"
    default_message = "Two-step verification is turned off for this application."


class SecurityKeyRefused(TenantryError):
    code = "security_key_invalid"
    default_message = "That security key could not be used. Try again, or use a code."


class LastSecondFactor(TenantryError):
    code = "last_second_factor"
    default_message = (
        "Two-step verification is required for your account, and this is your only second factor: "
        "if you remove it, you must set up a new one at your next sign-in. Confirm that to remove it."
    )


class MfaAlreadyEnrolled(TenantryError):
    code = "mfa_already_enrolled"
    default_message = "An authenticator app is already set up. Remove it first to set up another."


def second_factor_step(
    policy: MfaPolicy, organization_requires: bool, enrolled: bool, *, step_up: bool = False
) -> SecondFactorStep:
    """What sign-in asks after the first factor. ``step_up``: the application asked for MFA
    (``acr_values``) whatever the policy, unless it is ``off``."""
    if policy is MfaPolicy.OFF:
        return SecondFactorStep.NONE
    if enrolled:
        return SecondFactorStep.VERIFY
    required = step_up or mfa_required(policy, organization_requires)
    return SecondFactorStep.ENROL if required else SecondFactorStep.NONE


def mfa_required(policy: MfaPolicy, organization_requires: bool) -> bool:
    """Whether the user must have a second factor: the policy is ``required``, or an
    organization of theirs requires it and the policy is not ``off``."""
    return policy is MfaPolicy.REQUIRED or (policy is not MfaPolicy.OFF and organization_requires)


def check_removal(required: bool, factors_left: int, confirmed: bool) -> None:
    """Raises LastSecondFactor when removing a factor leaves none while MFA is required,
    unless the user confirmed it."""
    if required and factors_left <= 0 and not confirmed:
        raise LastSecondFactor()


def new_totp_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits (RFC 4226 §4 recommends at least 128)


def totp_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD).provisioning_uri(
        name=account, issuer_name=issuer
    )


def totp_step_of(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to, when it is one of the accepted steps around ``now``
    and later than ``last_step`` (each step is used once); else None. Constant-time compare."""
    code = "".join(code.split())
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD)
    current = totp.timecode(now)
    found = None
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code) and (last_step is None or step > last_step):
            found = step
    return found


def new_recovery_codes() -> list[str]:
    return [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]


def _recovery_code() -> str:
    chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def normalize_recovery_code(code: str) -> str:
    """As typed: case, spaces and dashes do not matter."""
    return "".join(c for c in code.lower() if c.isalnum())


def looks_like_totp(code: str) -> bool:
    stripped = "".join(code.split())
    return len(stripped) == TOTP_DIGITS and stripped.isdigit()


def amr_with_second_factor(amr: list[str], method: str = "otp") -> list[str]:
    """The first factor's methods plus the second's (``otp`` a code, ``hwk`` a security
    key) and ``mfa`` (RFC 8176), without repeats."""
    return list(dict.fromkeys([*amr, method, "mfa"]))


def acr_of(amr: list[str] | None) -> str:
    return ACR_MFA if amr and "mfa" in amr else ACR_SINGLE


def wants_mfa(acr_values: str | None) -> bool:
    """Whether an application's ``acr_values`` asks for a multi-factor sign-in (its
    preferred value is the first it lists that we know)."""
    for value in (acr_values or "").split():
        if value in (ACR_MFA, "mfa"):
            return True
        if value == ACR_SINGLE:
            return False
    return False
