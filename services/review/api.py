"""The review service process: its write side (eventlog/write_side.py), its views of the log kept live
(services/review/views/), and the HTTP API for the secretariat, the review bodies and their experts."""

from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import Response

from eventlog import http_problems, projection_keeper
from eventlog.auth import TokenVerifier, verifier_from_env
from eventlog.body_limit import BodySizeLimit
from eventlog.clock import Clock, clock_from_env
from eventlog.health import health_router
from eventlog.metrics import HttpMetrics, metrics_router
from eventlog.write_side import write_side

from . import progress_metrics, store
from .routes import experts, final, screening, targets
from .views import PROJECTIONS

log = logging.getLogger("review")
VIEWS_BUILDING = ("views_building", "评审视图正在首次构建，请稍后再试。")
# The largest body is a plan with its roster (a 2022 panel is a few hundred experts, ~100 KiB).
MAX_BODY_BYTES = int(os.environ.get("REVIEW_MAX_BODY_BYTES", str(1024 * 1024)))

DESCRIPTION = """科创中国系列榜单的评审服务：秘书处形式审查；各初评机构（及单阶段评审机构）备案评审方案、
分配专家（自动识别并排除回避关系）、提交排名后的初评结果；评审专家查看分配给自己的推荐对象、声明回避、评分。
所有请求须携带公共平台签发的 Bearer JWT；错误以 application/problem+json 返回，`code` 为稳定的机器可读代码，
`detail` 为中文说明。写操作可带 `Idempotency-Key` 头，重试只生效一次并返回首次的结果。"""


def create_app(clock: Clock | None = None, verifier: TokenVerifier | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with write_side("review", set_up=store.ensure_schema,
                              pool_size=int(os.environ.get("REVIEW_DB_POOL", "10"))) as ws:
            ws.uow.on_commit.append(progress_metrics.count)
            for projection in PROJECTIONS:  # rebuilt first if missing or stale, then kept live
                ws.run(projection_keeper.keep_live(projection, ws.publisher, ws.stop))
            ws.run(projection_keeper.publish_metrics(PROJECTIONS, ws.stop))
            app.state.ws, app.state.clock, app.state.dependencies = ws, clock or clock_from_env(), ws.health
            app.state.token_verifier = verifier if verifier is not None else verifier_from_env()
            yield

    app = FastAPI(title="科创中国榜单 · 评审服务 (review)", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(HttpMetrics, service="review")
    http_problems.install(app)

    @app.exception_handler(asyncpg.UndefinedTableError)
    async def _not_built(request: Request, exc: asyncpg.UndefinedTableError) -> Response:
        return http_problems.problem(503, *VIEWS_BUILDING)

    app.include_router(health_router())
    app.include_router(metrics_router())
    for module in (screening, targets, experts, final):
        app.include_router(module.router)
    return app


app = create_app()


def serve() -> None:
    from eventlog.entrypoint import serve as serve_service

    serve_service("review", "services.review.api:app", 8003)
