"""The review views against the real broker and database: a joint target's review from filing to late results,
half rebuilt in bulk and half applied live, read back through every query, equal to a rebuild, with poison set
aside on the dead-letter topic while the view goes on."""

from __future__ import annotations

import asyncio
import collections
import os
import random
import subprocess
import sys
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D
from uuid import UUID

import asyncpg
import orjson
import pytest
from aiokafka import TopicPartition

from contracts.events import (
    Actor, AttachmentRef, ConflictDeclared, ExpertAssigned, ExpertScoreRecorded, ExpertUnassigned,
    FinalDecisionRecorded, NominationScreened, NominationSubmitted, NominationWithdrawn, PrelimResultsSubmitted,
    PlanAcknowledged, PlanReturned, PrelimScored, QuotaRejected, QuotaReleased, QuotaReserved, ReviewPlanConfirmed,
    ReviewPlanFiled, encode_event,
    target_key, unit_key,
)
from contracts.review_terms import Criterion
from contracts.topics import DEADLETTER, REVIEW
from eventlog.projection import store as projection_store
from eventlog.consume.consumer import StoredOffsetConsumer
from eventlog.write.producer import EventPublisher, event_producer
from eventlog.projection.live import live_spec
from eventlog.projection.rebuild import projection_pool, rebuild
from eventlog.verify.projections import verify
from services.review.views import REVIEW_VIEWS, review_queries as q
from tests.support.events import LogWriter
from tests.support.kafka import read_topic
from tests.support.processes import ROOT
from tests.support.review_log import produce_review_log, random_logs

CAMPAIGN, T = "kczg-2022", datetime(2022, 11, 10, 2, tzinfo=timezone.utc)
ECO, CLEAN, SECRETARIAT = "cast_eco_env_consortium", "cast_clean_energy_consortium", "kczg_secretariat"
GREEN_T, EMERGING_T = ("leading_tech", "green_low_carbon"), ("emerging_enterprise", None)
GREEN, EMERGING = target_key(CAMPAIGN, *GREEN_T), target_key(CAMPAIGN, *EMERGING_T)
N1, N2, N3, N4, N5, N6 = (UUID(int=i) for i in range(1, 7))
DUE = datetime.fromisoformat("2022-12-01T00:00:00+08:00")
FILE = AttachmentRef(name="技术报告.pdf", size=2048, media_type="application/pdf", sha256="a" * 64)
CRITERIA = (Criterion(code="innovation", name="创新性", weight=60), Criterion(code="value", name="产业价值", weight=40))


def at(minutes: int) -> datetime:
    return T + timedelta(minutes=minutes)


def env(minutes: int, key: str, role: str = "review_body", actor: str = ECO) -> dict:
    return dict(occurred_at=at(minutes), campaign=CAMPAIGN, key=key, actor=Actor(role=role, id=actor))


def nominated(n: UUID, unit: str, target: tuple, minute: int, outcome: str = "reserved") -> list:
    """A unit's nomination and its quota decision, as intake and quota put them on the log."""
    on_unit = dict(**env(minute, unit_key(CAMPAIGN, unit), "unit", unit), nomination_id=n, unit_id=unit)
    where = dict(list_code=target[0], domain=target[1])
    submitted = NominationSubmitted(**on_unit, **where, title=f"成果{n.int}", form={"summary": f"摘要{n.int}"},
                                    attachments=(FILE,))
    quota = (QuotaReserved(**on_unit, **where, slot=1, limit=3, used=1) if outcome == "reserved" else
             QuotaRejected(**on_unit, **where, reason="over_quota", message="名额已满", limit=3, used=3))
    return [submitted, quota]


def on_unit(n: UUID, unit: str, minute: int) -> dict:
    return dict(**env(minute, unit_key(CAMPAIGN, unit), "secretariat", SECRETARIAT), nomination_id=n, unit_id=unit)


def panel(n: UUID, expert: str, minute: int) -> dict:
    return dict(**env(minute, GREEN), nomination_id=n, expert_id=expert, body_code=ECO, list_code=GREEN_T[0],
                domain=GREEN_T[1])


def score(n: UUID, expert: str, minute: int, innovation: str, value: str, total: str) -> ExpertScoreRecorded:
    return ExpertScoreRecorded(**{**panel(n, expert, minute), "actor": Actor(role="expert", id=expert)},
                               scores={"innovation": D(innovation), "value": D(value)}, total=D(total))


PLAN = ReviewPlanFiled(**env(0, GREEN), body_code=ECO, list_code=GREEN_T[0], domain=GREEN_T[1], plan="评审工作方案",
                       expert_composition="学术界、产业界、投资界", criteria=CRITERIA, aggregation="trimmed_mean",
                       experts_per_item=3)
EMERGING_PLAN = ReviewPlanFiled(**env(0, EMERGING, actor=SECRETARIAT), body_code=SECRETARIAT, list_code=EMERGING_T[0],
                                criteria=CRITERIA, aggregation="mean", plan="方案", expert_composition="专家",
                                divergence_threshold=D("12.50"), max_load=30)
# The secretariat's receipts (回执): GREEN's plan acknowledged, EMERGING's returned with its reasons.
ACKNOWLEDGED = PlanAcknowledged(**env(31, GREEN, "secretariat", SECRETARIAT), body_code=ECO, list_code=GREEN_T[0],
                                domain=GREEN_T[1], plan_event_id=PLAN.event_id, note="已收悉")
RETURNED = PlanReturned(**env(32, EMERGING, "secretariat", SECRETARIAT), body_code=SECRETARIAT,
                        list_code=EMERGING_T[0], plan_event_id=EMERGING_PLAN.event_id, reasons=("名单须增补",))

# Before the rebuild: the nominations, their quota and screening, the plans.
FILED = [
    *nominated(N1, "unit-a", GREEN_T, 1), *nominated(N2, "unit-b", GREEN_T, 2), *nominated(N3, "unit-a", GREEN_T, 3),
    *nominated(N4, "unit-b", GREEN_T, 4, "rejected"), *nominated(N5, "unit-a", GREEN_T, 5),
    *nominated(N6, "unit-a", EMERGING_T, 6),
    NominationScreened(**on_unit(N1, "unit-a", 20), passed=True),
    NominationScreened(**on_unit(N2, "unit-b", 21), passed=True),
    NominationScreened(**on_unit(N5, "unit-a", 22), passed=False, reasons=("材料不全",)),
    NominationWithdrawn(**on_unit(N3, "unit-a", 23), reason="撤回"),
    QuotaReleased(**on_unit(N3, "unit-a", 23), list_code=GREEN_T[0], domain=GREEN_T[1], slot=1, used=0,
                  reason="withdrawn"),
    PLAN, EMERGING_PLAN,
    ReviewPlanConfirmed(**env(30, GREEN, actor=CLEAN), body_code=CLEAN, list_code=GREEN_T[0], domain=GREEN_T[1],
                        plan_event_id=PLAN.event_id),
    ACKNOWLEDGED, RETURNED,
]
# Applied live: the panel, its conflict, the scores, the results (after the due date) and a decision.
REVIEWED = [
    *(ExpertAssigned(**panel(N1, e, 40)) for e in ("expert-1", "expert-2", "expert-3", "expert-4")),
    *(ExpertAssigned(**panel(N2, e, 41)) for e in ("expert-1", "expert-2", "expert-3")),
    ConflictDeclared(**panel(N1, "expert-4", 42), reason_code="same_organisation", reason="同单位"),
    ExpertUnassigned(**panel(N2, "expert-3", 43), reason="工作量调整"),
    score(N1, "expert-1", 50, "90.00", "86.25", "88.50"), score(N1, "expert-3", 51, "95.00", "85.63", "91.25"),
    score(N2, "expert-1", 52, "70.00", "70.00", "70.00"),
    PrelimScored(**env(60, GREEN), nomination_id=N1, body_code=ECO, list_code=GREEN_T[0], domain=GREEN_T[1],
                 aggregate=D("86.58"), raw_sum=D("259.75"), rank=1, expert_count=3, method="trimmed_mean"),
    PrelimScored(**env(60, GREEN), nomination_id=N2, body_code=ECO, list_code=GREEN_T[0], domain=GREEN_T[1],
                 aggregate=D("70.00"), raw_sum=D("70.00"), rank=2, expert_count=1, method="trimmed_mean",
                 divergent=True),
    PrelimResultsSubmitted(**{**env(0, GREEN), "occurred_at": DUE + timedelta(hours=10)}, body_code=ECO,
                           list_code=GREEN_T[0], domain=GREEN_T[1], ranked=(N1, N2), late=True),
    FinalDecisionRecorded(**env(24 * 60 * 30, GREEN, "secretariat", SECRETARIAT), nomination_id=N1,
                          list_code=GREEN_T[0], domain=GREEN_T[1], selected=True, note="入选"),
]
LAST = score(N1, "expert-2", 53, "80.00", "80.00", "80.00")  # after the poison: the view goes on


@asynccontextmanager
async def live_review_views():
    """The live view in this process, its poison going to the dead-letter topic as the service's would."""
    pool, producer = await projection_pool(size=2), event_producer()
    await producer.start()
    consumer = StoredOffsetConsumer(live_spec(REVIEW_VIEWS, max_records=7), pool, EventPublisher(producer))
    try:
        async with pool.acquire() as conn:
            await projection_store.ensure_schema(conn)
        await consumer.start()
        yield consumer
    finally:
        await consumer.stop()
        await producer.stop()
        await pool.close()


async def test_the_review_views_from_filing_to_late_results(env):
    # The filing half is rebuilt in bulk; the review half, with two poison records before its last score, applied live.
    await produce_review_log(FILED)
    await rebuild(REVIEW_VIEWS)
    await produce_review_log(REVIEWED)
    unprocessable = {**orjson.loads(encode_event(LAST)), "nomination_id": "NOT-A-UUID"}
    async with LogWriter() as log:
        await log.raw(REVIEW.name, GREEN.encode(), b"{not json")
        await log.raw(REVIEW.name, GREEN.encode(), orjson.dumps(unprocessable))
    await produce_review_log([LAST])
    async with live_review_views() as consumer:
        await consumer.run_until(await consumer.end_offsets())

    letters = [orjson.loads(v) for v in await read_topic(DEADLETTER.name)]
    assert [(d["consumer"], d["reason"].split(":")[0]) for d in letters] == \
        [("review.views", "undecodable"), ("review.views", "unprocessable")]

    conn = await asyncpg.connect(env["DATABASE_URL"])
    try:
        await check_target(conn)
        await check_target_nominations(conn)
        await check_expert_queues(conn)
        await check_progress(conn)
        await check_screening_queue(conn)
    finally:
        await conn.close()

    # A rebuild from the log gives the very rows the live path wrote, and the CLI knows the projection.
    assert (await verify(REVIEW_VIEWS)).ok
    cli = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "kczg.cli", "projections", "verify",
                                                   REVIEW_VIEWS.name], cwd=ROOT, capture_output=True, text=True,
                                  env={**os.environ, "COLUMNS": "200"}, timeout=300)
    assert cli.returncode == 0 and "identical" in cli.stdout, cli.stdout + cli.stderr


async def check_target(conn) -> None:
    assert await q.target(conn, GREEN) == {
        "target_key": GREEN, "campaign": CAMPAIGN, "list_code": "leading_tech", "domain": "green_low_carbon",
        "plan": {"event_id": str(PLAN.event_id), "filed_by": ECO, "filed_at": at(0), "experts_per_item": 3,
                 "criteria": [{"code": "innovation", "name": "创新性", "weight": 60},
                              {"code": "value", "name": "产业价值", "weight": 40}],
                 "score_min": 0, "score_max": 100, "aggregation": "trimmed_mean", "trim_min_scores": 5,
                 "divergence_threshold": None, "tie_break": ["raw_sum", "earliest_submission"], "max_load": None,
                 "roster_size": 0, "document": None},
        "plan_confirmed": True, "confirmed_by": CLEAN, "confirmed_plan_event_id": str(PLAN.event_id),
        "plan_receipt": {"state": "acknowledged", "label": "已确认", "at": at(31), "event_id": str(ACKNOWLEDGED.event_id),
                         "reasons": [], "note": "已收悉"},
        "results": {"submitted_at": DUE + timedelta(hours=10), "submitted_by": ECO, "late": True, "ranked_count": 2,
                    "gaps": []},
        "results_submitted": True, "late": True}
    emerging = await q.target(conn, EMERGING)
    assert (emerging["domain"], emerging["plan"]["divergence_threshold"], emerging["plan"]["max_load"]) == \
        (None, D("12.50"), 30)
    assert (emerging["plan_confirmed"], emerging["results"], emerging["late"]) == (False, None, False)
    assert emerging["plan_receipt"] == {"state": "returned", "label": "已退回", "at": at(32),
                                        "event_id": str(RETURNED.event_id), "reasons": ["名单须增补"], "note": ""}
    assert await q.target(conn, target_key(CAMPAIGN, "open_source", None)) is None


def listed(n: UUID, minute: int, screening: str, in_review: bool, reasons: tuple = (), **extra) -> dict:
    return {"nomination_id": str(n), "unit_id": "unit-b" if n in (N2, N4) else "unit-a", "title": f"成果{n.int}",
            "submitted_at": at(minute), "withdrawn_at": None, "quota_outcome": "reserved",
            "screening": {"state": screening, "reasons": list(reasons)}, "in_review": in_review, "experts": [],
            "conflicted_experts": 0, "scores_received": 0, "scores_expected": 0, "totals": {}, "prelim": None,
            "shortfall": None, "re_review": None, **extra}


async def check_target_nominations(conn) -> None:
    # N4 was refused a slot: never in review, not listed. Ranked ones first, then by submission.
    page = await q.target_nominations(conn, GREEN, 1, 10)
    assert page == {"page": 1, "page_size": 10, "total": 4, "items": [
        listed(N1, 1, "passed", True, experts=["expert-1", "expert-2", "expert-3"], conflicted_experts=1,
               scores_received=3, scores_expected=3,
               totals={"expert-1": D("88.50"), "expert-2": D("80.00"), "expert-3": D("91.25")},
               prelim={"aggregate": D("86.58"), "raw_sum": D("259.75"), "rank": 1, "expert_count": 3,
                       "method": "trimmed_mean", "divergent": False}),
        listed(N2, 2, "passed", True, experts=["expert-1", "expert-2"], scores_received=1, scores_expected=2,
               totals={"expert-1": D("70.00")},
               prelim={"aggregate": D("70.00"), "raw_sum": D("70.00"), "rank": 2, "expert_count": 1,
                       "method": "trimmed_mean", "divergent": True}),
        listed(N3, 3, "pending", False, withdrawn_at=at(23), quota_outcome="released"),
        listed(N5, 5, "failed", False, reasons=("材料不全",)),
    ]}
    assert [i["nomination_id"] for i in (await q.target_nominations(conn, GREEN, 2, 3))["items"]] == [str(N5)]
    assert str((await q.target_nominations(conn, GREEN, 1, 1))["items"][0]["totals"]["expert-2"]) == "80.00"


async def check_expert_queues(conn) -> None:
    first = await q.expert_queue(conn, "expert-1", 1, 10)
    common = dict(campaign=CAMPAIGN, target_key=GREEN, list_code="leading_tech", domain="green_low_carbon",
                  in_review=True, body_code=ECO, attachments=[FILE.model_dump()], scored=True)
    assert first == {"page": 1, "page_size": 10, "total": 2, "scored": 2, "items": [
        {**common, "nomination_id": str(N1), "title": "成果1", "form": {"summary": "摘要1"}, "assigned_at": at(40),
         "score": {"scores": {"innovation": D("90.00"), "value": D("86.25")}, "total": D("88.50"),
                   "scored_at": at(50)}},
        {**common, "nomination_id": str(N2), "title": "成果2", "form": {"summary": "摘要2"}, "assigned_at": at(41),
         "score": {"scores": {"innovation": D("70.00"), "value": D("70.00")}, "total": D("70.00"),
                   "scored_at": at(52)}}]}
    # Unassigned from N2: only N1 is left; conflicted on N1: nothing at all, not even its scores.
    third = await q.expert_queue(conn, "expert-3", 1, 10)
    assert [i["nomination_id"] for i in third["items"]] == [str(N1)]
    assert await q.expert_queue(conn, "expert-4", 1, 10) == {"page": 1, "page_size": 10, "total": 0, "scored": 0,
                                                            "items": []}
    second = await q.expert_queue(conn, "expert-2", 1, 10)
    assert (second["total"], second["scored"]) == (2, 1)
    assert [i["score"] and i["score"]["total"] for i in second["items"]] == [D("80.00"), None]


async def check_progress(conn) -> None:
    idle = target_key(CAMPAIGN, "tech_manager_pioneer", None)
    zero = dict(in_review=0, assigned=0, fully_assigned=0, fully_scored=0, scores_received=0, scores_expected=0)
    green = dict(target_key=GREEN, in_review=2, assigned=2, fully_assigned=1, fully_scored=1, scores_received=4,
                 scores_expected=5, experts_per_item=3, plan_filed=True, plan_confirmed=True, plan_receipt="acknowledged",
                 results_submitted=True,
                 results_submitted_at=DUE + timedelta(hours=10), results_late=True)
    emerging = dict(target_key=EMERGING, **zero, experts_per_item=7, plan_filed=True, plan_confirmed=False,
                    plan_receipt="returned", results_submitted=False, results_submitted_at=None, results_late=False)
    assert await q.body_progress(conn, CAMPAIGN, [GREEN, EMERGING, idle]) == [green, emerging, dict(
        target_key=idle, **zero, experts_per_item=None, plan_filed=False, plan_confirmed=False, plan_receipt=None,
        results_submitted=False, results_submitted_at=None, results_late=False)]
    progress = await q.campaign_progress(conn, CAMPAIGN, DUE, {GREEN: (ECO, CLEAN), EMERGING: (SECRETARIAT,)})
    assert progress == {"campaign": CAMPAIGN, "due_at": DUE, "late": [GREEN], "missing": [EMERGING], "targets": [
        {**green, "bodies": [ECO, CLEAN], "plan_in_force": True, "late": True, "missing": False},
        {**emerging, "bodies": [SECRETARIAT], "plan_in_force": True, "late": False, "missing": True}]}


async def check_screening_queue(conn) -> None:
    # Withdrawn N3 and refused N4 hold no slot: the secretariat has nothing to screen there.
    page = await q.screening_queue(conn, CAMPAIGN, 1, 10)
    assert (page["total"], page["by_state"]) == (4, {"pending": 1, "passed": 2, "failed": 1})
    assert [(i["nomination_id"], i["screening_state"]) for i in page["items"]] == \
        [(str(N1), "passed"), (str(N2), "passed"), (str(N5), "failed"), (str(N6), "pending")]
    assert page["items"][2] == {"nomination_id": str(N5), "unit_id": "unit-a", "target_key": GREEN,
                                "list_code": "leading_tech", "domain": "green_low_carbon", "title": "成果5",
                                "revision": 1, "submitted_at": at(5), "screening_state": "failed",
                                "screening_reasons": ["材料不全"], "screened_at": at(22), "withdrawal_request": None}
    pending = await q.screening_queue(conn, CAMPAIGN, 1, 10, "pending")
    assert (pending["total"], [i["nomination_id"] for i in pending["items"]]) == (1, [str(N6)])


async def fetched(consumer: StoredOffsetConsumer) -> dict[TopicPartition, list]:
    """Every record up to the log's end, per partition, in its order; nothing applied yet."""
    targets, records = await consumer.end_offsets(), collections.defaultdict(list)
    while not await consumer.reached(targets):
        for tp, recs in (await consumer.fetch(timeout_ms=200, max_records=5000)).items():
            records[tp] += recs
    return records


def scheduled(records: dict[TopicPartition, list], delivery: str, size: int = 7) -> list[dict]:
    """The records in batches of `size` in an order Kafka may deliver them: each partition's in order,
    partitions one after another (ascending or descending), or interleaved a few records at a time."""
    tps = sorted(records, reverse=delivery == "partitions descending")
    queues = {tp: list(records[tp]) for tp in tps}
    rnd, order = random.Random(delivery), []
    while queues:
        tp = rnd.choice(sorted(queues)) if delivery.startswith("interleaved") else next(iter(queues))
        take = rnd.randint(1, 3) if delivery.startswith("interleaved") else len(queues[tp])
        order += [(tp, r) for r in queues[tp][:take]]
        del queues[tp][:take]
        queues = {t: q for t, q in queues.items() if q}
    batches = []
    for i in range(0, len(order), size):
        batch = collections.defaultdict(list)
        for tp, record in order[i:i + size]:
            batch[tp].append(record)
        batches.append(dict(batch))
    return batches


@pytest.mark.parametrize("delivery", ["polled", "partitions ascending", "partitions descending", "interleaved 1",
                                      "interleaved 2"])
async def test_small_live_batches_merge_to_the_rows_of_one_bulk_rebuild(env, delivery):
    # An empty view built, then random logs in random order with repeats applied live, a few records at a
    # time: as the consumer polls them, or in a fixed order Kafka may deliver them in (each partition's in order).
    await rebuild(REVIEW_VIEWS)
    events = random_logs(40)
    assert len({e.event_id for e in events}) == len({encode_event(e) for e in events})  # an id names one fact
    await produce_review_log(events)
    async with live_review_views() as consumer:
        if delivery == "polled":
            await consumer.run_until(await consumer.end_offsets())
        else:
            for batch in scheduled(await fetched(consumer), delivery):
                await consumer.commit(batch)
    result = await verify(REVIEW_VIEWS)
    assert result.ok, result.differences[:3]
    assert result.records > 200
