"""The one-line notices a page shows after an action ("Invitation sent."), chosen by key.

A redirect carries ``?notice=<key>`` (and, for a few, ``&count=<n>``), never the sentence:
a page that printed the query string would let anyone put their own words on our pages
under our branding ("Your account is locked, call +1 …"). Unknown keys show nothing; a
count is only ever a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from tenantry.server.domain.wording import MetaName

HOSTED: Mapping[str, str] = {
    "invited": "Invitation sent.",
    "resent": "Invitation sent again.",
    "revoked": "Invitation revoked.",
    "member_removed": "Member removed; their seat is free.",
    "roles": "Role changed.",
    "organization_saved": "Settings saved.",
}

DASHBOARD: Mapping[str, str] = {
    "welcome": "Welcome! Your administrator account is ready.",
    "settings_saved": "Settings saved.",
    "settings_saved_signup": "Sign-up setting saved.",
    "settings_saved_creation": "Creation limit saved.",
    "settings_saved_invitations": "Invitation expiry saved.",
    "settings_saved_meta": "Name saved.",
    "settings_saved_branding": "Branding saved.",
    "settings_saved_sign_in": "Sign-in methods saved.",
    "settings_saved_mfa": "Two-step verification settings saved.",
    "organization_mfa_saved": "Two-step verification setting saved.",
    "administrator_added": "The new administrator can now sign in to the dashboard.",
    "administrator_removed": "Administrator removed.",
    "organization_created": "{Meta} created.",
    "organization_saved": "Details saved.",
    "limit_saved": "User limit saved.",
    "organization_deleted": "{Meta} deleted.",
    "invited": "Invitation sent.",
    "added": "Member added.",
    "resent": "Invitation sent again, with a new link and a fresh expiry.",
    "revoked": "Invitation revoked; its seat is free.",
    "removed": "Member removed; their seat is free.",
    "roles": "Role changed.",
    "user_saved": "Changes saved.",
    "signed_out_everywhere": "Signed out everywhere. Browser sessions ended: {count}.",
    "user_deleted": "User deleted.",
    "client_deleted": "API client deleted.",
    "application_saved": "Changes saved.",
    "application_deleted": "Application deleted.",
    "attribute_created": "Attribute created.",
    "attribute_saved": "Attribute saved.",
    "attribute_saved_cleared": "Attribute saved. Cleared {count} incompatible value(s).",
    "attribute_deleted": "Attribute deleted; its values were removed from {count} profile(s).",
    "webhook_saved": "Webhook saved.",
    "webhook_deleted": "Webhook deleted.",
    "delivery_replayed": "Delivery queued to be sent again now.",
    "domain_added": "Domain added. Publish its TXT record, then check DNS.",
    "domain_verified": "Domain verified.",
    "domain_deleted": "Domain deleted.",
    "connection_saved": "Connection saved.",
    "connection_enabled": "Connection enabled: users on the verified domains now sign in through it.",
    "connection_disabled": "Connection disabled.",
    "connection_deleted": "Connection deleted.",
    "directory_saved": "Directory saved.",
    "roles_saved": "Roles saved; members' roles follow their groups now.",
    "attributes_mapped": "Attribute mapping saved; it applies to each user the next time the directory sends them.",
    "directory_deleted": "Directory deleted; its users keep their accounts and memberships.",
}


def with_notice(path: str, key: str, catalogue: Mapping[str, str] = DASHBOARD, *, count: int | None = None) -> str:
    """``path`` with the notice ``key`` (which must exist) for the next page to show once.
    A ``#fragment`` of ``path`` stays at the end."""
    if key not in catalogue:
        raise KeyError(f"no notice {key!r}")
    path, hash_, fragment = path.partition("#")
    query = {"notice": key} if count is None else {"notice": key, "count": str(count)}
    separator = "&" if "?" in path else "?"
    return f"{path}{separator}{urlencode(query)}{hash_}{fragment}"


def notice_text(catalogue: Mapping[str, str], key: str | None, meta: MetaName, count: str | None = None) -> str | None:
    """The sentence for ``key``, worded with the meta name, or None for an unknown key (or a
    count that is not a number, for a notice that needs one)."""
    sentence = catalogue.get(key or "")
    if sentence is None:
        return None
    numeric = count is not None and count.isascii() and count.isdigit() and len(count) <= 9
    if "{count}" in sentence and not numeric:
        return None
    return sentence.format(meta=meta.singular_lower, Meta=meta.singular, count=count)
