"""In process, without HTTP: the list-org-members use case and its answer (service, schema,
JSON) against a seeded bench.scale database; wall time per step and a cProfile (branch scale3).

    .venv/bin/python bench/results/2026-12-01/scale3-profile.py scale3_scale [page] [--profile [cumulative]]
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import time

DB = sys.argv[1]
PAGE = int(sys.argv[2]) if len(sys.argv) > 2 else 1
os.environ["TENANTRY_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"

from pydantic import TypeAdapter  # noqa: E402
from sqlalchemy import text  # noqa: E402

from tenantry.server.context import build_context  # noqa: E402
from tenantry.server.domain.pagination import PageRequest, page_request  # noqa: E402
from tenantry.server.http.api.v1 import schemas  # noqa: E402
from tenantry.server.services.identity import users  # noqa: E402
from tenantry.server.settings import Settings  # noqa: E402

ctx = build_context(Settings())
with ctx.engine.connect() as conn:
    big = conn.execute(text("SELECT id FROM organizations WHERE max_allowed_users = 10000000")).scalar_one()
request = PageRequest(50)
for _ in range(PAGE - 1):
    request = page_request(50, users.list_page(ctx, request, organization_id=big).next_page_token)
adapter = TypeAdapter(schemas.UserList)


def once() -> tuple[float, float, float]:
    global cpu
    c0 = time.process_time()
    t0 = time.perf_counter()
    page = users.list_page(ctx, request, organization_id=big)
    t1 = time.perf_counter()
    answer = schemas.user_list(page)
    t2 = time.perf_counter()
    adapter.dump_json(adapter.validate_python(answer))
    t3 = time.perf_counter()
    cpu += time.process_time() - c0
    return (t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000


cpu = 0.0
for _ in range(30):
    once()
cpu = 0.0
runs = sorted((once() for _ in range(200)), key=sum)
service, schema, dump = (sorted(r[i] for r in runs)[100] for i in range(3))
print(
    f"page {PAGE}: medians over 200 runs: use case {service:.2f} ms, pydantic models {schema:.2f} ms, "
    f"validate+JSON {dump:.2f} ms; total median {sum(runs[100]):.2f} ms; "
    f"this process's CPU {cpu / 200 * 1000:.2f} ms a request"
)
if "--profile" in sys.argv:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(100):
        once()
    profile.disable()
    out = io.StringIO()
    order = sys.argv[-1] if sys.argv[-1] in ("cumulative", "tottime") else "tottime"
    pstats.Stats(profile, stream=out).sort_stats(order).print_stats(40)
    print(out.getvalue())
