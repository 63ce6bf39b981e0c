"""The quota service process: the decider consuming the unit stream (app.py), plus its HTTP API."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from eventlog.http.auth import TokenVerifier
from eventlog.clock import Clock
from eventlog.http.front_door import ServiceState
from eventlog.http.service_app import ServiceApp, create_service_app
from eventlog.write.write_side import write_side

from . import store
from .app import run_decider
from .routes import MAX_IMPORT_BYTES, router

log = logging.getLogger("quota")


def create_app(clock: Clock | None = None, verifier: TokenVerifier | None = None) -> ServiceApp:
    state = ServiceState("quota", clock, verifier)

    @asynccontextmanager
    async def lifespan(app):
        async with write_side("quota", set_up=store.ensure_schema, pool_size=8) as ws:
            state.serve(ws)
            ws.run(run_decider(ws.stop, ws.pool, ws.publisher, ws.campaigns, ws.outbox))
            yield

    # One limit for every route: the largest body is a unit sheet (multipart) to import.
    return create_service_app(state, title="科创中国榜单 · 名额服务 (quota)", version="0.1.0", description="",
                              lifespan=lifespan, routers=[router], max_body=MAX_IMPORT_BYTES + 64 * 1024)


app = create_app()


def serve() -> None:
    from eventlog.entrypoint import serve as serve_service

    serve_service("quota", "services.quota.api:app", 8001)
