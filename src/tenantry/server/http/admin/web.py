"""Plumbing shared by the dashboard: the administrator's session cookie, rendering, paging.

The dashboard reuses the hosted pages' CSRF protection (signed double submit) and calls
the same services as the API, so a rule and its error message live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.clock import assume_utc
from tenantry.server.domain.errors import FieldError, InvalidArgument, TenantryError
from tenantry.server.domain.pagination import PageRequest
from tenantry.server.domain.pagination import page_request as parse_page_request
from tenantry.server.http.notices import DASHBOARD, notice_text
from tenantry.server.http.pages.web import (
    context,
    ensure_csrf_cookie,
    install_filters,
    page_variables,
    request_settings,
    rotate_csrf_cookie,
    secure_cookies,
)
from tenantry.server.services.identity import admins
from tenantry.server.services.identity.admins import AdminView
from tenantry.server.services.integration import actors

ADMIN_COOKIE = "tenantry_admin"
PAGE_SIZE = 25

templates = Jinja2Templates(directory=str(Path(__file__).parents[2] / "templates"))
install_filters(templates.env)


class SignInRequired(TenantryError):
    """Raised by ``signed_in_admin``; answered with a redirect to the dashboard's log-in."""

    code = "unauthenticated"
    default_message = "Sign in to the dashboard."


class MfaSetupRequired(SignInRequired):
    """Administrators must use an authenticator and this one has none: answered with a
    redirect to the set-up page, the only page open to them."""

    default_message = "Set up your authenticator app first."


async def signed_in_admin(request: Request) -> AdminView:
    """FastAPI dependency: the administrator behind the cookie. Raises SignInRequired, and
    MfaSetupRequired outside /admin/mfa while they must set up an authenticator."""
    settings = await request_settings(request)  # admin_mfa_required here, the page's branding later: one read
    admin = await run_in_threadpool(
        admins.resolve, context(request), request.cookies.get(ADMIN_COOKIE), settings.admin_mfa_required
    )
    if admin is None:
        raise SignInRequired()
    if admin.must_enrol_mfa and not request.url.path.startswith("/admin/mfa"):
        raise MfaSetupRequired()
    request.state.admin = admin
    actors.set_for_request(actors.admin(admin.id))  # the events this request records name the admin
    return admin


def set_admin_cookie(request: Request, response: Response, token: str) -> None:
    rotate_csrf_cookie(request, response)
    response.set_cookie(
        ADMIN_COOKIE,
        token,
        max_age=int(admins.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure_cookies(context(request)),
        path="/admin",
    )


def clear_admin_cookie(response: Response) -> None:
    response.delete_cookie(ADMIN_COOKIE, path="/admin")


@dataclass(frozen=True)
class Sorting:
    """A table's order as its column headers link to it: ``?sort=<key>&dir=asc|desc``."""

    key: str
    descending: bool
    base: str  # the list's address with its other parameters (search), without sort and page

    def link(self, key: str) -> str:
        """The header link of column ``key``: this column ascending, or reversed when it is the current one."""
        reverse = "asc" if key == self.key and self.descending else ("desc" if key == self.key else "asc")
        separator = "&" if "?" in self.base else "?"
        return f"{self.base}{separator}{urlencode({'sort': key, 'dir': reverse})}"

    @property
    def query(self) -> str:
        return urlencode({"sort": self.key, "dir": "desc" if self.descending else "asc"})


def sorting(request: Request, allowed: tuple[str, ...], base: str, default: str = "created") -> Sorting:
    """The order a list page was asked for (unknown keys: ``default``, ascending)."""
    key = request.query_params.get("sort", default)
    if key not in allowed:
        key = default
    return Sorting(key, request.query_params.get("dir") == "desc", base)


def utc_moment(raw: str, field: str, *, whole_day: bool = False) -> datetime | None:
    """The date (or date and time, UTC when no offset is given) typed into a list's filter;
    with ``whole_day``, a date alone means the end of that day (an inclusive "to" date).
    Raises InvalidArgument naming ``field``."""
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidArgument.field(field, "invalid", "use a date like 2026-11-25 or 2026-11-25T14:00") from exc
    moment = assume_utc(moment)
    return moment + timedelta(days=1) if whole_day and len(raw.strip()) == 10 else moment


def page_request(page_token: str | None, page_size: int = PAGE_SIZE) -> PageRequest:
    """The page a list link asks for; a mangled token shows the first page rather than an error."""
    try:
        return parse_page_request(page_size, page_token)
    except InvalidArgument:
        return PageRequest(page_size)


async def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    errors: list[FieldError] | None = None,
    error: str | TenantryError | None = None,
    notice: str | None = None,
    **variables: Any,
) -> HTMLResponse:
    """Render a dashboard page with what every page shows: the navigation, the signed-in
    administrator, the meta name, the CSRF token, a notice, and errors (one per field)."""
    common = await page_variables(request, errors, error, variables, "admin")
    query = request.query_params
    response = templates.TemplateResponse(
        request,
        f"admin/{template}",
        {
            **common,
            "admin": getattr(request.state, "admin", None),
            "notice": notice or notice_text(DASHBOARD, query.get("notice"), common["meta"], query.get("count")),
            **variables,
        },
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"  # secrets are shown once; never from a cache
    ensure_csrf_cookie(request, response)
    return response
