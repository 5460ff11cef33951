"""``tenantry serve --workers N`` behind the front: each server process has its own front and
its own gRPC server. The processes share the listening socket as uvicorn's do, so a connection,
web or gRPC, is served whole by the process that accepted it.

uvicorn's supervisor starts, health-checks and restarts the processes. A new process must
answer the supervisor's pings within seconds, from a thread it starts before its server runs,
so this module (loaded by the new process before that) imports only the standard library and
uvicorn: the application, its context, the TLS certificate and the gRPC server are made when
the process's server loads its application, as uvicorn's own processes do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from socket import socket
from typing import Any

from uvicorn.config import Config
from uvicorn.supervisors import multiprocess

_making = threading.Lock()  # the server is made once; the ping thread asks for it too


def run(config: Config, sockets: list[socket]) -> None:
    """Supervise ``config.workers`` fronted processes until stopped. uvicorn names the class of
    its processes as a module global of its supervisor and offers no other way to choose it;
    this process (the parent of ``tenantry serve --workers N``) only supervises, so it sets
    that name once."""
    multiprocess.Process = FrontedProcess  # type: ignore[misc]
    multiprocess.Multiprocess(config, sockets=sockets).run()


class FrontedProcess(multiprocess.Process):
    """One server process: uvicorn behind the front, its application built with the context
    its front's gRPC servicers and TLS certificate use."""

    _stop: Callable[[], None] | None = None  # the gRPC server's and TLS files' clean-up, once made

    @property
    def server(self) -> Any:
        with _making:
            if self._server is None:
                self._server = self._fronted()
            return self._server

    def _fronted(self) -> Any:
        from tenantry.server.grpc import front  # the standard library and uvicorn only

        served = front.uvicorn_server_class()(self.config)

        def application() -> Any:  # uvicorn calls it when it loads the application
            from tenantry.server.app import create_app
            from tenantry.server.context import build_context
            from tenantry.server.grpc import hosting
            from tenantry.server.serving import announcing
            from tenantry.server.settings import Settings

            ctx = build_context(Settings())
            self._stop = hosting.attach(served, ctx)
            return announcing(create_app(context=ctx))

        self.config.app, self.config.factory = application, True
        return served

    def target(self, sockets: list[socket] | None = None) -> None:
        try:
            super().target(sockets)
        finally:
            if self._stop is not None:
                self._stop()
