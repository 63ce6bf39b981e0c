"""Wiring: the FastAPI app with its pool, producer, campaign book, projection and routes.

Any number of these processes may run (uvicorn workers, several machines): the command path holds
no process state that matters (row locks and idempotency keys live in PostgreSQL), and the
projection is one consumer group across all of them, so each partition is projected once.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from contextlib import asynccontextmanager

from fastapi import FastAPI

from eventlog import http_problems
from eventlog.auth import TokenVerifier, verifier_from_env
from eventlog.body_limit import BodySizeLimit
from eventlog.clock import Clock, clock_from_env
from eventlog.consumer import StoredOffsetConsumer
from eventlog.health import health_router
from eventlog.metrics import HttpMetrics, metrics_router
from eventlog.projection_status import LogEnds
from eventlog.settings import database_url
from eventlog.write_side import write_side

from . import projection, store
from .fast_lane import NominationFastLane
from .group_commit import row_pool
from .http_contract import MAX_BODY_BYTES
from .routes import applications, attachments, meta, nominations
from .service import IntakeService

log = logging.getLogger("intake")

DESCRIPTION = """科创中国系列榜单公共平台的申报服务：申报单位填写、保存、报送申报；推荐单位审核、退回、
不予推荐或推荐（即形成推荐，进入名额审核）；截止前修改、撤回。所有请求须携带公共平台签发的
Bearer JWT；错误以 application/problem+json 返回，`code` 为稳定的机器可读代码，`detail` 为中文说明。
写操作可带 `Idempotency-Key` 头，重试只生效一次并返回首次的结果。"""


class IntakeApp(FastAPI):
    """The FastAPI app with the fast lane (fast_lane.py) in front of all of it: the ordinary nomination
    skips FastAPI's and Starlette's outer layers too, not only the routing. The HTTP metrics sit in front
    of the lane, so they count its answers and the app's alike (`entry`: metrics -> lane -> app)."""

    lane: NominationFastLane
    entry: HttpMetrics

    async def __call__(self, scope, receive, send) -> None:
        await self.entry(scope, receive, send)

    async def behind_lane(self, scope, receive, send) -> None:
        await super().__call__(scope, receive, send)


def create_app(clock: Clock | None = None, verifier: TokenVerifier | None = None, run_projection: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # No linger: a request waits for its ack, and what arrives while a produce request is in flight
        # still shares the next one (measured: ~5 ms less at low load, less CPU per event under load).
        async with write_side("intake", set_up=store.ensure_schema, pool_size=int(os.environ.get("INTAKE_DB_POOL", "10")),
                              pool_options=dict(init=store.init_connection, connection_class=store.PooledConnection),
                              producer_options=dict(linger_ms=0)) as ws, LogEnds() as log_ends:
            rows = await row_pool(database_url())
            views = StoredOffsetConsumer(projection.spec(), ws.pool, ws.publisher) if run_projection else None
            if views is not None:
                await views.start()
                ws.run(views.run(ws.stop))
            app.state.intake = IntakeService(ws.pool, ws.uow, ws.publisher, ws.campaigns, clock or clock_from_env(), rows,
                                             log_ends)
            app.state.token_verifier = verifier if verifier is not None else verifier_from_env()
            app.state.views, app.state.dependencies = views, ws.health
            # What start-up built (modules, the campaign book, pools) lives as long as the process: keep it
            # out of the collector's full passes, which otherwise walk it again and again under load.
            gc.freeze()
            try:
                yield
            finally:
                ws.stop.set()
                await asyncio.gather(*ws.tasks, return_exceptions=True)
                if views is not None:
                    await views.stop()
                await rows.close()

    app = IntakeApp(title="科创中国榜单 · 申报服务 (intake)", version="0.2.0", description=DESCRIPTION, lifespan=lifespan)
    app.lane = NominationFastLane(app.behind_lane, service_app=app, max_body=MAX_BODY_BYTES)
    app.entry = HttpMetrics(app.lane, service="intake")
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES,
                       per_path={"/v1/attachments": attachments.MAX_ATTACHMENT_BYTES + 64 * 1024})
    http_problems.install(app)
    app.include_router(health_router())
    app.include_router(metrics_router())
    for module in (meta, nominations, applications, attachments):
        app.include_router(module.router)
    return app
