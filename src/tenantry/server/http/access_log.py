"""The access log of ``tenantry serve``, one line per HTTP request, written by the edge
middleware (http/edge.py) instead of uvicorn (issue 18).

uvicorn's access log built a ``LogRecord`` per request, ran the redaction filter over its
arguments, copied the record to format it, looked up the status phrase and wrote through a
``StreamHandler``: ~15 % of the server's samples on ``GET /healthz``. This writes the same
line, with the same information, in one string format and one ``write``:

- text (the default): uvicorn's own line on standard output,
  ``INFO:     127.0.0.1:53412 - "GET /healthz HTTP/1.1" 200 OK`` (coloured when a terminal);
- ``TENANTRY_LOG_FORMAT=json``: the object ``observability/logs.JsonFormatter`` made of
  uvicorn's record, on standard error (logger ``uvicorn.access``, the request id, the
  client, method, path, HTTP version and status by name).

Secrets in query strings are redacted as before (http/log_redaction.py). Off until
``start`` (the in-process test client writes no access log, as before).
"""

from __future__ import annotations

import http
import json
import os
import sys
import urllib.parse
from datetime import UTC, datetime
from typing import IO

from starlette.types import Scope

from tenantry.server.http.log_redaction import redact

_TEXT_PREFIX = "INFO:     "
_COLOURED_PREFIX = "\x1b[32mINFO\x1b[0m:     "
_STATUS_COLOURS = {1: "97", 2: "32", 3: "33", 4: "31", 5: "91"}


def _phrase(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} "


class AccessLog:
    def __init__(self) -> None:
        self.on = False
        self._fd = -1
        self._stream: IO[str] | None = None
        self._json = False
        self._colours = False
        self._statuses: dict[int, str] = {}  # status -> "200 OK", formatted once

    def start(self, log_format: str) -> None:
        """Write from now on: text lines to standard output, or JSON lines to standard error
        (where uvicorn's access log went with that format)."""
        self._json = log_format == "json"
        self._stream = sys.stderr if self._json else sys.stdout
        self._colours = not self._json and self._stream.isatty()
        try:
            self._fd = self._stream.fileno()
        except (AttributeError, OSError, ValueError):
            self._fd = -1
        self.on = True

    def write(self, scope: Scope, status: int, request_id: str) -> None:
        client = scope.get("client")
        address = "%s:%d" % client if client else ""  # noqa: UP031 - uvicorn's own formatting
        path = urllib.parse.quote(scope["path"])
        query = scope["query_string"]
        if query:
            path = redact(f"{path}?{query.decode('ascii')}")
        method, version = scope["method"], scope["http_version"]
        if self._json:
            line = _json_line(address, method, path, version, status, request_id)
        else:
            line = f'{_COLOURED_PREFIX if self._colours else _TEXT_PREFIX}{address} - "{self._request_line(method, path, version)}" {self._status(status)}\n'  # noqa: E501
        self._emit(line)

    def _request_line(self, method: str, path: str, version: str) -> str:
        line = f"{method} {path} HTTP/{version}"
        return f"\x1b[1m{line}\x1b[0m" if self._colours else line

    def _status(self, status: int) -> str:
        text = self._statuses.get(status)
        if text is None:
            text = _phrase(status)
            colour = _STATUS_COLOURS.get(status // 100)
            if self._colours and colour:
                text = f"\x1b[{colour}m{text}\x1b[0m"
            self._statuses[status] = text
        return text

    def _emit(self, line: str) -> None:
        if self._fd >= 0:  # one system call; a line below PIPE_BUF is not split by other writers
            try:
                self._stream.flush()  # type: ignore[union-attr]  # what others wrote through it goes first
                os.write(self._fd, line.encode("utf-8", "backslashreplace"))
                return
            except OSError:
                pass
        if self._stream is not None:
            self._stream.write(line)
            self._stream.flush()


def _json_line(address: str, method: str, path: str, version: str, status: int, request_id: str) -> str:
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "level": "info",
        "logger": "uvicorn.access",
        "message": f'{address} - "{method} {path} HTTP/{version}" {status}',
        "request_id": request_id,
        "client": address,
        "method": method,
        "path": path,
        "http_version": version,
        "status": status,
    }
    return json.dumps(entry) + "\n"
