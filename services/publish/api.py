"""Publish HTTP API (read-only): the ranking views, campaign progress, metrics.

The projections that fill the views run in this process (eventlog/projection_keeper.py); a view still being built
for the first time answers 503 views_building.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg
from fastapi import FastAPI, Query, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from contracts.codes import CHANNELS, DOMAINS, LISTS
from contracts.errors import DomainError, NotFound
from eventlog import http_problems
from eventlog.producer import EventPublisher, event_producer
from eventlog import projection_keeper as live_views
from eventlog.settings import database_url

from .views import PROJECTIONS, ranking_queries
from .views.ranking_tables import STATUSES

VIEWS_BUILDING = DomainError("榜单视图正在首次构建，请稍后再试。", code="views_building", http_status=503)


@asynccontextmanager
async def lifespan(app: FastAPI):
    pool = await asyncpg.create_pool(database_url(), min_size=1, max_size=8)
    producer = event_producer()
    await producer.start()
    stop = asyncio.Event()
    tasks = [asyncio.create_task(live_views.keep_live(p, EventPublisher(producer), stop)) for p in PROJECTIONS]
    tasks.append(asyncio.create_task(live_views.publish_metrics(PROJECTIONS, stop)))
    app.state.pool = pool
    try:
        yield
    finally:
        stop.set()
        for task in tasks:
            task.cancel()  # a rebuild in progress resumes from its own offsets next time
        await asyncio.gather(*tasks, return_exceptions=True)
        await producer.stop()
        await pool.close()


app = FastAPI(title="科创中国榜单 · 发布服务 (publish)", version="0.1.0", lifespan=lifespan)
http_problems.install(app)


@app.exception_handler(asyncpg.UndefinedTableError)
async def _not_built(request: Request, exc: asyncpg.UndefinedTableError) -> Response:
    return http_problems.problem(VIEWS_BUILDING.http_status, VIEWS_BUILDING.code, VIEWS_BUILDING.message)


def _check(value: str | None, known: dict | tuple, field: str, label: str) -> None:
    if value is not None and value not in known:
        raise DomainError(f"未知{label}：{value}", code=f"unknown_{field}", field=field)


@app.get("/v1/rankings/nominations")
async def list_nominations(
    request: Request,
    campaign: str | None = Query(None, max_length=64),
    list_code: str | None = Query(None, max_length=64),
    domain: str | None = Query(None, max_length=64),
    unit_id: str | None = Query(None, max_length=64),
    channel: str | None = Query(None, max_length=64),
    status: str | None = Query(None, max_length=32),
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(50, ge=1, le=200),
) -> dict[str, Any]:
    _check(list_code, LISTS, "list_code", "榜单")
    _check(domain, DOMAINS, "domain", "领域")
    _check(channel, CHANNELS, "channel", "推荐渠道")
    _check(status, STATUSES, "status", "状态")
    where = ranking_queries.NominationFilter(campaign, list_code, domain, unit_id, channel, status)
    async with request.app.state.pool.acquire() as conn:
        total, items = await ranking_queries.nominations(conn, where, page, page_size)
    return {"items": items, "page": page, "page_size": page_size, "total": total}


@app.get("/v1/rankings/nominations/{nomination_id}")
async def get_nomination(nomination_id: UUID, request: Request) -> dict[str, Any]:
    async with request.app.state.pool.acquire() as conn:
        row = await ranking_queries.nomination(conn, str(nomination_id))
    if row is None:
        raise NotFound("未找到该推荐（可能尚在处理，请稍后再试）。", code="nomination_not_found")
    return row


@app.get("/v1/campaigns/{campaign}/progress")
async def campaign_progress(campaign: str, request: Request) -> dict[str, Any]:
    async with request.app.state.pool.acquire() as conn:
        return await ranking_queries.campaign_progress(conn, campaign)


@app.get("/metrics")
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@app.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}
