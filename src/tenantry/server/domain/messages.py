"""The one catalogue of sentences a person reads: refusals by error code (with their
parameters) and field errors by detail code, worded with the organization meta name.

The API keeps its codes and words its messages with the generic "organization"
(``api_sentence``); hosted pages, the dashboard and e-mails ask ``explain`` and
``field_sentence`` with the configured meta name. A key is ``code``, ``code:reason``
(one rule, one situation) and optionally ``@self`` for the person the rule is about
("You have already created…" on their own page).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tenantry.server.domain.types import INVITATION_EXPIRY_MAX_SECONDS, INVITATION_EXPIRY_MIN_SECONDS
from tenantry.server.domain.wording import GENERIC, MetaName, duration

CATALOGUE: dict[str, str] = {
    "organization_user_limit_reached": "This {meta} has reached its maximum number of users.",
    "organization_user_limit_reached@admin": (
        "This {meta} has reached its maximum number of users: nobody new can join until a seat frees up or "
        "you raise the limit."
    ),
    "organization_user_limit_reached:over_limit": (
        "This {meta} is over its user limit, so this invitation cannot be accepted until a seat frees up."
    ),
    "organization_creation_limit_reached": (
        "This user has already created {created} {created_metas}; the limit is {limit}."
    ),
    "organization_creation_limit_reached@self": (
        "You have already created {created} {created_metas}; the limit is {limit}."
    ),
    "signup_disabled": "Sign-up is by invitation only. Ask someone in your {meta} to invite you.",
    "invitation_expired": "This invitation has expired. Ask for a new one.",
    "invitation_invalid": "This invitation link is not valid: it was already used, revoked or never existed.",
    "membership_already_active": "This person is already an active member; there is no invitation to resend.",
    "membership_already_active:joined": "This person already joined; there is no invitation to revoke.",
    "already_exists:membership": "This person already belongs to this {meta} or is invited to it.",
    "already_exists:email": "A user with this e-mail address already exists.",
    "not_found": "This no longer exists: it may have been deleted.",
    "not_found:organization": "No {meta} with this id.",
    "not_found:membership": "This person is not a member of this {meta} and has no invitation to it.",
    "not_found:not_a_member": "You are not a member of that {meta}.",
    "failed_precondition:inactive_membership": (
        "This membership is inactive; re-activate it instead of inviting again."
    ),
    "last_admin": (
        "This is the last member who can manage members: {a_meta} with members keeps at least one. Give "
        "that power to someone else first, or delete the {meta}."
    ),
    "rate_limited": "Too many attempts. Try again in {wait}.",
    "invalid_argument": "Please correct the fields below.",
    "csrf_failed": "This form has expired or did not come from this site. Go back, reload the page and try again.",
    "database_unavailable": "The service cannot reach its database right now. Nothing was changed; try again shortly.",
}

# Field errors (API detail codes), by detail code and optionally by field.
FIELD_NOUNS = {
    "email": "an e-mail address",
    "password": "a password",
    "display_name": "a name",
    "organization_name": "a name",
    "organization.display_name": "a name",
    "key": "a key",
    "code": "the 6-digit code",
    "branding.app_name": "the application name",
    "branding.primary_color": "a colour",
    "organization_meta_name.singular": "the singular",
    "organization_meta_name.plural": "the plural",
    "invitation_expiry_seconds": "how long invitations stay valid",
    "max_organizations_per_user": "a number",
    "name": "a name",
    "url": "an address",
}
FIELD_FORMATS = {
    "key": "Use lower-case letters, digits and _, starting with a letter (for example department).",
    "user_profile.locale": "Use a language tag such as en-GB.",
    "locale": "Use a language tag such as en-GB.",
    "user_profile.phone_number": "Use digits, spaces and + ( ) . - only, for example +44 20 7946 0958.",
    "phone_number": "Use digits, spaces and + ( ) . - only, for example +44 20 7946 0958.",
}
DURATION_FIELDS = {"invitation_expiry_seconds", "invitation_expiry"}


def _words(meta: MetaName) -> dict[str, str]:
    return {
        "meta": meta.singular_lower,
        "Meta": meta.singular,
        "metas": meta.plural_lower,
        "Metas": meta.plural,
        "a_meta": meta.a_singular,
    }


def sentence(
    code: str, meta: MetaName, *, reason: str | None = None, audience: str | None = None, **params: Any
) -> str | None:
    """The catalogue's sentence for ``code`` (most specific key first), or None."""
    keys = [f"{code}:{reason}" if reason else None, code]
    for key in [k for k in keys if k]:
        for candidate in ([f"{key}@{audience}"] if audience else []) + [key]:
            if candidate in CATALOGUE:
                return CATALOGUE[candidate].format(**_words(meta), **_extra(params, meta))
    return None


def _extra(params: Mapping[str, Any], meta: MetaName) -> dict[str, Any]:
    extra = dict(params)
    if "retry_after" in extra:
        extra["wait"] = duration(int(extra["retry_after"]))
    if "created" in extra:  # "1 workspace", "2 workspaces"
        extra["created_metas"] = meta.singular_lower if extra["created"] == 1 else meta.plural_lower
    return extra


def api_sentence(code: str, reason: str | None, params: Mapping[str, Any]) -> str | None:
    """What the API says for a refusal built without its own message."""
    return sentence(code, GENERIC, reason=reason, **params)


def explain(error: Any, meta: MetaName, audience: str | None = None) -> str:
    """A refusal (a TenantryError) as a page says it. Errors raised with their own specific
    message and no reason keep it (they name no organization)."""
    if getattr(error, "reason", None) or getattr(error, "worded", False):
        found = sentence(error.code, meta, reason=error.reason, audience=audience, **error.params)
        if found:
            return found
    return str(error.message)


def field_sentence(field: str, code: str, message: str, params: Mapping[str, Any]) -> str:
    """A field error as a person reads it: never a validator's text or a pattern."""
    noun = FIELD_NOUNS.get(field) or FIELD_NOUNS.get(field.rsplit(".", 1)[-1])
    kind = params.get("type", "")
    if code == "required" or (code == "too_short" and params.get("min_length") == 1):
        if noun:
            return f"Enter {noun}."
        return "Fill this in." if kind else _sentence_case(message)  # our own validators name the field
    if field in DURATION_FIELDS and code in ("out_of_range", "wrong_type"):
        return f"Choose from {duration(INVITATION_EXPIRY_MIN_SECONDS)} to {duration(INVITATION_EXPIRY_MAX_SECONDS)}."
    if code == "too_short" and "min_length" in params:
        return f"Use at least {params['min_length']} characters."
    if code == "too_long" and "max_length" in params:
        return f"Use at most {params['max_length']} characters."
    if code == "pattern_mismatch":
        known = FIELD_FORMATS.get(field) or FIELD_FORMATS.get(field.rsplit(".", 1)[-1])
        return known or "This is not in the expected format."
    if code == "out_of_range":
        return _range(params) or _sentence_case(message)
    if code == "wrong_type":
        if kind.startswith("int"):
            return "Enter a whole number."
        if kind.startswith(("float", "decimal")):
            return "Enter a number."
        if kind.startswith("bool"):
            return "Choose yes or no."
    if field.rsplit(".", 1)[-1] in ("email", "inviter_email") and code == "invalid":
        return "Enter an e-mail address, like name@example.com."
    if code == "not_in_options":
        return "Choose one of the options."
    if code == "unknown_field":
        return "This field is not accepted here."
    return _sentence_case(message)


def _range(params: Mapping[str, Any]) -> str | None:
    low = params.get("ge", params.get("gt"))
    high = params.get("le", params.get("lt"))
    if low is not None and high is not None:
        return f"Enter a number from {low} to {high}."
    if low is not None:
        return f"Enter a number of at least {low}." if "ge" in params else f"Enter a number above {low}."
    if high is not None:
        return f"Enter a number of at most {high}." if "le" in params else f"Enter a number below {high}."
    return None


def _sentence_case(message: str) -> str:
    text = message.strip().removeprefix("Value error, ")
    if not text:
        return "This value is not valid."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
