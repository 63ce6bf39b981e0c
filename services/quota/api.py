"""The quota service process: the decider consuming the unit stream, plus its HTTP API."""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI

from eventlog.campaign_directory import CampaignDirectory
from eventlog.http_problems import install as install_problems
from eventlog.producer import EventPublisher, event_producer
from eventlog.settings import database_url

from . import store
from .routes import router
from .app import run_decider

log = logging.getLogger("quota")


@asynccontextmanager
async def lifespan(app: FastAPI):
    pool = await asyncpg.create_pool(database_url(), min_size=2, max_size=8)
    async with pool.acquire() as conn:
        await store.ensure_schema(conn)
    producer = event_producer()
    await producer.start()
    campaigns = CampaignDirectory()
    app.state.pool, app.state.publisher = pool, EventPublisher(producer)
    app.state.campaign_for = campaigns.get
    stop = asyncio.Event()
    decider = asyncio.create_task(run_decider(stop, pool, app.state.publisher, campaigns.get))
    try:
        yield
    finally:
        stop.set()
        await decider
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
