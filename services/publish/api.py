"""The publish service: the public notice (公示) and named objections, the release (ListPublished) and its
files, the public web page, and the ranking views for those who may see them.

Its write side (eventlog/write/write_side.py: pool, producer, outbox and relay, unit of work, campaign follower)
decides the notice, objection and release commands; its projections (views/) run in-process beside the
API and give it every fact from the log it reads. A view still being built for the first time answers
503 views_building.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import asynccontextmanager

import asyncpg
from fastapi import Request, Response

from contracts.errors import DomainError
from eventlog.http import problems as http_problems
from eventlog.projection import keeper as projection_keeper
from eventlog.http.auth import TokenVerifier
from eventlog.clock import Clock
from eventlog.http.front_door import ServiceState
from eventlog.projection.status import LogEnds
from eventlog.write.read_your_writes import WritesShown
from eventlog.http.service_app import ServiceApp, create_service_app
from eventlog.write.write_side import write_side

from . import store, workbench
from .pages import Pages
from .release import renderer
from .release_files import ReleaseFiles
from .routes import controls, entries, entry_pages, matching, matching_pages, notices, pages, rankings, releases
from .views import PROJECTIONS

# The largest body is an objection (grounds up to 20,000 characters); the page's form has its own 64 KiB.
MAX_BODY_BYTES = int(os.environ.get("PUBLISH_MAX_BODY_BYTES", str(256 * 1024)))
VIEWS_BUILDING = DomainError("榜单视图正在首次构建，请稍后再试。", code="views_building", http_status=503)
DESCRIPTION = """科创中国系列榜单的发布服务：终评后的公示（公示中，非正式发布）与实名异议、异议处理、
榜单发布（含更正版本）与发布文件、公开网页，以及按权限范围的评审视图。公众无须登录即可查看已发布的榜单、
正在公示的名单、下载发布文件和提出实名异议；其余操作须携带公共平台签发的 Bearer JWT。错误以
application/problem+json 返回，`code` 为稳定的机器可读代码，`detail` 为中文说明。写操作（含公众的异议）可带
`Idempotency-Key` 头，重试只生效一次并返回首次的结果；公示页的异议表单自带一次性的 `submission` 令牌，重复提交只受理一次。"""


async def _not_built(request: Request, exc: asyncpg.UndefinedTableError) -> Response:
    return http_problems.error_response(VIEWS_BUILDING)


def create_app(clock: Clock | None = None, verifier: TokenVerifier | None = None, run_views: bool = True) -> ServiceApp:
    state = ServiceState("publish", clock, verifier)

    @asynccontextmanager
    async def lifespan(app):
        probing = asyncio.create_task(asyncio.to_thread(renderer.probe))  # loads WeasyPrint meanwhile (~1 s)
        async with write_side("publish", set_up=store.ensure_schema,
                              pool_size=int(os.environ.get("PUBLISH_DB_POOL", "8"))) as ws, LogEnds() as log_ends:
            if run_views:
                for projection in PROJECTIONS:
                    ws.run(projection_keeper.keep_live(projection, ws.publisher, ws.stop))
                ws.run(projection_keeper.publish_metrics(PROJECTIONS, ws.stop))
            state.serve(ws)
            state.log_ends = log_ends
            if run_views:  # a write answers once these views show it (eventlog/write/read_your_writes.py)
                ws.uow.shown = WritesShown(ws.pool, log_ends, PROJECTIONS, ws.outbox.acked)
            state.own = Pages(ReleaseFiles())
            missing = await probing
            # /readyz is red while release.pdf cannot be printed here, and says what to install
            state.unready = {} if missing is None else {"renderer": missing.error()}
            try:
                yield
            finally:
                ws.stop.set()
                for task in ws.tasks:
                    task.cancel()  # a rebuild in progress resumes from its own offsets next time
                await asyncio.gather(*ws.tasks, return_exceptions=True)

    return create_service_app(
        state, title="科创中国榜单 · 发布服务 (publish)", version="0.2.0", description=DESCRIPTION, lifespan=lifespan,
        routers=[m.router for m in (notices, releases, rankings, entries, pages, entry_pages, workbench, matching,
                                    matching_pages, controls)],
        max_body=MAX_BODY_BYTES, exception_handlers={asyncpg.UndefinedTableError: _not_built},
        page_homes={"secretariat": controls.HOME, "requester": matching_pages.HOME, "unit": matching_pages.HOME})


app = create_app()
