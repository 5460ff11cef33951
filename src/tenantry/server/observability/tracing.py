"""OpenTelemetry traces, when an OTLP endpoint is configured (the standard
``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``; the exporter reads
them and ``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_SERVICE_NAME`` and the rest itself).

OpenTelemetry is an optional extra (``pip install 'tenantry[otel]'``): nothing here imports it
unless an endpoint is configured, so a server without one never loads its SDK or exporter.
"""

from __future__ import annotations

import os
from typing import Any

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


_provider: Any = None


class TracingUnavailable(RuntimeError):
    """An endpoint is configured but the ``otel`` extra is not installed."""


def configured() -> bool:
    return any(os.environ.get(name) for name in ENDPOINT_VARIABLES)


def tracer() -> Any | None:
    """A tracer exporting over OTLP/HTTP in batches, or None when no endpoint is configured.
    Built once per process (the provider is global)."""
    if not configured():
        return None
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        raise TracingUnavailable(
            "an OTLP endpoint is configured but OpenTelemetry is not installed: pip install 'tenantry[otel]'"
        ) from exc
    import tenantry

    global _provider
    if _provider is None:
        # Our own provider, not the global one: libraries that trace through the global provider
        # (recent FastAPI does) stay silent rather than record every request a second time.
        resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "tenantry")})
        _provider = TracerProvider(resource=resource)
        _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return _provider.get_tracer("tenantry", tenantry.__version__)


def flush() -> None:
    """Send what is buffered (on shutdown), when tracing was ever set up."""
    if _provider is not None:
        _provider.force_flush(timeout_millis=5000)


class RequestSpan:
    """A server span around one request: continues an incoming ``traceparent``, named after the
    route template once routing has found it."""

    def __init__(self, tracer: Any, method: str, headers: list[tuple[bytes, bytes]]) -> None:
        from opentelemetry import context, propagate, trace

        carrier = {name.decode("latin-1"): value.decode("latin-1") for name, value in headers}
        parent = propagate.extract(carrier)
        self._span = tracer.start_span(f"{method} request", context=parent, kind=trace.SpanKind.SERVER)
        self._span.set_attribute("http.request.method", method)
        self._token = context.attach(trace.set_span_in_context(self._span, parent))  # spans inside nest here

    def end(self, method: str, route: str, status: int, request_id: str) -> None:
        from opentelemetry import context
        from opentelemetry.trace import Status, StatusCode

        self._span.update_name(f"{method} {route}")
        self._span.set_attribute("http.route", route)
        self._span.set_attribute("http.response.status_code", status)
        self._span.set_attribute("tenantry.request_id", request_id)
        if status >= 500:
            self._span.set_status(Status(StatusCode.ERROR))
        self._span.end()
        context.detach(self._token)
