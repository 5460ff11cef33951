"""Log configuration for ``tenantry serve``: uvicorn's plain text, or one JSON object a line
(``TENANTRY_LOG_FORMAT=json``) carrying the request id of the request it was written for."""

from __future__ import annotations

import json
import logging
import os
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id: ContextVar[str | None] = ContextVar("tenantry_request_id", default=None)

# An incoming X-Request-ID is kept when it looks like an id (a proxy's or a client's), else
# replaced: it is echoed in a header and written in logs, so no spaces, quotes or control bytes.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}")


def request_id_from(incoming: str | None) -> str:
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return os.urandom(16).hex()  # what uuid4().hex carries, without building a UUID per request


# uvicorn's access log passes (client, method, path, http version, status) as arguments.
_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id, and for the access
    log its fields by name. Secrets were already redacted by the filters on these loggers."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = request_id.get()
        if current:
            entry["request_id"] = current
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            entry.update(zip(_ACCESS_FIELDS, record.args, strict=True))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def uvicorn_log_config(log_format: str) -> dict[str, Any] | None:
    """The ``log_config`` for uvicorn: None keeps uvicorn's own (text); ``json`` sends uvicorn's
    and Tenantry's records, at INFO, to stderr as JSON lines."""
    if log_format != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"default": handler},
        "loggers": {
            name: {"handlers": ["default"], "level": "INFO", "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "tenantry")
        },
        "root": {"handlers": ["default"], "level": "WARNING"},
    }


def configure_outside_uvicorn(log_format: str) -> None:
    """The same configuration for what runs before or beside uvicorn (the webhook worker)."""
    config = uvicorn_log_config(log_format)
    if config is not None:
        import logging.config

        logging.config.dictConfig(config)
