"""The SAML 2.0 service provider of a connection (SPEC §11), on pysaml2 with Debian's xmlsec1
for every XML signature: SP metadata, the AuthnRequest (HTTP-Redirect) and the Response at the
ACS (HTTP-POST). pysaml2 checks the signatures (assertion signature required), audience,
recipient and destination, InResponseTo against the request we sent, and NotBefore /
NotOnOrAfter with ``TENANTRY_SAML_CLOCK_SKEW_SECONDS``; assertion IDs are recorded here so
none is accepted twice (replay), whichever server process receives it.

pysaml2 (with xmlschema) is imported when a SAML connection is first used: loading it took a
third of ``tenantry serve``'s start-up (issue 17), and a missing xmlsec1 is refused per request
anyway (``xmlsec_binary``)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from tenantry.server.context import Context
from tenantry.server.db.models import SamlAssertionSeen, SsoConnection
from tenantry.server.domain.sso import SsoRefused
from tenantry.server.services.federation.oidc_rp import IdpAnswer

if TYPE_CHECKING:
    from saml2.config import SPConfig

MAX_RESPONSE_BYTES = 256 * 1024


def xmlsec_binary() -> str:
    found = shutil.which("xmlsec1")
    if found is None:
        raise SsoRefused("SAML needs the xmlsec1 program (Debian: apt-get install xmlsec1).", reason="xmlsec1")
    return found


def _base(ctx: Context, row: SsoConnection) -> str:
    return f"{ctx.settings.public_url}/sso/saml/{row.id}"


def _config(ctx: Context, row: SsoConnection, *, with_idp: bool = True) -> SPConfig:
    from saml2 import BINDING_HTTP_POST
    from saml2.config import SPConfig
    from saml2.saml import NAMEID_FORMAT_EMAILADDRESS

    base = _base(ctx, row)
    settings: dict[str, Any] = {
        "entityid": f"{base}/metadata",
        "xmlsec_binary": xmlsec_binary(),
        "service": {
            "sp": {
                "endpoints": {"assertion_consumer_service": [(f"{base}/acs", BINDING_HTTP_POST)]},
                "want_assertions_signed": True,  # SPEC §11: signed assertions required
                "want_response_signed": False,  # Entra ID signs the assertion only, by default
                "authn_requests_signed": False,
                "allow_unsolicited": row.idp_initiated_enabled,
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                "name_id_policy_format": NAMEID_FORMAT_EMAILADDRESS,
            }
        },
        "accepted_time_diff": ctx.settings.saml_clock_skew_seconds,
        "allow_unknown_attributes": True,
    }
    if with_idp and row.config.get("idp_metadata_xml"):
        settings["metadata"] = {"inline": [row.config["idp_metadata_xml"]]}
    config = SPConfig()
    config.load(settings)
    return config


def sp_metadata(ctx: Context, row: SsoConnection) -> str:
    """This connection's SP metadata (entity ID, ACS, NameID format) for the IdP's administrator."""
    from saml2.metadata import create_metadata_string

    return create_metadata_string(None, config=_config(ctx, row, with_idp=False)).decode("utf-8")


def authn_request(ctx: Context, row: SsoConnection) -> tuple[str, Callable[[str], str]]:
    """A new AuthnRequest: its ID (the answer's InResponseTo must name it) and a function
    giving the IdP's HTTP-Redirect URL for a RelayState."""
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.client import Saml2Client

    client = Saml2Client(config=_config(ctx, row))
    destination = row.config["idp_sso_url"]
    request_id, request = client.create_authn_request(destination, binding=BINDING_HTTP_REDIRECT)

    def url_for(relay_state: str) -> str:
        info = client.apply_binding(BINDING_HTTP_REDIRECT, str(request), destination, relay_state=relay_state)
        return str(dict(info["headers"])["Location"])

    return str(request_id), url_for


def consume(ctx: Context, row: SsoConnection, saml_response: str, request_id: str | None) -> IdpAnswer:
    """The identity in a Response posted to the ACS, once every check passed. Raises SsoRefused."""
    from saml2 import BINDING_HTTP_POST
    from saml2.client import Saml2Client
    from saml2.saml import NAMEID_FORMAT_EMAILADDRESS

    if not saml_response or len(saml_response) > MAX_RESPONSE_BYTES:
        raise SsoRefused("The identity provider's answer is missing or too large.", reason="saml")
    client = Saml2Client(config=_config(ctx, row))
    outstanding = {request_id: "/"} if request_id else {}
    try:
        response = client.parse_authn_request_response(saml_response, BINDING_HTTP_POST, outstanding=outstanding)
    except Exception as exc:  # pysaml2 raises many types (SignatureError, ToEarly, UnsolicitedResponse…)
        raise SsoRefused(f"The SAML response was refused: {type(exc).__name__}.", reason="saml") from None
    if response is None or response.assertion is None:
        raise SsoRefused("The SAML response carries no assertion.", reason="saml")
    if request_id and response.in_response_to != request_id:
        raise SsoRefused("The SAML response answers another request.", reason="in_response_to")
    assertion = response.assertion
    _remember(ctx, row, str(assertion.id), response)
    name_id = response.name_id
    subject = str(name_id.text).strip() if name_id is not None and name_id.text else ""
    if not subject:
        raise SsoRefused("The SAML assertion names no subject.", reason="saml")
    attributes: dict[str, Any] = {key: list(values) for key, values in (response.ava or {}).items()}
    attributes["NameID"] = subject
    if name_id is not None and name_id.format == NAMEID_FORMAT_EMAILADDRESS:
        attributes.setdefault("email", subject)
    return IdpAnswer(subject, attributes, True)


def _remember(ctx: Context, row: SsoConnection, assertion_id: str, response: Any) -> None:
    """Record the assertion ID until it would expire anyway; a second use is refused."""
    now = ctx.clock.now()
    keep_until = now + timedelta(seconds=ctx.settings.saml_clock_skew_seconds) + timedelta(hours=1)
    with ctx.uow() as uow:
        uow.session.execute(delete(SamlAssertionSeen).where(SamlAssertionSeen.expires_at < now))
        uow.session.add(SamlAssertionSeen(connection_id=row.id, assertion_id=assertion_id[:128], expires_at=keep_until))
        try:
            uow.commit()
        except IntegrityError:
            raise SsoRefused("This SAML assertion was already used.", reason="replay") from None
