"""Reading SCIM requests: JSON bodies (``application/scim+json`` or ``application/json``),
list parameters (``filter``, ``startIndex``, ``count``, ``attributes``,
``excludedAttributes``) and the bearer token. Unknown query parameters are ignored (Entra
appends ``?aadOptscim062020`` to the base URL)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from scim2_models import InvalidFilterException, InvalidSyntaxException, ResponseParameters, ScimFilter

from tenantry.server.domain.errors import InvalidArgument
from tenantry.server.services.provisioning.protocol import DEFAULT_COUNT, MAX_COUNT


@dataclass(frozen=True)
class Listing:
    filter: ScimFilter[Any] | None
    start_index: int
    count: int
    attributes: list[str] | None
    excluded: list[str] | None
    selection: ResponseParameters[Any] | None


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        payload = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidSyntaxException(detail="The body is not valid JSON.") from exc
    if not isinstance(payload, dict):
        raise InvalidSyntaxException(detail="The body must be a JSON object.")
    return payload


def bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _integer(name: str, value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument.field(name, "invalidValue", f"{name} must be an integer") from exc


def _names(value: Any) -> list[str] | None:
    if value is None:
        return None
    names = value if isinstance(value, list) else str(value).split(",")
    return [str(name).strip() for name in names if str(name).strip()] or None


def listing(values: dict[str, Any], model: Any) -> Listing:
    """List parameters from a query string or a ``.search`` body (RFC 7644 §3.4.2, §3.4.3):
    ``startIndex`` below 1 counts as 1, ``count`` is clamped to 0..MAX_COUNT."""
    raw_filter = values.get("filter")
    scim_filter = None
    if raw_filter not in (None, ""):
        try:
            scim_filter = ScimFilter[model](str(raw_filter))
        except InvalidFilterException:
            raise
        except ValueError as exc:
            raise InvalidFilterException(detail=f"Invalid filter: {exc}") from exc
    start = max(1, _integer("startIndex", values.get("startIndex"), 1))
    count = min(MAX_COUNT, max(0, _integer("count", values.get("count"), DEFAULT_COUNT)))
    attributes, excluded = _names(values.get("attributes")), _names(values.get("excludedAttributes"))
    selection = None
    if attributes or excluded:
        selection = ResponseParameters[model].model_validate({"attributes": attributes, "excludedAttributes": excluded})
    return Listing(scim_filter, start, count, attributes, excluded, selection)


def patch_body(payload: dict[str, Any]) -> dict[str, Any]:
    """A PATCH body with the ``null`` sub-attributes of multi-valued values left out: Entra
    ID removes a member with ``{"$ref": null, "value": "<id>"}``, where null means "not
    given", not "must be empty"."""
    operations = payload.get("Operations")
    if not isinstance(operations, list):
        return payload
    cleaned = []
    for operation in operations:
        if isinstance(operation, dict) and isinstance(operation.get("value"), list):
            values = [
                {k: v for k, v in item.items() if v is not None} if isinstance(item, dict) else item
                for item in operation["value"]
            ]
            operation = {**operation, "value": values}
        cleaned.append(operation)
    return {**payload, "Operations": cleaned}
