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

import asyncpg
from fastapi import FastAPI

from eventlog import http_problems
from eventlog.auth import TokenVerifier, verifier_from_env
from eventlog.campaign_follower import CampaignFollower
from eventlog.clock import Clock, clock_from_env
from eventlog.consumer import StoredOffsetConsumer
from eventlog.idempotency import IdempotencyKeys
from eventlog.outbox import Outbox
from eventlog.producer import EventPublisher, event_producer
from eventlog.settings import database_url
from eventlog.unit_of_work import UnitOfWork

from . import projection, store
from .fast_lane import NominationFastLane
from .group_commit import row_pool
from .http_contract import MAX_BODY_BYTES
from .limits import BodySizeLimit
from .routes import applications, attachments, meta, nominations
from .service import IntakeService

log = logging.getLogger("intake")

DESCRIPTION = """科创中国系列榜单公共平台的申报服务：申报单位填写、保存、报送申报；推荐单位审核、退回、
不予推荐或推荐（即形成推荐，进入名额审核）；截止前修改、撤回。所有请求须携带公共平台签发的
Bearer JWT；错误以 application/problem+json 返回，`code` 为稳定的机器可读代码，`detail` 为中文说明。
写操作可带 `Idempotency-Key` 头，重试只生效一次并返回首次的结果。"""


class IntakeApp(FastAPI):
    """The FastAPI app with the fast lane (fast_lane.py) in front of all of it: the ordinary nomination
    skips FastAPI's and Starlette's outer layers too, not only the routing."""

    lane: NominationFastLane

    async def __call__(self, scope, receive, send) -> None:
        await self.lane(scope, receive, send)

    async def behind_lane(self, scope, receive, send) -> None:
        await super().__call__(scope, receive, send)


def create_app(clock: Clock | None = None, verifier: TokenVerifier | None = None, run_projection: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        pool = await asyncpg.create_pool(database_url(), min_size=2, max_size=int(os.environ.get("INTAKE_DB_POOL", "10")),
                                         init=store.init_connection, connection_class=store.PooledConnection)
        rows = await row_pool(database_url())
        # No linger: a request waits for its ack, and what arrives while a produce request is in flight
        # still shares the next one (measured: ~5 ms less at low load, less CPU per event under load).
        producer = event_producer(linger_ms=0)
        await producer.start()
        publisher = EventPublisher(producer)
        outbox = Outbox("intake", pool, publisher)
        uow = UnitOfWork(pool, outbox, IdempotencyKeys("intake"))
        async with pool.acquire() as conn:
            await store.ensure_schema(conn)
            await uow.ensure_schema(conn)
        campaigns = CampaignFollower()
        await campaigns.start()
        stop = asyncio.Event()
        tasks = [asyncio.create_task(campaigns.follow(stop)), asyncio.create_task(outbox.relay_forever(stop))]
        views = StoredOffsetConsumer(projection.spec(), pool, publisher) if run_projection else None
        if views is not None:
            await views.start()
            tasks.append(asyncio.create_task(views.run(stop)))
        app.state.intake = IntakeService(pool, uow, publisher, campaigns, clock or clock_from_env(), rows)
        app.state.token_verifier = verifier if verifier is not None else verifier_from_env()
        app.state.views = views
        # What start-up built (modules, the campaign book, pools) lives as long as the process: keep it
        # out of the collector's full passes, which otherwise walk it again and again under load.
        gc.freeze()
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            if views is not None:
                await views.stop()
            await campaigns.stop()
            await producer.stop()
            await rows.close()
            await pool.close()

    app = IntakeApp(title="科创中国榜单 · 申报服务 (intake)", version="0.2.0", description=DESCRIPTION, lifespan=lifespan)
    app.lane = NominationFastLane(app.behind_lane, service_app=app, max_body=MAX_BODY_BYTES)
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES,
                       per_path={"/v1/attachments": attachments.MAX_ATTACHMENT_BYTES + 64 * 1024})
    http_problems.install(app)
    for module in (meta, nominations, applications, attachments):
        app.include_router(module.router)
    return app
