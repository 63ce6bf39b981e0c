"""The quota service process: the decider consuming the unit stream, plus its HTTP API."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from eventlog.body_limit import BodySizeLimit
from eventlog.clock import clock_from_env
from eventlog.health import health_router
from eventlog.http_problems import install as install_problems
from eventlog.metrics import HttpMetrics, metrics_router
from eventlog.write_side import write_side

from . import store
from .app import run_decider
from .routes import MAX_IMPORT_BYTES, router

log = logging.getLogger("quota")


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with write_side("quota", set_up=store.ensure_schema, pool_size=8) as ws:
        app.state.pool, app.state.uow, app.state.campaigns = ws.pool, ws.uow, ws.campaigns
        app.state.dependencies = ws.health
        app.state.clock = clock_from_env()
        ws.run(run_decider(ws.stop, ws.pool, ws.publisher, ws.campaigns, ws.outbox))
        yield


app = FastAPI(title="科创中国榜单 · 名额服务 (quota)", version="0.1.0", lifespan=lifespan)
# One limit for every route: the largest body is a unit sheet (multipart) to import.
app.add_middleware(BodySizeLimit, max_bytes=MAX_IMPORT_BYTES + 64 * 1024)
app.add_middleware(HttpMetrics, service="quota")
app.include_router(router)
install_problems(app)
app.include_router(health_router())
app.include_router(metrics_router())


def serve() -> None:
    from eventlog.entrypoint import serve as serve_service

    serve_service("quota", "services.quota.api:app", 8001)
