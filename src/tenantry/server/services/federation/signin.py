"""Where a sign-in goes (home-realm discovery) and the round trip to the identity provider:
start (a pending request and the IdP's URL) and finish (the IdP's answer, checked, then JIT)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db.models import Organization, SsoConnection
from tenantry.server.domain import sso as rules
from tenantry.server.domain.domains import email_domain
from tenantry.server.services.directory import domains
from tenantry.server.services.federation import connections, oidc_rp, provisioning, requests, saml_sp
from tenantry.server.services.federation.oidc_rp import IdpAnswer
from tenantry.server.services.integration import events


def _enabled_of(session: Session, organization_id: str) -> SsoConnection | None:
    return session.scalar(
        select(SsoConnection)
        .where(SsoConnection.organization_id == organization_id, SsoConnection.enabled.is_(True))
        .order_by(SsoConnection.id)
        .limit(1)
    )


def discover(
    ctx: Context,
    *,
    connection_id: str | None = None,
    organization_id: str | None = None,
    domain_hint: str | None = None,
    login_hint: str | None = None,
) -> str | None:
    """The enabled connection a sign-in should go to, by the first of: ``connection_id``,
    ``organization_id``, ``domain_hint``, the domain of ``login_hint`` (an e-mail); else None."""
    with ctx.uow(readonly=True) as uow:
        session = uow.session
        if connection_id:
            row = session.get(SsoConnection, connection_id)
            return row.id if row is not None and row.enabled else None
        if organization_id:
            row = _enabled_of(session, organization_id)
            return row.id if row else None
        domain = (domain_hint or "").strip().lower() or (
            email_domain(login_hint) if login_hint and "@" in login_hint else ""
        )
        if not domain:
            return None
        owner = _route_of_domain(session.connection(), domain)
        return owner.connection_id if owner is not None else None


def check_not_required(ctx: Context, email: str) -> None:
    """Raises SsoRequired when the address's organization requires SSO (and has an enabled connection)."""
    with ctx.uow(readonly=True) as uow:
        check_not_required_in(uow.session, email)


def check_not_required_in(session: Session, email: str) -> None:
    """``check_not_required`` inside the caller's transaction."""
    refuse_if_required(route_of(session.connection(), email))


def route_of(connection: Connection, email: str) -> Any:
    """What home-realm discovery and the SSO requirement need of an address, in one
    statement: ``connection_id`` (its domain owner's first enabled connection, or None) and
    ``sso_required``; None when no organization verified the domain (or no domain)."""
    return _route_of_domain(connection, email_domain(email)) if "@" in email else None


def refuse_if_required(route: Any) -> None:
    """Raises SsoRequired when ``route`` (``route_of``) requires SSO through an enabled connection."""
    if route is not None and route.sso_required and route.connection_id is not None:
        raise rules.SsoRequired()


_ORGANIZATIONS = Organization.__table__.c
_CONNECTIONS = SsoConnection.__table__.c
# ``domains.owner_of`` and its first enabled connection (``_enabled_of``) in one statement
# built once, read on the connection: every password sign-in asks, twice (issue 18).
ROUTE_OF_DOMAIN = domains.owner_columns(
    _ORGANIZATIONS.sso_required,
    select(_CONNECTIONS.id)
    .where(_CONNECTIONS.organization_id == _ORGANIZATIONS.id, _CONNECTIONS.enabled.is_(True))
    .order_by(_CONNECTIONS.id)
    .limit(1)
    .scalar_subquery()
    .label("connection_id"),
)


def route_domain(email: str) -> str:
    """The ``domain`` to bind for ``ROUTE_OF_DOMAIN`` (an empty one, no owner, for an address without a domain)."""
    return email_domain(email).lower() if "@" in email else ""


def _route_of_domain(connection: Connection, domain: str) -> Any:
    """``sso_required`` and ``connection_id`` (None: no enabled connection) of the domain's owner, if any."""
    return connection.execute(ROUTE_OF_DOMAIN, {"domain": domain.lower()}).first()


def start(ctx: Context, connection_id: str, next_url: str, *, login_hint: str | None = None, test: bool = False) -> str:
    """The identity provider's URL for a new sign-in. Raises SsoRefused (unknown, disabled
    — a test may use a complete disabled connection — or incomplete)."""
    with ctx.uow(readonly=True) as uow:
        row = uow.session.get(SsoConnection, connection_id)
        if row is None or (not row.enabled and not test):
            raise rules.SsoRefused("This single sign-on connection is not enabled.", reason="disabled")
        uow.session.expunge(row)
    if row.type == "OIDC":
        nonce, verifier = oidc_rp.new_secrets()
        state = requests.open_request(ctx, row.id, next_url, test=test, nonce=nonce, code_verifier=verifier)
        return oidc_rp.authorization_url(ctx, oidc_rp.of_connection(ctx, row, None), state, nonce, verifier, login_hint)
    request_id, url_for_state = saml_sp.authn_request(ctx, row)
    state = requests.open_request(ctx, row.id, next_url, test=test, saml_request_id=request_id)
    return url_for_state(state)


@dataclass(frozen=True)
class Finished:
    next_url: str
    signed_in: provisioning.SignedIn | None  # None for a test sign-in
    answer: IdpAnswer


def _load(ctx: Context, connection_id: str) -> SsoConnection:
    with ctx.uow(readonly=True) as uow:
        row = uow.session.get(SsoConnection, connection_id)
        if row is None:
            raise rules.SsoRefused("Unknown single sign-on connection.")
        uow.session.expunge(row)
        return row


def _complete(
    ctx: Context, row: SsoConnection, pending: requests.Pending, answer: IdpAnswer, agent: str | None
) -> Finished:
    if pending.test:
        return Finished(pending.next_url, None, answer)
    return Finished(pending.next_url, provisioning.sign_in(ctx, row.id, answer, agent), answer)


def finish_oidc(ctx: Context, connection_id: str, params: dict[str, str], agent: str | None) -> Finished:
    """Raises SsoRefused, provisioning.OrganizationFull."""
    row = _load(ctx, connection_id)
    if row.type != "OIDC":
        raise rules.SsoRefused("Not an OpenID Connect connection.")
    pending = requests.consume(ctx, row.id, params.get("state"))
    with _recorded_refusals(ctx, row, pending):
        relying_party = oidc_rp.of_connection(ctx, row, connections.client_secret(ctx, row))
        answer = oidc_rp.finish(ctx, relying_party, pending, params)
        return _complete(ctx, row, pending, answer, agent)


def finish_saml(ctx: Context, connection_id: str, form: dict[str, Any], agent: str | None) -> Finished:
    """Raises SsoRefused, provisioning.OrganizationFull."""
    row = _load(ctx, connection_id)
    if row.type != "SAML":
        raise rules.SsoRefused("Not a SAML connection.")
    relay_state = form.get("RelayState")
    if relay_state:
        pending = requests.consume(ctx, row.id, relay_state)
    elif row.idp_initiated_enabled:
        pending = requests.Pending(row.id, None, None, None, "/organizations", False)
    else:
        raise rules.SsoRefused("IdP-initiated sign-in is off for this connection.", reason="idp_initiated")
    with _recorded_refusals(ctx, row, pending):
        answer = saml_sp.consume(ctx, row, str(form.get("SAMLResponse") or ""), pending.saml_request_id)
        return _complete(ctx, row, pending, answer, agent)


@contextmanager
def _recorded_refusals(ctx: Context, row: SsoConnection, pending: requests.Pending) -> Iterator[None]:
    """A refused answer to a sign-in that was started here (its state was ours) is an audit
    event, so the organization's administrators see why (a full organization records its
    own). A refused connection test also says where the test was started (the admin portal's
    set-up page), so its page can lead back there."""
    try:
        yield
    except rules.SsoRefused as refused:
        if pending.test:
            refused.test_started_at = pending.next_url
        _record_refusal(ctx, row, refused, pending.test)
        raise


def _record_refusal(ctx: Context, row: SsoConnection, refused: rules.SsoRefused, test: bool) -> None:
    with ctx.uow() as uow:
        events.record(
            uow.session,
            "user.sso_login_refused",
            {
                "code": refused.code,
                "reason": refused.reason,
                "message": refused.message,
                "connection_id": row.id,
                "organization_id": row.organization_id,
                "test": test,
            },
            ordering_key=f"organization:{row.organization_id}",
            now=ctx.clock.now(),
            organization_id=row.organization_id,
        )
        uow.commit()
