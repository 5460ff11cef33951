"""Plumbing shared by the dashboard: the administrator's session cookie, rendering, paging.

The dashboard reuses the hosted pages' CSRF protection (signed double submit) and calls
the same services as the API, so a rule and its error message live in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import FieldError, InvalidArgument, TenantryError
from tenantry.server.domain.pagination import PageRequest
from tenantry.server.domain.pagination import page_request as parse_page_request
from tenantry.server.domain.wording import MetaName
from tenantry.server.http.pages.web import context, ensure_csrf_cookie, meta_of, page_variables, secure_cookies
from tenantry.server.http.problem import STATUS_BY_CODE
from tenantry.server.services.directory import environment
from tenantry.server.services.identity import admins
from tenantry.server.services.identity.admins import AdminView
from tenantry.server.services.integration import actors

ADMIN_COOKIE = "tenantry_admin"
PAGE_SIZE = 25

templates = Jinja2Templates(directory=str(Path(__file__).parents[2] / "templates"))


class SignInRequired(TenantryError):
    """Raised by ``signed_in_admin``; answered with a redirect to the dashboard's log-in."""

    code = "unauthenticated"
    default_message = "Sign in to the dashboard."


async def signed_in_admin(request: Request) -> AdminView:
    """FastAPI dependency: the administrator behind the cookie. Raises SignInRequired."""
    admin = await run_in_threadpool(admins.resolve, context(request), request.cookies.get(ADMIN_COOKIE))
    if admin is None:
        raise SignInRequired()
    request.state.admin = admin
    actors.set_for_request(actors.admin(admin.id))  # the events this request records name the admin
    return admin


def set_admin_cookie(request: Request, response: Response, token: str) -> None:
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
    error: str | None = None,
    notice: str | None = None,
    **variables: Any,
) -> HTMLResponse:
    """Render a dashboard page with what every page shows: the navigation, the signed-in
    administrator, the meta name, the CSRF token, a notice, and errors (one per field)."""
    response = templates.TemplateResponse(
        request,
        f"admin/{template}",
        {
            **await page_variables(request, errors, error),
            "admin": getattr(request.state, "admin", None),
            "notice": notice or request.query_params.get("notice"),
            **variables,
        },
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"  # secrets are shown once; never from a cache
    ensure_csrf_cookie(request, response)
    return response


def status_of(exc: Exception) -> int:
    """The HTTP status a refused dashboard form answers with: the API's for the same rule."""
    return STATUS_BY_CODE.get(exc.code, 400) if isinstance(exc, TenantryError) else 400


async def meta_name(request: Request) -> MetaName:
    return meta_of(await run_in_threadpool(environment.get_settings, context(request)))


async def worded(request: Request, exc: TenantryError) -> str:
    """The error's message in the environment's words for an organization."""
    if exc.code == "organization_user_limit_reached":
        meta = await meta_name(request)
        return (
            f"This {meta.singular_lower} has reached its maximum number of users: nobody new can join until a seat "
            "frees up or you raise the limit."
        )
    return exc.message
