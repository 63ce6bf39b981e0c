"""Helpers for the review tests: the review and quota services in-process on the test's own database
and topics (real Kafka and PostgreSQL), a campaign's nominations put on the log the way the intake
writes them, and the bodies, experts and rosters of a target."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from uuid import uuid4

import asyncpg
import httpx

from contracts.events import Actor, NominationSubmitted, unit_key
from contracts.topics import NOMINATIONS
from eventlog.clock import FixedClock
from services.intake.examples import example_form
from tests.support.events import NOW, publish, registered
from tests.support.intake import Keys, wait_for

BJ = timezone(timedelta(hours=8))
IN_REVIEW = datetime(2022, 11, 10, 10, tzinfo=BJ)
GREEN = "/v1/review/campaigns/kczg-2022/targets/leading_tech/green_low_carbon"
ECO, CLEAN, MATERIALS = "cast_eco_env_consortium", "cast_clean_energy_consortium", "cast_advanced_materials_consortium"


def roster(n: int = 8, conflicted_with: str | None = None) -> list[dict]:
    """n experts of several universities; the first works at `conflicted_with` (a recommending unit)."""
    experts = [{"expert_id": f"e{i:02d}", "name": f"专家{i:02d}", "affiliation": f"某某大学{i:02d}"} for i in range(n)]
    if conflicted_with:
        experts[0]["affiliation"] = conflicted_with
    return experts


def plan_body(experts: list[dict], per_item: int = 3, **terms) -> dict:
    return {"plan": "初评采用专家独立评分。", "expert_composition": "高校与企业专家。", "roster": experts,
            "experts_per_item": per_item, **terms}


def submission(unit: str, domain: str = "green_low_carbon", title: str | None = None) -> NominationSubmitted:
    title = title or f"技术{uuid4().hex[:6]}"
    form = example_form("leading_tech", domain=domain, technology_name=title)
    return NominationSubmitted(nomination_id=uuid4(), unit_id=unit, list_code="leading_tech", domain=domain,
                               title=title, form=form, occurred_at=NOW, campaign="kczg-2022",
                               key=unit_key("kczg-2022", unit), actor=Actor(role="unit", id=unit))


async def put_nominations(units: dict[str, int], domain: str = "green_low_carbon") -> list[NominationSubmitted]:
    """Register the units (one channel each) and put their nominations on the unit streams."""
    nominations = [submission(u, domain) for u, n in units.items() for _ in range(n)]
    await publish(*((NOMINATIONS, registered(u, "national_society")) for u in units),
                  *((NOMINATIONS, n) for n in nominations))
    return nominations


@asynccontextmanager
async def services_in_process(keys: Keys, clock: FixedClock):
    """The review service over ASGI, and the quota decider beside it (so a failed screening frees a slot)."""
    from services.quota.api import app as quota_app
    from services.review.api import create_app

    review = create_app(clock=clock, verifier=keys.verifier())
    async with quota_app.router.lifespan_context(quota_app), review.router.lifespan_context(review):
        transport = httpx.ASGITransport(app=review)
        async with httpx.AsyncClient(transport=transport, base_url="http://review", timeout=60) as client:
            client.app, client.keys, client.clock = review, keys, clock
            yield client


async def view_count(db_url: str, sql: str, *args) -> int:
    conn = await asyncpg.connect(db_url)
    try:
        return await conn.fetchval(sql, *args)
    except asyncpg.UndefinedTableError:
        return -1
    finally:
        await conn.close()


async def views_show(db_url: str, sql: str, wanted: int, *args) -> None:
    """Until the review views (eventually consistent) answer `sql` with `wanted`."""
    async def seen():
        return await view_count(db_url, sql, *args) == wanted
    await wait_for(seen, timeout_s=60)
