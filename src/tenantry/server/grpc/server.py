"""The gRPC server: every registered Scalekit service, on a Unix socket the front pipes to.

A feature adds its service by writing ``grpc/<feature>.py`` with a servicer (methods wrapped
by ``calls.rpc``, calling the feature's services) and a ``register(server, ctx)`` function,
then naming the module in ``SERVICES`` below (docs/scalekit.md).
"""

from __future__ import annotations

import importlib
import os
import tempfile
from concurrent import futures

import grpc

from tenantry.server.context import Context

SERVICES = (
    "tenantry.server.grpc.organizations",
    "tenantry.server.grpc.users",
    "tenantry.server.grpc.sessions",
    "tenantry.server.grpc.roles",
    "tenantry.server.grpc.domains",
    "tenantry.server.grpc.connections",
    "tenantry.server.grpc.directories",
)

# The official SDK pings every 60 s, also without calls; allow that and a little jitter.
OPTIONS = [
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 20_000),
    ("grpc.http2.max_ping_strikes", 0),
    ("grpc.max_receive_message_length", 4 * 1024 * 1024),
]


def start(ctx: Context, workers: int = 8) -> tuple[grpc.Server, str]:
    """Start the gRPC server on a fresh Unix socket; returns it and the socket's path."""
    directory = tempfile.mkdtemp(prefix="tenantry-grpc-")
    path = os.path.join(directory, "grpc.sock")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers), options=OPTIONS)
    for name in SERVICES:
        importlib.import_module(name).register(server, ctx)
    server.add_insecure_port(f"unix:{path}")
    server.start()
    return server, path
