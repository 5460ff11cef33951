"""The external ceilings ``bench/ceilings.py`` measures Tenantry against, served by uvicorn
exactly as ``tenantry serve`` serves Tenantry (one process, httptools, no access log):

  bare      a Starlette app answering ``GET /healthz`` with a constant JSON body: the cost of
            the ASGI stack itself, below which no route of any app on it can go
  select    a minimal FastAPI app whose ``GET /api/v1/organizations/{id}`` runs one SELECT by
            primary key on the same database file Tenantry uses (SQLAlchemy, a sync route on
            the worker threads, a JSON answer): the cost of a one-query read on this stack

Run as ``uvicorn bench.ceiling_apps:bare`` or ``uvicorn --factory bench.ceiling_apps:select_app``
with ``BENCH_DATABASE_URL`` set.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def _healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


bare = Starlette(routes=[Route("/healthz", _healthz)])


def select_app():  # type: ignore[no-untyped-def]
    from fastapi import FastAPI, HTTPException
    from sqlalchemy import create_engine, text

    engine = create_engine(os.environ["BENCH_DATABASE_URL"], pool_size=10)
    query = text("SELECT id, display_name, external_id, created_at FROM organizations WHERE id = :id")
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/organizations/{organization_id}")
    def get_organization(organization_id: str) -> dict[str, object]:
        with engine.connect() as conn:
            row = conn.execute(query, {"id": organization_id}).mappings().first()
        if row is None:
            raise HTTPException(404)
        return {"organization": {key: str(value) if value is not None else None for key, value in row.items()}}

    return app
