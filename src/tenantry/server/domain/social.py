"""Social and generic sign-in connections (SPEC §13): the providers, their presets, when a
provider's address counts as verified, and the account-linking rule.

Linking (SPEC §13, §3 proof of address): a provider identity seen for the first time is
- refused when the provider does not say the address is verified: an unverified provider
  address never creates, links or signs in to anything;
- linked to the existing account with that address only when Tenantry also holds the
  address verified; an existing account whose address is not verified is refused (no
  take-over: the person signs in another way, which proves the address, then links);
- a new account (address verified by the provider) when nobody has the address and sign-up
  is on.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tenantry.server.domain.errors import FailedPrecondition, TenantryError
from tenantry.server.domain.sso import OIDC_SCOPES

OIDC, OAUTH = "OIDC", "OAUTH"
DEFAULT_SCOPES = {OIDC: list(OIDC_SCOPES), OAUTH: []}
PROVIDERS = ("GOOGLE", "MICROSOFT", "GITHUB", "CUSTOM")
SINGLE_PER_ENVIRONMENT = ("GOOGLE", "MICROSOFT", "GITHUB")  # a preset's subjects are one namespace
MAX_CONNECTIONS = 20
ENDPOINTS = ("issuer", "discovery_endpoint", "authorize_uri", "token_uri", "jwks_uri", "user_info_uri", "emails_uri")

# Endpoints and scopes of the presets; a connection may override any (a GitHub Enterprise
# server, one Entra tenant, a test provider).
PRESETS: dict[str, dict[str, Any]] = {
    "GOOGLE": {
        "type": OIDC,
        "title": "Google",
        "issuer": "https://accounts.google.com",
        "authorize_uri": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "jwks_uri": "https://www.googleapis.com/oauth2/v3/certs",
        "scopes": ["openid", "email", "profile"],
    },
    "MICROSOFT": {
        "type": OIDC,
        "title": "Microsoft",
        "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
        "authorize_uri": "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        "token_uri": "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        "jwks_uri": "https://login.microsoftonline.com/common/discovery/v2.0/keys",
        "scopes": ["openid", "email", "profile"],
    },
    "GITHUB": {
        "type": OAUTH,
        "title": "GitHub",
        "authorize_uri": "https://github.com/login/oauth/authorize",
        "token_uri": "https://github.com/login/oauth/access_token",
        "user_info_uri": "https://api.github.com/user",
        "emails_uri": "https://api.github.com/user/emails",
        "scopes": ["read:user", "user:email"],
    },
    "CUSTOM": {"title": "your provider"},
}


class SocialSignInRefused(TenantryError):
    """A social sign-in that must not go on (unverified address, an account Tenantry cannot
    link, sign-up off, a disabled connection, a broken round trip)."""

    code = "social_sign_in_refused"
    default_message = "Signing in with this provider did not work. Try again or sign in another way."


class LastSignInMethod(FailedPrecondition):
    """Unlinking would leave the account with no way to sign in of its own: no password,
    no passkey and no other linked identity."""

    default_message = "This is the only way you sign in. Set a password or add a passkey first, then unlink it."


def may_unlink(*, has_password: bool, passkeys: int, other_identities: int) -> bool:
    """Whether an identity may go: something else signs the user in afterwards."""
    return has_password or passkeys > 0 or other_identities > 0


def provider_name(provider: str, ui_button_title: str | None) -> str:
    """The provider in words: a preset's name, or what a generic connection's button calls it."""
    if provider != "CUSTOM":
        return str(PRESETS[provider]["title"])
    title = (ui_button_title or "").strip()
    return title.removeprefix("Sign in with ").removeprefix("Log in with ").strip() or "Your identity provider"


def button_title(provider: str, ui_button_title: str | None) -> str:
    return ui_button_title or f"Sign in with {PRESETS[provider]['title']}"


def address_verified(provider: str, claims: dict[str, Any]) -> bool:
    """Whether the provider vouches for the address. Microsoft's ``email`` claim is whatever
    the tenant's administrator typed: only ``xms_edov`` (the tenant owns the domain) counts.
    GitHub's answer is worked out from its e-mails API (``verified``) before this."""
    if provider == "MICROSOFT":
        return claims.get("xms_edov") is True or claims.get("xms_edov") == "1"
    return claims.get("email_verified") is True


class Outcome(StrEnum):
    SIGN_IN = "sign_in"  # a known identity
    LINK = "link"  # a new identity for an existing account, both sides verified
    CREATE = "create"  # a new account


def link_outcome(
    *, known: bool, provider_verified: bool, account_exists: bool, account_verified: bool, signup_enabled: bool
) -> Outcome:
    """What a social sign-in does (see the module's rules). Raises SocialSignInRefused."""
    if known:
        return Outcome.SIGN_IN
    if not provider_verified:
        raise SocialSignInRefused(
            "Your account at this provider has no verified e-mail address. Verify it there, or sign in another way.",
            reason="provider_unverified",
        )
    if account_exists and not account_verified:
        raise SocialSignInRefused(
            "An account with this e-mail address exists, but its address is not confirmed yet, so it cannot be "
            "linked. Sign in with an e-mailed code first (that proves it); then this provider works too.",
            reason="account_unverified",
        )
    if account_exists:
        return Outcome.LINK
    if not signup_enabled:
        raise SocialSignInRefused(
            "There is no account with this e-mail address, and sign-up is closed. Ask for an invitation.",
            reason="signup_disabled",
        )
    return Outcome.CREATE
