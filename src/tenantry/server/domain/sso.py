"""SSO connections (SPEC §11): the pure rules: attribute mapping, roles from IdP groups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from tenantry.server.domain.errors import FieldError, InvalidArgument, TenantryError

ConnectionType = Literal["OIDC", "SAML"]
PROVIDERS = ("OKTA", "MICROSOFT_AD", "GOOGLE", "ADFS", "JUMPCLOUD", "ONELOGIN", "PING_IDENTITY", "AUTH0", "CUSTOM")
PROFILE_TARGETS = ("email", "given_name", "family_name", "name", "locale", "phone_number", "picture", "groups")
CUSTOM_PREFIX = "custom_attributes."
OIDC_SCOPES = ("openid", "email", "profile")  # what an OpenID Connect sign-in asks for unless told otherwise

# Where each profile field is found when the connection's mapping does not say: the usual
# claim names of OIDC, and the attribute names Okta, Entra ID / ADFS and LDAP-style IdPs send.
DEFAULT_SOURCES: dict[str, tuple[str, ...]] = {
    "email": (
        "email",
        "mail",
        "emailAddress",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "urn:oid:0.9.2342.19200300.100.1.3",
    ),
    "given_name": (
        "given_name",
        "givenName",
        "firstName",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "urn:oid:2.5.4.42",
    ),
    "family_name": (
        "family_name",
        "sn",
        "surname",
        "lastName",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "urn:oid:2.5.4.4",
    ),
    "name": ("name", "displayName", "http://schemas.microsoft.com/identity/claims/displayname", "cn"),
    "locale": ("locale",),
    "phone_number": ("phone_number", "telephoneNumber"),
    "picture": ("picture",),
    "groups": ("groups", "memberOf", "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"),
}


class SsoRefused(TenantryError):
    """A sign-in through an identity provider was refused (bad answer, unknown or disabled
    connection, an address outside the organization's verified domains)."""

    code = "sso_failed"
    default_message = "Single sign-on did not complete. Try again, or ask your administrator."
    # Set when the refused answer was a connection test's: where the test was started from.
    test_started_at: str | None = None


class SsoRequired(TenantryError):
    """The address belongs to an organization that requires SSO: other methods are refused."""

    code = "sso_required"
    default_message = "Your organization requires you to sign in with single sign-on."


def check_mapping(mapping: Mapping[str, Any], field: str = "connection.attribute_mapping") -> dict[str, str]:
    """A mapping ``{target: IdP attribute name}``; targets are profile fields, ``groups`` or
    ``custom_attributes.<key>``. Raises InvalidArgument."""
    checked: dict[str, str] = {}
    errors = []
    for target, source in mapping.items():
        if target not in PROFILE_TARGETS and not (
            target.startswith(CUSTOM_PREFIX) and len(target) > len(CUSTOM_PREFIX)
        ):
            errors.append(
                FieldError(
                    f"{field}.{target}", "unknown_field", "not a profile field, groups or custom_attributes.<key>"
                )
            )
        elif not isinstance(source, str) or not source.strip() or len(source) > 512:
            errors.append(FieldError(f"{field}.{target}", "invalid", "the IdP attribute name, a non-empty string"))
        else:
            checked[target] = source.strip()
    if errors:
        raise InvalidArgument("The attribute mapping has invalid entries.", errors)
    return checked


def first_value(attributes: Mapping[str, Any], name: str) -> Any:
    value = attributes.get(name)
    if isinstance(value, list):
        return value[0] if value else None
    return value


def mapped(attributes: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """Every target field with a value from the IdP: the mapping's attribute first, else the
    usual names. ``groups`` is a list of strings; other fields their first value."""
    found: dict[str, Any] = {}
    for target in (*PROFILE_TARGETS, *(t for t in mapping if t.startswith(CUSTOM_PREFIX))):
        sources = (mapping[target],) if target in mapping else DEFAULT_SOURCES.get(target, ())
        for source in sources:
            if source not in attributes:
                continue
            raw = attributes[source]
            if target == "groups":
                values = raw if isinstance(raw, list) else [raw]
                found[target] = [str(v) for v in values if v is not None]
            else:
                found[target] = first_value(attributes, source)
            break
    return found


def roles_for(groups: list[str], group_roles: Mapping[str, list[str]], default_roles: list[str]) -> list[str]:
    """The roles a JIT member gets: those mapped from their IdP groups, else the connection's default."""
    roles: list[str] = []
    for group in groups:
        for role in group_roles.get(group, []):
            if role not in roles:
                roles.append(role)
    return roles or list(default_roles)
