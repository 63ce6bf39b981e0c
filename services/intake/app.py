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

from eventlog.http.auth import TokenVerifier
from eventlog.clock import Clock
from eventlog.consume.consumer import StoredOffsetConsumer
from eventlog.http.front_door import ServiceState
from eventlog.projection.status import LogEnds
from eventlog.http.service_app import ServiceApp, create_service_app
from eventlog.settings import database_url
from eventlog.write.write_side import write_side

from . import projection, store
from .fast_lane import LANES
from .group_commit import row_pool
from .http_contract import MAX_ATTACHMENT_BYTES, MAX_BODY_BYTES
from .pages import applicant as applicant_pages, unit as unit_pages, unit_nomination as nomination_pages
from .routes import applications, attachments, meta, nominations
from .service import IntakeService

log = logging.getLogger("intake")

DESCRIPTION = """科创中国系列榜单公共平台的申报服务：申报单位填写、保存、报送申报；推荐单位审核、退回、
不予推荐或推荐（即形成推荐，进入名额审核）；截止前修改、撤回。所有请求须携带公共平台签发的
Bearer JWT；错误以 application/problem+json 返回，`code` 为稳定的机器可读代码，`detail` 为中文说明。
写操作可带 `Idempotency-Key` 头，重试只生效一次并返回首次的结果。"""


def create_app(clock: Clock | None = None, verifier: TokenVerifier | None = None,
               run_projection: bool = True) -> ServiceApp:
    state = ServiceState("intake", clock, verifier)

    @asynccontextmanager
    async def lifespan(app):
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
            state.serve(ws)
            state.own = IntakeService(ws.pool, ws.uow, ws.publisher, ws.campaigns, state.clock, rows, log_ends)
            state.views, state.log_ends = views, log_ends
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

    return create_service_app(
        state, title="科创中国榜单 · 申报服务 (intake)", version="0.2.0", description=DESCRIPTION, lifespan=lifespan,
        routers=[m.router for m in (meta, nominations, applications, attachments, applicant_pages, unit_pages,
                                       nomination_pages)],
        lanes=LANES, max_body=MAX_BODY_BYTES,
        per_path={"/v1/attachments": MAX_ATTACHMENT_BYTES + 64 * 1024,
                  applicant_pages.SEND_TO: MAX_ATTACHMENT_BYTES + 256 * 1024},  # the form with its upload
        page_homes={"applicant": applicant_pages.HOME, "unit": unit_pages.HOME})
