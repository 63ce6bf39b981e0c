"""The publish service in-process for tests (real Kafka and PostgreSQL) with a clock the test moves, and
waits on its views."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import datetime

import httpx

from eventlog.clock import FixedClock
from services.publish.views import RELEASE_FACTS
from tests.support.intake import Keys
from tests.support.projections import caught_up

C = "kczg-2022"
NOTICE_TIME = datetime.fromisoformat("2022-12-20T10:00:00+08:00")
AFTER_NOTICE = datetime.fromisoformat("2023-01-05T10:00:00+08:00")


@asynccontextmanager
async def publish_in_process(keys: Keys, clock: FixedClock):
    """The publish app with its lifespan (write side, views), over ASGI; `client.app` is the app."""
    from services.publish.api import create_app

    app = create_app(clock=clock, verifier=keys.verifier())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://publish", timeout=60) as client:
            client.app, client.keys, client.clock = app, keys, clock
            yield client


async def facts_caught_up(timeout_s: float = 120) -> None:
    await caught_up(RELEASE_FACTS, timeout_s)


def secretariat(keys: Keys) -> dict[str, str]:
    return keys.headers("secretariat", "kczg_secretariat")


async def open_notice(client, list_code: str, campaign: str = C) -> httpx.Response:
    return await client.post(f"/v1/publish/campaigns/{campaign}/lists/{list_code}/notice",
                             headers=secretariat(client.keys))


async def release(client, list_code: str, reason: str | None = None, campaign: str = C) -> httpx.Response:
    return await client.post(f"/v1/publish/campaigns/{campaign}/lists/{list_code}/release",
                             headers=secretariat(client.keys), json={"reason": reason} if reason else None)


def objection(nomination_id, **changes) -> dict:
    body = {"nomination_id": str(nomination_id), "name": "张三", "organisation": "某某大学",
            "contact": "zhangsan@example.edu.cn", "grounds": "该技术的核心专利归属存在争议。"}
    body.update(changes)
    return body
