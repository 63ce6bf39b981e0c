"""Intake HTTP API: accept a nomination, put it on the log, and answer from the intake's read model."""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from uuid import UUID, uuid4

import asyncpg
from fastapi import FastAPI, Request
from faststream.kafka import KafkaBroker
from pydantic import BaseModel, ConfigDict, Field

from contracts.codes import DOMAINS, LISTS
from contracts.errors import DomainError, NotFound
from contracts.events import Actor, NominationSubmitted, encode_event, unit_key
from contracts.topics import NOMINATIONS
from eventlog.consumer import StoredOffsetConsumer
from eventlog.producer import EventPublisher, event_producer
from eventlog.settings import database_url, kafka_bootstrap

from . import problems, views
from .limits import BodySizeLimit

log = logging.getLogger("intake")
MAX_BODY_BYTES = int(os.environ.get("INTAKE_MAX_BODY_BYTES", str(256 * 1024)))
DEFAULT_CAMPAIGN = "kczg-2022"


class NominationRequest(BaseModel):
    """A recommending unit's nomination (the skeleton's minimal form)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    campaign: str = Field(DEFAULT_CAMPAIGN, min_length=1, max_length=64)
    unit_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    list_code: str = Field(min_length=1, max_length=64)
    domain: str | None = Field(None, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    form: dict = Field(default_factory=dict)


class NominationAccepted(BaseModel):
    nomination_id: UUID
    status: str = "submitted"
    status_url: str


def check_target(list_code: str, domain: str | None) -> None:
    if list_code not in LISTS:
        raise DomainError(f"未知榜单：{list_code}", code="unknown_list", field="list_code")
    if list_code == "leading_tech":
        if not domain:
            raise DomainError("先导技术榜须选择领域。", code="domain_required", field="domain")
        if domain not in DOMAINS:
            raise DomainError(f"未知领域：{domain}", code="unknown_domain", field="domain")
    elif domain:
        raise DomainError(f"{LISTS[list_code]}不分领域，请勿填写领域。", code="domain_not_allowed", field="domain")


@asynccontextmanager
async def lifespan(app: FastAPI):
    pool = await asyncpg.create_pool(database_url(), min_size=2, max_size=10)
    async with pool.acquire() as conn:
        await conn.execute(_schema_sql())
    broker = KafkaBroker(kafka_bootstrap(), enable_idempotence=True, acks="all", linger_ms=2)
    await broker.start()
    producer = event_producer()
    await producer.start()
    projection = StoredOffsetConsumer(views.spec(), pool, EventPublisher(producer))
    await projection.start()
    stop = asyncio.Event()
    task = asyncio.create_task(projection.run(stop))
    app.state.pool, app.state.broker = pool, broker
    try:
        yield
    finally:
        stop.set()
        await task
        await projection.stop()
        await producer.stop()
        await broker.stop()
        await pool.close()


def _schema_sql() -> str:
    from importlib import resources
    return resources.files(__package__).joinpath("schema.sql").read_text()


app = FastAPI(title="科创中国榜单 · 申报服务 (intake)", version="0.1.0", lifespan=lifespan)
app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
problems.install(app)


@app.post("/v1/nominations", status_code=202, response_model=NominationAccepted)
async def submit_nomination(body: NominationRequest, request: Request) -> NominationAccepted:
    check_target(body.list_code, body.domain)
    nomination_id = uuid4()
    event = NominationSubmitted(
        occurred_at=datetime.now(timezone.utc), campaign=body.campaign,
        key=unit_key(body.campaign, body.unit_id), actor=Actor(role="unit", id=body.unit_id),
        nomination_id=nomination_id, unit_id=body.unit_id, list_code=body.list_code, domain=body.domain,
        title=body.title, form=body.form,
    )
    # Answer only after the broker acknowledged (acks=all): a 2xx means the event is on the log.
    await request.app.state.broker.publish(encode_event(event), topic=NOMINATIONS.name, key=event.key.encode(),
                                           headers={"event-type": event.type})
    return NominationAccepted(nomination_id=nomination_id, status_url=f"/v1/nominations/{nomination_id}")


@app.get("/v1/nominations/{nomination_id}")
async def get_nomination(nomination_id: UUID, request: Request) -> dict:
    async with request.app.state.pool.acquire() as conn:
        row = await views.nomination_status(conn, nomination_id)
    if row is None:
        raise NotFound("未找到该推荐（可能尚在处理，请稍后再试）。", code="nomination_not_found")
    status = row["decision"] or "submitted"
    return {
        "nomination_id": str(row["nomination_id"]), "campaign": row["campaign"], "unit_id": row["unit_id"],
        "list_code": row["list_code"], "domain": row["domain"], "title": row["title"], "status": status,
        "reason": row["reason"], "message": row["message"], "slot": row["slot"],
        "quota_limit": row["quota_limit"], "used": row["used"],
    }


@app.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}
