"""E-mails asked for where the answer must not show whether the address is registered.

``ask`` is the request path: it writes the same outbox row for any address (email/requests.py)
and returns what starts the work once the answer is sent (email/jobs.py). ``run_due``
resolves requests (one transaction each: the request row goes, the code and the e-mail
come, or nothing for an unknown address) and then sends what is due; the after-answer job
runs it at once, the worker loop every round (what a crash left behind, retries), and a
reader of the outbox resolves requests first (``resolve_due``), so it sees them all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from tenantry.server.context import Context
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.email import requests
from tenantry.server.email.jobs import jobs
from tenantry.server.services.identity import login, magic_links

log = logging.getLogger(__name__)

LOGIN_CODE, PASSWORD_RESET, ACCOUNT_EXISTS = "login_code", "reset_password", "account_exists"
MAGIC_LINK = "magic_link"  # a sign-in code with a link bound to the asking browser (data: magic_links)
# The code of a hosted sign-up's code step (data: the id its cookie names, a new account's or a
# pending sign-up's), asked for by the sign-up and by a log-in that leads there; ``…_again``:
# the page's "send it again". A new and a registered address cost the answer the same row.
SIGN_UP_CODE, SIGN_UP_CODE_AGAIN = "sign_up_code", "sign_up_code_again"
_WRITERS: dict[str, Callable[[Context, UnitOfWork, str, str], None]] = {
    LOGIN_CODE: lambda ctx, uow, email, _: login.login_code_mail(ctx, uow, email),
    PASSWORD_RESET: lambda ctx, uow, email, _: login.reset_mail(ctx, uow, email),
    ACCOUNT_EXISTS: lambda ctx, uow, email, _: login.account_exists_mail(ctx, uow, email),
    MAGIC_LINK: magic_links.link_mail,
    SIGN_UP_CODE: lambda ctx, uow, email, data: login.sign_up_code_mail(ctx, uow, email, data, fresh=False),
    SIGN_UP_CODE_AGAIN: lambda ctx, uow, email, data: login.sign_up_code_mail(ctx, uow, email, data, fresh=True),
}


def ask(ctx: Context, kind: str, email: str, data: str = "") -> Callable[[], None]:
    """Record that ``kind`` was asked for ``email`` (committed before the answer); returns
    what to call once the answer is sent."""
    if kind not in _WRITERS:
        raise ValueError(f"unknown e-mail request {kind!r}")
    with ctx.uow() as uow:
        requests.add(uow.session, kind, email, ctx.clock.now(), data)
        uow.commit()
    return jobs.prepare(run_due, ctx)


def run_due(ctx: Context, limit: int = 20) -> int:
    """Resolve due requests, then send due mail; returns how many of each were handled."""
    return resolve_due(ctx, limit) + ctx.mailer.deliver_due()


def resolve_due(ctx: Context, limit: int = 100) -> int:
    """Turn due requests into e-mails (or nothing, for an unknown address)."""
    handled = 0
    for request in requests.due(ctx.engine, ctx.clock.now(), limit):
        handled += 1
        try:
            with ctx.uow() as uow:
                if requests.take(uow.session, request.id):
                    _WRITERS[request.kind](ctx, uow, request.address, request.data)
                uow.commit()
        except Exception as exc:
            log.exception("e-mail request %s (%s) failed", request.id, request.kind)
            requests.postpone(ctx.engine, request, ctx.clock.now(), f"{type(exc).__name__}: {exc}")
    return handled
