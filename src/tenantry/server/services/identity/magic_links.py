"""Magic links (SPEC §13): a sign-in link e-mailed with the sign-in code, when the
environment turns them on (``sign_in_methods.magic_link``).

The link and the code are one secret: the code is derived from the link's token (an HMAC
under the code key), both live on one ``email_codes`` row, and using either consumes it
(single use). The link's token is stored as a keyed digest, lives
``sign_in_methods.magic_link_lifetime_seconds``, and signs in only the browser that asked
for it (a digest of that browser's secret cookie is kept with it). Opened anywhere else
(another browser, a mail scanner), it signs nobody in and consumes nothing: it shows the
code, to type in the browser that asked. A link therefore never signs a browser in to an
account somebody else asked for (no login CSRF), and a scanner fetching it burns nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import EmailCode
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain.errors import TenantryError
from tenantry.server.domain.secrets import keyed_digest, new_secret
from tenantry.server.observability.metrics import counts_sign_in
from tenantry.server.services.directory import environment
from tenantry.server.services.federation import signin
from tenantry.server.services.identity import lockouts, login, proof
from tenantry.server.services.integration import actors, events, server_secrets

AMR = ["otp"]  # RFC 8176: a one-time secret (sent by e-mail)


class InvalidMagicLink(TenantryError):
    code = "invalid_magic_link"
    default_message = "This sign-in link is not valid any more. Ask for a new code or link."


@dataclass(frozen=True)
class SignedIn:
    """The link was opened in the browser that asked: this is its session token."""

    token: str


@dataclass(frozen=True)
class TypeTheCode:
    """Opened in another browser: show the code, to type in the browser that asked."""

    code: str
    email: str
    expires_at: datetime


def derived_code(ctx: Context, token: str) -> str:
    mac = hmac.new(server_secrets.code_key(ctx), f"magic-link-code:{token}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(mac[:8], 'big') % 10**6:06d}"


def _link_hash(ctx: Context, token: str) -> str:
    return keyed_digest(server_secrets.code_key(ctx), f"magic-link:{token}")


def request_data(browser: str, next_url: str = "") -> str:
    """What a queued magic-link request keeps besides the address (email/requests.py)."""
    return json.dumps({"browser": browser, "next": next_url})


def link_mail(ctx: Context, uow: UnitOfWork, email: str, data: str) -> None:
    """In ``uow``: a sign-in code and link e-mailed if the account exists (nothing kept otherwise);
    earlier codes and links stop working. ``data`` is ``request_data``."""
    asked = json.loads(data or "{}")
    browser, next_url = str(asked.get("browser", "")), str(asked.get("next", ""))
    now = ctx.clock.now()
    lifetime = timedelta(seconds=environment.get_settings(ctx).sign_in_methods.magic_link_lifetime_seconds)
    user = repo.user_by_email(uow.session, email) or login.stand_in(email)  # the same work either way
    token = new_secret()
    code = login._issue_code(
        ctx,
        uow,
        user,
        login.LOGIN,
        now,
        derived_code(ctx, token),
        link_hash=_link_hash(ctx, token),
        link_expires_at=now + lifetime,
        browser_hash=browser,
    )
    query = {"token": token, **({"next": next_url} if next_url else {})}
    link_url = f"{ctx.settings.public_url}/login/link?{urlencode(query)}"
    minutes = max(1, int(lifetime.total_seconds()) // 60)
    login._mail(
        ctx, uow, "login_code", user, "Your {app} sign-in link", code=code, link_url=link_url, link_minutes=minutes
    )


def _live(session: Session, ctx: Context, token: str, now: datetime) -> EmailCode | None:
    return session.scalar(
        select(EmailCode).where(
            EmailCode.link_hash == _link_hash(ctx, token),
            EmailCode.purpose == login.LOGIN,
            EmailCode.consumed_at.is_(None),
            EmailCode.link_expires_at > now,
        )
    )


def open_link(ctx: Context, token: str, browser: str, user_agent: str | None = None) -> SignedIn | TypeTheCode:
    """Sign in the browser that asked; show any other browser the code. Raises
    InvalidMagicLink (unknown, used, expired, magic links turned off), SsoRequired."""
    now = ctx.clock.now()
    if not environment.get_settings(ctx).sign_in_methods.magic_link:
        raise InvalidMagicLink()  # turned off: the links already sent stop working
    with ctx.uow(readonly=True) as uow:
        row = _live(uow.session, ctx, token, now) if token else None
        if row is None:
            raise InvalidMagicLink()
        email = repo.user(uow.session, row.user_id).email
        same_browser = bool(row.browser_hash) and hmac.compare_digest(row.browser_hash or "", browser)
        row_id, code_expires_at = row.id, row.expires_at
    if same_browser:
        return SignedIn(_sign_in(ctx, row_id, email, user_agent))
    if code_expires_at <= now:
        raise InvalidMagicLink()
    return TypeTheCode(derived_code(ctx, token), email, code_expires_at)


@counts_sign_in("magic_link")
def _sign_in(ctx: Context, row_id: str, email: str, user_agent: str | None) -> str:
    signin.check_not_required(ctx, email)  # SPEC §11, as for codes
    now = ctx.clock.now()
    with ctx.uow() as uow:
        consumed = uow.session.execute(
            update(EmailCode)
            .where(EmailCode.id == row_id, EmailCode.consumed_at.is_(None), EmailCode.link_expires_at > now)
            .values(consumed_at=now)
        ).rowcount  # type: ignore[attr-defined]
        row = uow.session.get(EmailCode, row_id)
        if not consumed or row is None:
            raise InvalidMagicLink()
        user = repo.user(uow.session, row.user_id)
        proof.take_over(uow.session, user, now)  # the link reached the mailbox (SPEC §3)
        lockouts.clear(uow.session, user.email)
        events.user_event(uow.session, "user.magic_link_login", user, now, actor=actors.user(user.id))
        token = login.complete_sign_in(uow, user.id, now, user_agent, amr=AMR)
        uow.commit()
    return token
