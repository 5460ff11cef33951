"""The route class of every SCIM endpoint: a RetryingRoute (a transaction the database
aborted runs again) whose errors become SCIM Error bodies through ``errors.response_for``,
and whose writes go into the provisioning log (``journal``) once answered."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import TransientConflict
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.scim import errors, journal
from tenantry.server.services.provisioning import log

logger = logging.getLogger(__name__)


class ScimRoute(RetryingRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answering(request: Request) -> Response:
            failure: Exception | None = None
            try:
                response = await handler(request)
            except TransientConflict as exc:
                failure = exc
                response = errors.respond(503, "The database was busy; nothing was changed. Try again.")
            except Exception as exc:  # every error leaves as a SCIM Error body
                failure = exc
                response = errors.response_for(exc)
            entry = await journal.entry(request, response, failure)
            if entry is not None:
                try:
                    await run_in_threadpool(log.record, request.app.state.context, entry)
                except Exception:  # the answer stands (the change is committed); only its log line is lost
                    logger.warning("provisioning log entry not written", exc_info=True)
            return response

        return answering
