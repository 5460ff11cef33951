"""One port for the web app and the gRPC API: a byte-peeking front inside uvicorn's event loop.

Each accepted connection is routed by its first bytes and its TLS negotiation (SPEC §15):

* a TLS ClientHello (first byte 0x16) is answered with TLS; then ALPN decides: ``grpc-exp`` or
  ``h2`` → gRPC, ``http/1.1`` (or none) → the web app. The server prefers ``http/1.1`` over ``h2``,
  so browsers (which offer both) get the web app, while gRPC clients (which offer only
  ``grpc-exp``/``h2``) get gRPC;
* the HTTP/2 connection preface (``PRI * HTTP/2.0``) in clear text → gRPC (h2c, prior knowledge);
* anything else → the web app in clear text.

Web connections are handed to uvicorn's own HTTP protocol on the same transport (no copy, the
client's address intact); gRPC connections are piped to the gRPC server listening on a Unix
socket beside it. Only the standard library and uvicorn are used here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Callable
from typing import Any, cast

log = logging.getLogger(__name__)

TLS_HANDSHAKE = 0x16
H2_PREFACE = b"PRI * HTTP/2.0"
GRPC_ALPN = frozenset({"grpc-exp", "h2"})
# Server preference: OpenSSL picks the first of these the client offers.
ALPN_PROTOCOLS = ["grpc-exp", "http/1.1", "h2"]
PEEK_TIMEOUT_SECONDS = 30.0
HANDSHAKE_TIMEOUT_SECONDS = 10.0

ProtocolFactory = Callable[[], asyncio.Protocol]
# Made on first use, in a worker thread (they may read the database or import a lot): the TLS
# context, and the gRPC server's socket path. A process that only ever serves plain HTTP pays
# for neither.
TlsSource = Callable[[], ssl.SSLContext]
GrpcSource = Callable[[], str]


def server_tls_context(certfile: str, keyfile: str) -> ssl.SSLContext:
    """TLS 1.2+ with the ALPN choice above."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    context.set_alpn_protocols(ALPN_PROTOCOLS)
    return context


class Front:
    """Accepts connections on listening sockets and routes each one (module docstring)."""

    def __init__(self, web: ProtocolFactory, grpc: GrpcSource | None, tls: TlsSource | None) -> None:
        self.web = web
        self.grpc = grpc
        self.tls = tls
        self.pipes: set[GrpcPipe] = set()
        self.listeners: list[socket.socket] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def serve(self, listener: socket.socket, backlog: int = 2048) -> None:
        """Accept until ``stop_accepting``."""
        loop = asyncio.get_running_loop()
        listener.listen(backlog)  # idempotent: the socket may already be listening
        listener.setblocking(False)
        self.listeners.append(listener)
        while True:
            try:
                conn, _ = await loop.sock_accept(listener)
            except (OSError, asyncio.CancelledError):
                return  # the listener was closed: stopping
            task = loop.create_task(self._route(conn))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def stop_accepting(self, grace: float = 1.0) -> None:
        """Close the listening sockets (new clients are refused at once, as by uvicorn), give the
        connections being routed ``grace`` seconds to reach the web app or gRPC, drop the rest."""
        for listener in self.listeners:
            listener.close()
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()

    async def _route(self, conn: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        try:
            head = await asyncio.wait_for(_peek(loop, conn), PEEK_TIMEOUT_SECONDS)
            if not head:
                conn.close()
                return
            tls = None
            if head[0] == TLS_HANDSHAKE:
                if self.tls is None:
                    conn.close()  # TLS spoken to a server without a certificate
                    return
                tls = await loop.run_in_executor(None, self.tls)
            cleartext_h2 = tls is None and head.startswith(H2_PREFACE)
            await loop.connect_accepted_socket(
                lambda: _Switch(self, cleartext_h2),
                conn,
                ssl=tls,
                ssl_handshake_timeout=HANDSHAKE_TIMEOUT_SECONDS if tls else None,
            )
        except (OSError, TimeoutError, ssl.SSLError, asyncio.CancelledError) as exc:
            log.debug("connection dropped before routing: %r", exc)
            conn.close()
            if isinstance(exc, asyncio.CancelledError):
                raise

    def close_pipes(self) -> None:
        """End the gRPC connections (the gRPC server finishes its calls on its own)."""
        for pipe in list(self.pipes):
            pipe.close()


async def _peek(loop: asyncio.AbstractEventLoop, conn: socket.socket) -> bytes:
    """The connection's first bytes, left unread: enough to tell TLS, h2c and HTTP/1 apart."""
    conn.setblocking(False)
    while True:
        waiter = loop.create_future()
        loop.add_reader(conn.fileno(), waiter.set_result, None)
        try:
            await waiter
        finally:
            loop.remove_reader(conn.fileno())
        try:
            head = conn.recv(len(H2_PREFACE), socket.MSG_PEEK)
        except BlockingIOError:
            continue
        if not head or head[0] == TLS_HANDSHAKE or len(head) >= len(H2_PREFACE):
            return head
        if not H2_PREFACE.startswith(head):
            return head
        await asyncio.sleep(0.005)  # a preface split across packets: wait for the rest


class _Switch(asyncio.Protocol):
    """Sees the negotiated protocol and hands the transport to the web app or to a gRPC pipe."""

    def __init__(self, front: Front, cleartext_h2: bool) -> None:
        self.front = front
        self.cleartext_h2 = cleartext_h2

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        ssl_object = transport.get_extra_info("ssl_object")
        alpn = ssl_object.selected_alpn_protocol() if ssl_object is not None else None
        target: asyncio.Protocol
        if (self.cleartext_h2 or alpn in GRPC_ALPN) and self.front.grpc is not None:
            target = GrpcPipe(self.front)
        elif self.cleartext_h2 or alpn in GRPC_ALPN:
            transport.close()  # gRPC asked of a server without it
            return
        else:
            target = self.front.web()
        transport.set_protocol(target)
        target.connection_made(transport)


class GrpcPipe(asyncio.Protocol):
    """Copies bytes both ways between a client connection and the gRPC server's Unix socket,
    with back-pressure on each side."""

    def __init__(self, front: Front) -> None:
        self.front = front
        self.client: asyncio.Transport | None = None
        self.upstream: asyncio.Transport | None = None
        self.pending: list[bytes] = []
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.client = cast(asyncio.Transport, transport)  # uvloop's transports are not subclasses
        self.front.pipes.add(self)
        self.client.pause_reading()  # until the upstream connection exists
        asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            assert self.front.grpc is not None
            path = await loop.run_in_executor(None, self.front.grpc)
            upstream, _ = await loop.create_unix_connection(lambda: _Upstream(self), path)
        except Exception as exc:
            log.exception("gRPC server unreachable: %r", exc)
            self.close()
            return
        self.upstream = upstream
        for chunk in self.pending:
            upstream.write(chunk)
        self.pending.clear()
        if self.client is not None and not self.closed:
            self.client.resume_reading()

    def data_received(self, data: bytes) -> None:
        if self.upstream is None:
            self.pending.append(data)
        else:
            self.upstream.write(data)

    def eof_received(self) -> bool:
        if self.upstream is not None and self.upstream.can_write_eof():
            self.upstream.write_eof()
        return True

    def pause_writing(self) -> None:  # the client is slow: stop reading from gRPC
        if self.upstream is not None:
            self.upstream.pause_reading()

    def resume_writing(self) -> None:
        if self.upstream is not None:
            self.upstream.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.front.pipes.discard(self)
        for transport in (self.client, self.upstream):
            if transport is not None and not transport.is_closing():
                transport.close()


class _Upstream(asyncio.Protocol):
    def __init__(self, pipe: GrpcPipe) -> None:
        self.pipe = pipe

    def data_received(self, data: bytes) -> None:
        if self.pipe.client is not None and not self.pipe.client.is_closing():
            self.pipe.client.write(data)

    def pause_writing(self) -> None:  # the gRPC server is slow: stop reading from the client
        if self.pipe.client is not None:
            self.pipe.client.pause_reading()

    def resume_writing(self) -> None:
        if self.pipe.client is not None:
            self.pipe.client.resume_reading()

    def eof_received(self) -> bool:
        self.pipe.close()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.pipe.close()


def uvicorn_server_class() -> type[Any]:
    """A ``uvicorn.Server`` whose listening sockets go through a ``Front`` (built lazily so
    this module imports without uvicorn)."""
    import uvicorn

    class FrontedServer(uvicorn.Server):
        """uvicorn with its lifespan, graceful shutdown and HTTP protocol, but connections
        accepted by the front. ``grpc`` and ``tls`` are set before ``run``."""

        grpc: GrpcSource | None = None
        tls: TlsSource | None = None
        front: Front | None = None
        _accepting: list[asyncio.Task[None]]

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            listeners = sockets if sockets is not None else [self.config.bind_socket()]
            await super().startup(sockets=[])
            if self.should_exit:
                return
            config = self.config

            def web() -> asyncio.Protocol:
                protocol: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
                    config=config, server_state=self.server_state, app_state=self.lifespan.state
                )
                return protocol

            self.front = Front(web, self.grpc, self.tls)
            loop = asyncio.get_running_loop()
            self._accepting = [loop.create_task(self.front.serve(sock, config.backlog)) for sock in listeners]

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            for task in getattr(self, "_accepting", []):
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.gather(*getattr(self, "_accepting", []), return_exceptions=True)
            if self.front is not None:
                await self.front.stop_accepting()
            await super().shutdown(sockets=None)  # web connections finish their requests
            if self.front is not None:
                self.front.close_pipes()

    return FrontedServer
