"""What an organization's further screens share (domains, SSO connections, directories,
provisioning log): the organization above them, their sub-navigation, and a refused
form shown again with its values and errors named as the form names its fields."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.http.admin.web import render
from tenantry.server.http.pages.forms import errors_of, status_of
from tenantry.server.http.pages.web import context
from tenantry.server.services.directory import organizations

SECTIONS = (
    ("", "Overview"),
    ("domains", "Domains"),
    ("connections", "SSO connections"),
    ("directories", "Directories"),
    ("provisioning", "Provisioning log"),
)

Page = Callable[..., Awaitable[Response]]


def provider_options(providers: tuple[str, ...]) -> list[tuple[str, str]]:
    """A select's (value, text) pairs for identity provider names: ``MICROSOFT_AD`` → "Microsoft Ad"."""
    return [(p, p.replace("_", " ").title()) for p in providers]


async def section_page(
    request: Request, organization_id: str, template: str, section: str, *, status_code: int = 200, **variables: Any
) -> Response:
    """Render ``template`` for one organization's ``section``. Raises NotFound."""
    org = await run_in_threadpool(organizations.get, context(request), organization_id)
    variables.setdefault("values", {})
    return await render(
        request,
        template,
        status_code=status_code,
        tab="organizations",
        organization=org,
        section=section,
        sections=SECTIONS,
        **variables,
    )


async def refused(
    page: Page, exc: Exception, form: dict[str, str], part: str, rename: Callable[[str], str] | None = None
) -> Response:
    """``page`` again with the refused form's values under ``part`` and its errors; ``rename``
    turns the field a service names into the form's field."""
    message, errors = errors_of(exc)
    if rename is not None:
        errors = [replace(e, field=rename(e.field)) for e in errors]
    return await page(status_code=status_of(exc), values={part: form}, error=message, errors=errors)


def without(prefix: str) -> Callable[[str], str]:
    return lambda field: field.removeprefix(prefix)
