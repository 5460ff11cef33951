"""What every gRPC method does around its service call: authenticate the caller, act as its
API client, run the use case again when the database aborted it (as ``http/retry.py`` does),
and turn errors into statuses (``errors.py``)."""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import grpc

from tenantry.server.context import Context
from tenantry.server.domain.errors import TransientConflict, Unauthenticated
from tenantry.server.grpc import errors
from tenantry.server.services.integration import actors, token_cache

ATTEMPTS = 5
log = logging.getLogger(__name__)
Servicer = TypeVar("Servicer", bound="Base")
Method = Callable[[Any, Any, grpc.ServicerContext], Any]


class Base:
    """A servicer of this application (``ctx``: the server's context)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx


def authenticate(ctx: Context, context: grpc.ServicerContext) -> str:
    """The API client behind the call's ``authorization: Bearer …`` metadata. The official SDK
    sends the header twice (its call credentials and its own metadata, which differ after it
    renewed its token): the call is accepted when any value is valid. Raises Unauthenticated."""
    values = [value for key, value in context.invocation_metadata() or () if key.lower() == "authorization"]
    for value in values:
        scheme, _, token = str(value).strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            continue
        try:
            return token_cache.client_for(ctx, token.strip())
        except Unauthenticated:
            continue
    raise Unauthenticated("Send 'authorization: Bearer <access_token>' (get one from POST /oauth/token).")


def rpc(method: Method) -> Method:
    """Wrap a servicer method (module docstring)."""

    @functools.wraps(method)
    def call(self: Base, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            client_id = authenticate(self.ctx, context)
        except Unauthenticated as exc:
            errors.handle(context, exc)
        with actors.acting_as(actors.api_client(client_id)):
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    return method(self, request, context)
                except TransientConflict as exc:
                    if attempt == ATTEMPTS:
                        errors.handle(context, exc)
                    log.info("transaction aborted by the database (attempt %d); running it again", attempt)
                    time.sleep(random.uniform(0, 0.01 * 2**attempt))  # noqa: S311 - jitter, not a secret
                except Exception as exc:
                    errors.handle(context, exc)
        raise AssertionError("unreachable")

    return call
