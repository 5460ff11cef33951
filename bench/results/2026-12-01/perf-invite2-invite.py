"""In-process: N invitations through the use case, one thread; CPU per invitation (then
through HTTP with the test client, then a cProfile of the use case with PROFILE=1).

    N=300 PROFILE=1 .venv/bin/python bench/results/2026-12-01/perf-invite2-invite.py
    PYTHONPATH=<old tree>/src TREE=<old tree> N=300 .venv/bin/python <this file>   # another tree
"""

import cProfile
import os
import pstats
import sys
import tempfile
import time

from fastapi.testclient import TestClient

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.db.engine import create_db_engine
from tenantry.server.db.migrate import upgrade
from tenantry.server.services.commands import CreateUserInOrganization
from tenantry.server.services.identity import users
from tenantry.server.services.integration import actors
from tenantry.server.settings import Settings

sys.path.insert(0, os.environ.get("TREE", os.getcwd()))
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, PUBLIC_URL, Api

url = os.environ.get("DB") or f"sqlite:///{tempfile.mkdtemp()}/t.db"
engine = create_db_engine(url)
upgrade(engine)
settings = Settings(
    database_url=url,
    public_url=PUBLIC_URL,
    bootstrap_client_id=BOOTSTRAP_ID,
    bootstrap_client_secret=BOOTSTRAP_SECRET,
    smtp_host=None,
    rate_limits_enabled=False,
    api_invitations_per_organization_per_hour=0,
)
ctx = build_context(settings, engine=engine)


def run(oid: str, k: int, tag: str) -> None:
    for i in range(k):
        command = CreateUserInOrganization(email=f"{tag}-{i}@example.com")
        users.create_in_organization(ctx, oid, command, send_invitation=True)


with TestClient(create_app(context=ctx)) as http:
    api = Api.login(http)
    oid = api.org()["id"]
    api.limit(oid, 10_000_000)
    n = int(os.environ.get("N", "500"))
    actors.set_for_request(actors.api_client(BOOTSTRAP_ID))
    run(oid, 50, "warm")
    t0, w0 = time.process_time(), time.perf_counter()
    run(oid, n, "a")
    t1, w1 = time.process_time(), time.perf_counter()
    print(f"use case: {1000 * (t1 - t0) / n:.3f} ms CPU, {1000 * (w1 - w0) / n:.3f} ms wall per invitation")
    if not os.environ.get("SKIPHTTP"):
        t0 = time.process_time()
        for i in range(n):
            r = api.add_user(oid, f"h-{i}@example.com")
            assert r.status_code == 201, r.text
        t1 = time.process_time()
        print(f"in-process HTTP (TestClient): {1000 * (t1 - t0) / n:.3f} ms CPU per invitation")
    if os.environ.get("PROFILE"):
        profile = cProfile.Profile()
        profile.enable()
        run(oid, n, "p")
        profile.disable()
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
