"""The review service process: its write side (eventlog/write/write_side.py), its views of the log kept live
(services/review/views/), and the HTTP API for the secretariat, the review bodies and their experts."""

from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager

import asyncpg
from fastapi import Request
from fastapi.responses import Response

from eventlog.http import problems as http_problems
from eventlog.projection import keeper as projection_keeper
from eventlog.http.auth import TokenVerifier
from eventlog.clock import Clock
from eventlog.http.front_door import ServiceState
from eventlog.write.grouped_unit_of_work import GroupedUnitOfWork
from eventlog.projection.status import LogEnds
from eventlog.write.read_your_writes import WritesShown
from eventlog.http.service_app import ServiceApp, create_service_app
from eventlog.write.write_side import StatelessConnection, write_side

from . import plan_documents, progress_metrics, store
from .fast_lane import LANES
from .pages import expert as expert_pages, exports as export_pages, files as file_pages, final as final_pages
from .pages import body as body_pages, body_plan as body_plan_pages, body_results as body_results_pages
from .pages import dashboard as dashboard_pages, plan_receipts as plan_receipt_pages, screening as screening_pages
from .pages import plan_document as plan_document_pages
from .routes import audit, dossier, experts, final, screening, targets
from .routes.common import VIEWS_BUILDING
from .steps import SCORES
from .views import PROJECTIONS

log = logging.getLogger("review")
# The largest body is a plan with its roster (a 2022 panel is a few hundred experts, ~100 KiB).
MAX_BODY_BYTES = int(os.environ.get("REVIEW_MAX_BODY_BYTES", str(1024 * 1024)))

DESCRIPTION = """科创中国系列榜单的评审服务：秘书处形式审查；各初评机构（及单阶段评审机构）备案评审方案、
分配专家（自动识别并排除回避关系）、提交排名后的初评结果；评审专家查看分配给自己的推荐对象、声明回避、评分。
所有请求须携带公共平台签发的 Bearer JWT；错误以 application/problem+json 返回，`code` 为稳定的机器可读代码，
`detail` 为中文说明。写操作可带 `Idempotency-Key` 头，重试只生效一次并返回首次的结果。"""


async def _not_built(request: Request, exc: asyncpg.UndefinedTableError) -> Response:
    return http_problems.problem(503, *VIEWS_BUILDING)


def create_app(clock: Clock | None = None, verifier: TokenVerifier | None = None) -> ServiceApp:
    state = ServiceState("review", clock, verifier)

    @asynccontextmanager
    async def lifespan(app):
        # The write side's pool holds no session state (transaction-scoped locks and settings only).
        async with write_side("review", set_up=store.ensure_schema, pool_size=int(os.environ.get("REVIEW_DB_POOL", "10")),
                              pool_options=dict(connection_class=StatelessConnection)) as ws, LogEnds() as log_ends:
            ws.uow.on_commit.append(progress_metrics.count)
            # A command answers once the views show it (eventlog/write/read_your_writes.py); scores, the hot path, do not wait.
            ws.uow.shown = WritesShown(ws.pool, log_ends, PROJECTIONS, ws.outbox.acked)
            for projection in PROJECTIONS:  # rebuilt first if missing or stale, then kept live
                ws.run(projection_keeper.keep_live(projection, ws.publisher, ws.stop))
            ws.run(projection_keeper.publish_metrics(PROJECTIONS, ws.stop))
            state.serve(ws)
            state.own, state.log_ends = GroupedUnitOfWork(ws.uow, SCORES), log_ends  # scores, many to a transaction
            yield

    # The largest body the app takes is a plan with its roster; the lane takes bodies far under it only.
    return create_service_app(
        state, title="科创中国榜单 · 评审服务 (review)", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
        routers=[m.router for m in (screening, targets, experts, final, audit, dossier, expert_pages, file_pages, screening_pages,
                                    final_pages, export_pages, body_pages, body_plan_pages, body_results_pages,
                                    dashboard_pages, plan_receipt_pages, plan_document_pages)],
        lanes=LANES,
        max_body=MAX_BODY_BYTES, per_path={  # the plan's document, uploaded alone or with the plan's form
            targets.PLAN_DOCUMENTS: plan_documents.MAX_BYTES + 64 * 1024,
            body_plan_pages.PLAN: plan_documents.MAX_BYTES + body_plan_pages.MAX_UPLOAD_BYTES + 64 * 1024},
        exception_handlers={asyncpg.UndefinedTableError: _not_built},
        page_homes={"expert": expert_pages.HOME, "secretariat": dashboard_pages.HOME,
                    "review_body": body_pages.HOME})


app = create_app()


def serve() -> None:
    """REVIEW_WORKERS processes (uvicorn workers, default 1) may serve side by side: nothing that matters
    lives in a process — locks, idempotency keys and the outbox are PostgreSQL's, each view is one
    consumer group across them all, and the plan cache (store._PLANS) holds immutable filings by event id."""
    from eventlog.entrypoint import serve as serve_service

    serve_service("review", "services.review.api:app", 8003, workers=int(os.environ.get("REVIEW_WORKERS", "1")))
