"""Plumbing of the portal pages: the portal session cookie, who is acting, feature scope,
and rendering with the frame policy of an embedded portal.

Every portal request resolves its session cookie again (revoking the link ends it at once)
and acts as the link (``PORTAL_LINK``): the events its actions record name the link.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain import portal as rules
from tenantry.server.domain.errors import TenantryError
from tenantry.server.http.pages.web import context, render, rotate_csrf_cookie, secure_cookies, set_framed_cookie
from tenantry.server.services.integration import actors
from tenantry.server.services.portal import links
from tenantry.server.services.portal.links import Opened, PortalAccess

PORTAL_COOKIE = "tenantry_portal"
# The portal may be framed only like this, unless its session is an embedded one.
NO_FRAMING = "frame-ancestors 'none'"
CSP_BASE = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "base-uri 'none'; object-src 'none'; "
)


FRAMED_NO_SESSION = (
    "This portal is shown inside another site's page, and your browser did not keep its cookie there "
    "(some browsers block the cookies of embedded sites). Ask the application for a new link and open it "
    "in a tab of its own."
)


class NoPortalSession(TenantryError):
    code = "unauthenticated"
    default_message = "Open the admin portal with the link you were given."


async def portal_access(request: Request, feature: str | None = None) -> PortalAccess:
    """The portal session of this browser, acting as its link from here on. Raises
    NoPortalSession, PortalLinkUnusable (revoked or expired since), PortalLinkNotFound (gone
    with its organization), FeatureNotInLink."""
    access = await run_in_threadpool(links.resolve, context(request), request.cookies.get(PORTAL_COOKIE))
    if access is None:
        raise NoPortalSession()
    actors.set_for_request(actors.portal_link(access.link_id))
    request.state.portal_access = access
    request.state.framed_by_another_site = access.embeddable  # its CSRF cookie too (pages/web.py)
    if feature is not None and not access.allows(feature):
        raise rules.FeatureNotInLink()
    return access


def frame_policy(access: PortalAccess | None) -> str:
    """The ``Content-Security-Policy`` of a portal page: framing only by the registered
    applications' origins for an embedded session, by nobody otherwise."""
    if access is None or not access.embeddable:
        return CSP_BASE + NO_FRAMING
    return CSP_BASE + "frame-ancestors " + " ".join(["'self'", *access.frame_origins])


async def page(request: Request, template: str, access: PortalAccess | None, **variables: Any) -> Response:
    """Render a portal page (branded like the hosted pages) with its frame policy."""
    response = await render(request, template, portal=access, **variables)
    response.headers["Content-Security-Policy"] = frame_policy(access)
    return response


def set_portal_cookie(request: Request, response: Response, opened: Opened) -> None:
    """The portal session cookie (path /portal), and a new CSRF secret as at every sign-in.
    An embedded portal lives in another site's frame: both cookies are then made to work
    there (``SameSite=None; Secure; Partitioned``; such links open only over https)."""
    request.state.framed_by_another_site = opened.embeddable
    rotate_csrf_cookie(request, response)
    if opened.embeddable:
        set_framed_cookie(response, PORTAL_COOKIE, opened.cookie, expires=opened.session_end, path="/portal")
        return
    response.set_cookie(
        PORTAL_COOKIE,
        opened.cookie,
        expires=opened.session_end,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(context(request)),
        path="/portal",
    )


def install(app: FastAPI) -> None:
    """Pages for a portal request without a usable session or link."""

    @app.exception_handler(NoPortalSession)
    async def _no_session(request: Request, exc: NoPortalSession) -> Response:
        if request.headers.get("sec-fetch-dest") == "iframe":  # an embedded portal whose cookie was not kept
            return await message_page(request, 401, "Your browser blocked the portal here", FRAMED_NO_SESSION)
        return await message_page(request, 401, "Open your portal link", exc.message)

    @app.exception_handler(rules.PortalLinkNotFound)
    async def _unknown(request: Request, exc: rules.PortalLinkNotFound) -> Response:
        response = await message_page(request, 404, "This link does not work", exc.message)
        _forget_session(request, response)  # a session of a link that is gone (its organization deleted)
        return response

    @app.exception_handler(rules.PortalLinkUnusable)
    async def _unusable(request: Request, exc: rules.PortalLinkUnusable) -> Response:
        headings = {"revoked": "This link was revoked", "expired": "This link has expired"}
        response = await message_page(request, 410, headings.get(exc.state, "This link was already used"), exc.message)
        _forget_session(request, response)
        return response

    def _forget_session(request: Request, response: Response) -> None:
        response.delete_cookie(PORTAL_COOKIE, path="/portal")
        if secure_cookies(context(request)):  # an embedded session's cookie is another one (partitioned)
            set_framed_cookie(response, PORTAL_COOKIE, "", max_age=0, path="/portal")

    @app.exception_handler(rules.FeatureNotInLink)
    async def _not_granted(request: Request, exc: rules.FeatureNotInLink) -> Response:
        access = getattr(request.state, "portal_access", None)
        return await message_page(request, 404, "Not part of this link", exc.message, access, "/portal")


async def message_page(
    request: Request,
    status_code: int,
    heading: str,
    message: str,
    access: PortalAccess | None = None,
    link: str | None = None,
) -> Response:
    response = await page(
        request,
        "portal/message.html",
        access,
        status_code=status_code,
        heading=heading,
        message=message,
        link=link,
    )
    return response
