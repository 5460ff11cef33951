"""The admin portal's rules (SPEC §14): what a portal link may do and for how long.

A link opens the portal for one organization and the features it names. It is valid for
7 days by default, at most 30; an *embeddable* link is short-lived and single-use (it is
opened at once inside the application's page) and may be framed only by the application's
registered origins. Whether a link can still be used is derived from the clock and its
``revoked_at``, never stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from tenantry.server.domain.errors import FailedPrecondition, FieldError, InvalidArgument, NotFound, TenantryError

Feature = Literal["sso", "directory_sync", "domains"]
FEATURES: tuple[Feature, ...] = ("sso", "directory_sync", "domains")
# Scalekit names directory sync ``dir_sync``; its enum also has the proto names.
FEATURE_ALIASES: dict[str, Feature] = {"dir_sync": "directory_sync", "DIR_SYNC": "directory_sync", "SSO": "sso"}

DEFAULT_VALIDITY = timedelta(days=7)
MAX_VALIDITY_DAYS = 30
EMBEDDABLE_VALIDITY = timedelta(minutes=5)
# How long a browser stays in the portal after opening a link (never past the link's expiry,
# and ended at once by revoking the link).
SESSION_LIFETIME = timedelta(hours=12)
EMBEDDED_SESSION_LIFETIME = timedelta(hours=1)

LinkState = Literal["active", "expired", "revoked", "used"]


class PortalLinkUnusable(TenantryError):
    """A link that cannot open the portal (any more); ``state`` says why, for its page."""

    code = "portal_link_unusable"
    default_message = "This portal link can no longer be used. Ask the application for a new one."

    def __init__(self, state: LinkState, message: str | None = None) -> None:
        super().__init__(message)
        self.state = state


class PortalLinkNotFound(NotFound):
    code = "portal_link_not_found"
    # the same words for a link that never existed and one that went with its organization
    default_message = "This portal link is not valid, or no longer is. Ask the application for a new one."


class EmbeddingNeedsHttps(FailedPrecondition):
    """An embedded portal lives in another site's frame, where browsers keep and send only
    ``SameSite=None; Secure`` cookies — and those only over https."""

    default_message = (
        "An embedded admin portal needs Tenantry on https: browsers refuse its session cookie inside "
        "another site's frame otherwise. Set TENANTRY_PUBLIC_URL to Tenantry's https address "
        "(README, Admin portal), or hand out a link that is not embeddable."
    )


def ensure_embeddable(https: bool) -> None:
    """Raises EmbeddingNeedsHttps unless Tenantry is reached over https."""
    if not https:
        raise EmbeddingNeedsHttps()


class FeatureNotInLink(NotFound):
    code = "portal_feature_not_granted"
    default_message = "This portal link does not include this part of the set-up."


def features(requested: Iterable[str] | None, field: str = "features") -> list[Feature]:
    """The features a link grants, in a fixed order; all of them when none is named.
    Raises InvalidArgument naming each unknown one."""
    given = [str(name) for name in requested or []]
    errors = []
    chosen: set[Feature] = set()
    for index, name in enumerate(given):
        canonical = FEATURE_ALIASES.get(name, name)
        if canonical in FEATURES:
            chosen.add(canonical)
        else:
            errors.append(FieldError(f"{field}.{index}", "not_in_options", f"one of {', '.join(FEATURES)}"))
    if errors:
        raise InvalidArgument("Unknown portal feature.", errors)
    return [feature for feature in FEATURES if feature in chosen] if chosen else list(FEATURES)


def expiry(now: datetime, days: int | None, embeddable: bool) -> datetime:
    """When a new link stops opening the portal. Raises InvalidArgument for a validity
    outside 1..30 days (or any validity asked of an embeddable link)."""
    if embeddable:
        if days is not None:
            raise InvalidArgument.field("expires_in_days", "invalid", "an embeddable link lives 5 minutes")
        return now + EMBEDDABLE_VALIDITY
    if days is None:
        return now + DEFAULT_VALIDITY
    if not 1 <= days <= MAX_VALIDITY_DAYS:
        raise InvalidArgument.field("expires_in_days", "out_of_range", f"between 1 and {MAX_VALIDITY_DAYS} days")
    return now + timedelta(days=days)


def state(now: datetime, expires_at: datetime, revoked_at: datetime | None) -> LinkState:
    if revoked_at is not None:
        return "revoked"
    if now >= expires_at:
        return "expired"
    return "active"


def ensure_usable(now: datetime, expires_at: datetime, revoked_at: datetime | None) -> None:
    """Raises PortalLinkUnusable for a revoked or expired link."""
    current = state(now, expires_at, revoked_at)
    if current == "revoked":
        raise PortalLinkUnusable("revoked", "This portal link was revoked. Ask the application for a new one.")
    if current == "expired":
        raise PortalLinkUnusable("expired", "This portal link has expired. Ask the application for a new one.")


def session_end(now: datetime, expires_at: datetime, embeddable: bool) -> datetime:
    """When a portal session opened now ends: an embedded one lives an hour (its link lived
    minutes); another never outlives its link."""
    if embeddable:
        return now + EMBEDDED_SESSION_LIFETIME
    return min(expires_at, now + SESSION_LIFETIME)


def frame_origins(uris: Iterable[str]) -> list[str]:
    """The origins (``scheme://host[:port]``) of the applications' registered URIs that may
    frame an embedded portal: http(s) only, each once, sorted."""
    origins = set()
    for uri in uris:
        parts = urlsplit(uri)
        if parts.scheme in ("http", "https") and parts.netloc and "@" not in parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc.lower()}")
    return sorted(origins)
