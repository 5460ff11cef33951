"""Reading a SAML identity provider's metadata (by URL or XML) with pysaml2: its entity ID,
its single sign-on URL (HTTP-Redirect binding) and its signing certificates. pysaml2 is
imported on first use (see ``saml_sp``)."""

from __future__ import annotations

from typing import Any

from tenantry.server.context import Context
from tenantry.server.domain.errors import FieldError, InvalidArgument
from tenantry.server.services.federation import outbound

MAX_METADATA_BYTES = 512 * 1024


def _invalid(field: str, message: str) -> InvalidArgument:
    return InvalidArgument(
        f"The identity provider metadata is not usable: {message}.", [FieldError(field, "invalid_metadata", message)]
    )


def from_url(ctx: Context, url: str) -> dict[str, Any]:
    try:
        xml = outbound.get_text(ctx, url)
    except outbound.FetchFailed as exc:
        raise _invalid("connection.saml_config.idp_metadata_url", f"it could not be fetched ({exc})") from None
    return parse(xml, "connection.saml_config.idp_metadata_url")


def parse(xml: str, field: str) -> dict[str, Any]:
    """Raises InvalidArgument (``invalid_metadata``)."""
    from saml2 import BINDING_HTTP_REDIRECT, md
    from saml2.s_utils import UnknownSystemEntity

    if len(xml) > MAX_METADATA_BYTES or "<!DOCTYPE" in xml.upper():  # no DTDs: entity expansion attacks
        raise _invalid(field, "too large or has a DOCTYPE")
    try:
        descriptor = md.entity_descriptor_from_string(xml)
    except (UnknownSystemEntity, ValueError, SyntaxError, Exception) as exc:  # pysaml2 raises assorted errors
        raise _invalid(field, f"not SAML metadata ({type(exc).__name__})") from None
    if descriptor is None or not descriptor.idpsso_descriptor:
        raise _invalid(field, "no IDPSSODescriptor")
    idp = descriptor.idpsso_descriptor[0]
    sso_url = next(
        (s.location for s in idp.single_sign_on_service if s.binding == BINDING_HTTP_REDIRECT),
        None,
    )
    certificates = []
    for key in idp.key_descriptor:
        if key.use in (None, "signing") and key.key_info and key.key_info.x509_data:
            for data in key.key_info.x509_data:
                if data.x509_certificate and data.x509_certificate.text:
                    certificates.append("".join(data.x509_certificate.text.split()))
    if not descriptor.entity_id or not sso_url or not certificates:
        raise _invalid(field, "it needs an entityID, an HTTP-Redirect SingleSignOnService and a signing certificate")
    return {
        "idp_entity_id": descriptor.entity_id,
        "idp_sso_url": sso_url,
        "idp_certificates": certificates,
        "idp_metadata_xml": xml,
    }
