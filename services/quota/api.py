"""The quota service process: the decider consuming the unit stream, plus its HTTP API."""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI

from eventlog.campaign_follower import CampaignFollower
from eventlog.clock import clock_from_env
from eventlog.http_problems import install as install_problems
from eventlog.idempotency import IdempotencyKeys
from eventlog.outbox import Outbox
from eventlog.producer import EventPublisher, event_producer
from eventlog.settings import database_url
from eventlog.unit_of_work import UnitOfWork

from . import store
from .app import run_decider
from .routes import router

log = logging.getLogger("quota")


@asynccontextmanager
async def lifespan(app: FastAPI):
    pool = await asyncpg.create_pool(database_url(), min_size=2, max_size=8)
    producer = event_producer()
    await producer.start()
    publisher = EventPublisher(producer)
    outbox = Outbox("quota", pool, publisher)
    uow = UnitOfWork(pool, outbox, IdempotencyKeys("quota"))
    async with pool.acquire() as conn:
        await store.ensure_schema(conn)
        await uow.ensure_schema(conn)
    campaigns = CampaignFollower()
    await campaigns.start()
    stop = asyncio.Event()
    app.state.pool, app.state.uow, app.state.campaigns, app.state.clock = pool, uow, campaigns, clock_from_env()
    tasks = [asyncio.create_task(campaigns.follow(stop)),
             asyncio.create_task(run_decider(stop, pool, publisher, campaigns, outbox))]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        await campaigns.stop()
        await producer.stop()
        await pool.close()


app = FastAPI(title="科创中国榜单 · 名额服务 (quota)", version="0.1.0", lifespan=lifespan)
app.include_router(router)
install_problems(app)


@app.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


def serve() -> None:
    import uvicorn

    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s quota %(levelname)s %(name)s: %(message)s")
    uvicorn.run(app, host=os.environ.get("QUOTA_HOST", "127.0.0.1"), port=int(os.environ.get("QUOTA_PORT", "8001")),
                log_level="warning")
