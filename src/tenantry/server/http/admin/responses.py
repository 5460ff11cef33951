"""Answers several dashboard tabs share: "not found", a confirmation page before a
destructive action, and reading a JSON box on a form."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from tenantry.server.domain.errors import FieldError, InvalidArgument, NotFound
from tenantry.server.http.admin.web import render
from tenantry.server.http.problem import tenantry_error_response


async def not_found_page(request: Request, exc: NotFound) -> Response:
    """A dashboard page for a record that does not exist (any more), linking back to its tab;
    elsewhere (the API) the usual problem JSON."""
    if not request.url.path.startswith("/admin/"):
        return tenantry_error_response(exc)
    tab = request.url.path.split("/")[2]
    return await render(
        request, "message.html", status_code=404, heading="Not found", message=exc, link=f"/admin/{tab}"
    )


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation page asks before a destructive action, and what goes."""

    heading: str
    question: str
    consequences: list[str]
    action: str  # where the confirming form POSTs
    button: str
    cancel: str


async def confirm(request: Request, tab: str, confirmation: Confirmation) -> Response:
    """The page that asks first; its button POSTs to ``confirmation.action``, which refuses
    a request without the form's CSRF token (so a link alone can never delete anything)."""
    return await render(request, "confirm.html", tab=tab, c=confirmation)


def json_object(form: dict[str, str], name: str) -> dict[str, Any]:
    """The JSON object typed into the ``name`` box (empty = {}). Raises InvalidArgument
    naming the box, with where the JSON goes wrong."""
    raw = form.get(name, "").strip()
    try:
        value = json.loads(raw) if raw else {}
    except json.JSONDecodeError as exc:
        message = f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        raise InvalidArgument(
            "Please correct the fields below.", [FieldError(name, "malformed_json", message)]
        ) from exc
    if not isinstance(value, dict):
        raise InvalidArgument(
            "Please correct the fields below.",
            [FieldError(name, "wrong_type", 'must be a JSON object, like {"plan": "pro"}')],
        )
    return value


def json_text(value: dict[str, Any]) -> str:
    """How a JSON object shows in a box: indented, or empty when there is nothing."""
    return json.dumps(value, indent=2, ensure_ascii=False) if value else ""
