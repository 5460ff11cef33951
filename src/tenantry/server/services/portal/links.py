"""Portal links: create (the token shown once, its keyed digest stored), list, revoke, open
(a portal session for the browser), and resolve a portal session on every portal request.

The portal session is a signed cookie naming the link and when the session ends; every
request loads the link again, so revoking the link ends its sessions at once.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import Application, Organization, PortalLink
from tenantry.server.domain import portal as rules
from tenantry.server.domain.errors import NotFound
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.secrets import keyed_digest, new_secret
from tenantry.server.services.integration import actors, events, server_secrets

TOKEN_PREFIX = "ptl_"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True)
class LinkView:
    id: str
    organization_id: str
    location: str | None  # the link itself: in the answer that created it only
    features: list[str]
    embeddable: bool
    state: str
    expire_time: datetime
    create_time: datetime
    revoke_time: datetime | None


@dataclass(frozen=True)
class Opened:
    link_id: str
    cookie: str
    session_end: datetime
    embeddable: bool


@dataclass(frozen=True)
class PortalAccess:
    """Who is in the portal: a link's holder, for one organization and its features."""

    link_id: str
    organization_id: str
    organization_name: str
    features: tuple[str, ...]
    embeddable: bool
    frame_origins: tuple[str, ...]

    def allows(self, feature: str) -> bool:
        return feature in self.features


def _digest(ctx: Context, token: str) -> str:
    return keyed_digest(server_secrets.get(ctx, "portal_link_key").encode("utf-8"), token)


def _view(ctx: Context, row: PortalLink, location: str | None = None) -> LinkView:
    return LinkView(
        id=row.id,
        organization_id=row.organization_id,
        location=location,
        features=list(row.features),
        embeddable=row.embeddable,
        state=rules.state(ctx.clock.now(), row.expires_at, row.revoked_at),
        expire_time=row.expires_at,
        create_time=row.created_at,
        revoke_time=row.revoked_at,
    )


def _event(session: Session, kind: str, row: PortalLink, now: datetime, actor: actors.Actor | None = None) -> None:
    data = {
        "portal_link": {
            "id": row.id,
            "organization_id": row.organization_id,
            "features": list(row.features),
            "embeddable": row.embeddable,
            "expire_time": row.expires_at.isoformat().replace("+00:00", "Z"),
        }
    }
    events.record(
        session,
        kind,
        data,
        ordering_key=f"organization:{row.organization_id}",
        now=now,
        organization_id=row.organization_id,
        actor=actor,
    )


def create(
    ctx: Context,
    organization_id: str,
    features: list[str] | None = None,
    *,
    expires_in_days: int | None = None,
    embeddable: bool = False,
) -> LinkView:
    """A new link; its ``location`` is returned this once. Raises NotFound (organization),
    InvalidArgument (features, validity), EmbeddingNeedsHttps (an embeddable link while
    Tenantry is reached over plain http: it could never work)."""
    granted = rules.features(features)
    if embeddable:
        rules.ensure_embeddable(ctx.settings.https)
    token = new_secret(TOKEN_PREFIX)
    token_digest = _digest(ctx, token)  # before the transaction: the key may need its own
    with ctx.uow() as uow:
        repo.organization(uow.session, organization_id)
        now = ctx.clock.now()
        row = PortalLink(
            id=new_id("lnk"),
            organization_id=organization_id,
            token_hash=token_digest,
            features=list(granted),
            embeddable=embeddable,
            expires_at=rules.expiry(now, expires_in_days, embeddable),
            revoked_at=None,
            opened_at=None,
            created_at=now,
        )
        uow.session.add(row)
        uow.session.flush()
        _event(uow.session, "organization.portal_link_created", row, now)
        view = _view(ctx, row, f"{ctx.settings.public_url}/portal/open?token={token}")
        uow.commit()
        return view


def list_(ctx: Context, organization_id: str) -> list[LinkView]:
    """The organization's links, newest first (revoked and expired ones too)."""
    with ctx.uow(readonly=True) as uow:
        repo.organization(uow.session, organization_id)
        rows = uow.session.scalars(
            select(PortalLink).where(PortalLink.organization_id == organization_id).order_by(PortalLink.id.desc())
        )
        return [_view(ctx, row) for row in rows]


def revoke(ctx: Context, organization_id: str, link_id: str | None = None) -> int:
    """Revoke one link of the organization (``link_id``), or all its live ones; returns how
    many were revoked. Revoking a revoked link changes nothing. Raises NotFound."""
    with ctx.uow() as uow:
        repo.organization(uow.session, organization_id)
        stmt = select(PortalLink).where(PortalLink.organization_id == organization_id).with_for_update()
        if link_id is not None:
            stmt = stmt.where(PortalLink.id == link_id)
        rows = list(uow.session.scalars(stmt))
        if link_id is not None and not rows:
            raise NotFound(f"No portal link with id {link_id!r} in this organization.")
        now = ctx.clock.now()
        revoked = 0
        for row in rows:
            if row.revoked_at is None:
                row.revoked_at = now
                _event(uow.session, "organization.portal_link_revoked", row, now)
                revoked += 1
        uow.commit()
        return revoked


def _signature(ctx: Context, payload: str) -> str:
    """Call it outside a transaction: the key may need one of its own the first time."""
    return keyed_digest(server_secrets.get(ctx, "portal_session_key").encode("utf-8"), payload)


def open_(ctx: Context, token: str | None) -> Opened:
    """Open the portal with a link's token: a signed session cookie for the browser. An
    embeddable link opens once, and only over https (its cookie must work in another site's
    frame): refused before it is used up. Raises PortalLinkNotFound, PortalLinkUnusable,
    EmbeddingNeedsHttps."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise rules.PortalLinkNotFound()
    token_digest = _digest(ctx, token)
    _signature(ctx, "")  # the session key exists before the transaction below
    with ctx.uow() as uow:
        row = uow.session.scalar(select(PortalLink).where(PortalLink.token_hash == token_digest))
        if row is None:
            raise rules.PortalLinkNotFound()
        now = ctx.clock.now()
        rules.ensure_usable(now, row.expires_at, row.revoked_at)
        if row.embeddable:  # single use: one conditional UPDATE decides who opened it
            rules.ensure_embeddable(ctx.settings.https)
            claimed = uow.session.execute(
                update(PortalLink)
                .where(PortalLink.id == row.id, PortalLink.opened_at.is_(None))
                .values(opened_at=now)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                raise rules.PortalLinkUnusable("used", "This embedded portal link was already opened.")
        elif row.opened_at is None:
            row.opened_at = now
        _event(uow.session, "organization.portal_link_opened", row, now, actors.portal_link(row.id))
        end = rules.session_end(now, row.expires_at, row.embeddable)
        payload = f"{row.id}.{int(end.timestamp())}"
        opened = Opened(row.id, f"{payload}.{_signature(ctx, payload)}", end, row.embeddable)
        uow.commit()
        return opened


def resolve(ctx: Context, cookie: str | None) -> PortalAccess | None:
    """The portal access a session cookie carries; None for no cookie, a forged one or an
    ended session. Raises PortalLinkUnusable when its link was revoked or expired since,
    and PortalLinkNotFound when it is gone (deleted with its organization)."""
    parts = (cookie or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    link_id, ends, signature = parts
    if not hmac.compare_digest(signature, _signature(ctx, f"{link_id}.{ends}")):
        return None
    now = ctx.clock.now()
    if now >= datetime.fromtimestamp(int(ends), UTC):
        return None
    with ctx.uow(readonly=True) as uow:
        row = uow.session.get(PortalLink, link_id)
        if row is None:  # signed by us, so it was a link: it went with its organization
            raise rules.PortalLinkNotFound()
        if row.revoked_at is not None or not row.embeddable:
            rules.ensure_usable(now, row.expires_at, row.revoked_at)
        organization = uow.session.get(Organization, row.organization_id)
        assert organization is not None  # the link goes with its organization (cascade)
        origins = _frame_origins(uow.session) if row.embeddable else []
        return PortalAccess(
            link_id=row.id,
            organization_id=row.organization_id,
            organization_name=organization.display_name,
            features=tuple(row.features),
            embeddable=row.embeddable,
            frame_origins=tuple(origins),
        )


def _frame_origins(session: Session) -> list[str]:
    uris: list[Any] = []
    for redirect_uris, logout_uris in session.execute(
        select(Application.redirect_uris, Application.post_logout_redirect_uris)
    ):
        uris += list(redirect_uris or []) + list(logout_uris or [])
    return rules.frame_origins(str(uri) for uri in uris)
