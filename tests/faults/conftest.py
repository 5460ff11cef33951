"""Fault injection helpers: a ``tenantry serve`` process that can be SIGKILLed, a TCP proxy
in front of PostgreSQL that can be cut and restored, and the invariants no fault may break."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from sqlalchemy import Engine, text

from tests.helpers import free_port
from tests.invariants import seat_invariant_violations
from tests.live.conftest import server_env
from tests.serving import ServeProcess


class ServerProcess(ServeProcess):
    """``tenantry serve`` on a fixed port against the test database, started and killed at will."""

    def __init__(self, database_url: str, **env: str) -> None:
        super().__init__(server_env(database_url, **env), free_port())


class TcpProxy:
    """Forwards a local port to ``upstream``. ``cut()`` closes the listener and every piped
    connection (the database looks gone: new connections are refused); ``restore()`` listens again."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def broken_invariants(engine: Engine) -> list[Any]:
    """Rows no committed transaction can leave behind: the seat invariant broken (a counter
    that disagrees with the memberships holding seats, an active member without a seat), a
    user added to an organization without the membership."""
    with engine.connect() as connection:
        orphans = connection.execute(
            text("SELECT u.id FROM users u WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id)")
        ).all()
    return [*seat_invariant_violations(engine), *orphans]
