"""The one ASGI middleware every HTTP request passes through before routing: its request id,
metrics and trace (http/observability.py), the body cap (http/body_limit.py), the security
headers (http/security_headers.py) and, under ``tenantry serve``, the access log
(http/access_log.py).

One layer, not three (issue 18): one scan of the request headers, one wrapper around ``send``,
a wrapper around ``receive`` only when a body could pass the cap, and what can be computed
once (the header list, the metric series of a route) is.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenantry.server.email.jobs import jobs
from tenantry.server.http import body_limit, security_headers
from tenantry.server.http.access_log import AccessLog
from tenantry.server.http.observability import route_template
from tenantry.server.observability import metrics, tracing
from tenantry.server.observability.logs import request_id, request_id_from
from tenantry.server.services.integration import origins

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Edge:
    def __init__(
        self,
        app: ASGIApp,
        *,
        record_metrics: bool,
        tracer: Any | None,
        hsts: bool,
        api_bytes: int,
        form_bytes: int,
        access_log: AccessLog | None = None,
    ) -> None:
        self.app = app
        self.access_log = access_log or AccessLog()
        self.record_metrics = record_metrics
        self.tracer = tracer
        self.security_headers = security_headers.headers_for(hsts=hsts)
        self.api_bytes = api_bytes
        self.form_bytes = form_bytes
        # (method, route, status) -> (counter, histogram): prometheus' labels() validates and
        # locks on every call; the label sets are few (route templates, not paths)
        self.series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = content_type = length = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                if incoming is None:
                    incoming = value
            elif name == b"content-type":
                content_type = value  # the last one, as a dict of the headers would keep
            elif name == b"content-length":
                if length is None:
                    length = value
            elif name == b"transfer-encoding":
                chunked = True
        rid = request_id_from(incoming.decode("latin-1") if incoming is not None else None)
        token = request_id.set(rid)
        client = scope.get("client")
        origins.set_for_request(client[0] if client else None)  # sessions record it (services/integration/origins.py)
        method = scope["method"]
        span = tracing.RequestSpan(self.tracer, method, scope["headers"]) if self.tracer else None
        status = 500  # unless an answer starts: an exception escaped to the outermost handler
        started = time.perf_counter()
        extra = [*self.security_headers, (b"x-request-id", rid.encode())]

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = security_headers.completed(list(message.get("headers", [])), extra)
            await send(message)

        cap = body_limit.cap_for(content_type, api_bytes=self.api_bytes, form_bytes=self.form_bytes)
        declared = body_limit.content_length(length)
        # Without Transfer-Encoding the server frames a body by its Content-Length, so one
        # declared within the cap cannot pass it, and an HTTP/1 request with neither header has
        # no body: no count needed. Anything else is counted as it arrives.
        http1 = scope.get("http_version", "1.1").startswith("1")
        framed = not chunked and ((declared is not None and declared <= cap) or (length is None and http1))
        if not framed:
            receive = body_limit.limited(receive, cap, declared)

        if self.record_metrics:
            metrics.http_in_flight.inc()
        jobs.request_started()  # background e-mail work waits for the process to be idle
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            jobs.request_ended()
            route = route_template(scope)
            if self.record_metrics:
                metrics.http_in_flight.dec()
                label = method if method in _METHODS else "OTHER"  # clients choose methods
                key = (label, route, status)
                series = self.series.get(key)
                if series is None:
                    series = self.series.setdefault(key, metrics.http_series(label, route, status))
                counted, timed = series
                counted.inc()
                timed.observe(time.perf_counter() - started)
            if span is not None:
                span.end(method, route, status, rid)
            if self.access_log.on:
                self.access_log.write(scope, status, rid)
            request_id.reset(token)
