"""Every service's /metrics, scraped in-process after some traffic: the HTTP series by route template
(the intake's fast lane counted like its routes), consumer lag, outbox depth, dead letters, the
dependencies' health, quota decisions and the review's progress move as the traffic says."""

from __future__ import annotations

import asyncio
import os

import asyncpg
import httpx

from contracts.events import NominationWithdrawn, unit_key
from contracts.topics import NOMINATIONS
from eventlog.http import metrics
from eventlog.consume.consumer import ConsumerSpec, StoredOffsetConsumer
from eventlog.write.producer import EventPublisher, event_producer
from tests.integration.quota_support import wait_outbox_empty
from tests.integration.publish_support import publish_2022  # noqa: F401 (fixture)
from tests.integration.test_review_flow import GREEN, _ready, as_, review, score_everything  # noqa: F401 (fixture)
from tests.support.events import LogWriter, publish, submitted
from tests.support.intake import nomination_body, wait_for
from tests.support.metrics import moved, parse, scrape, series, value
from tests.support.review import ECO, submission

HTTP = "kczg_http_requests_total"


async def test_the_intake_counts_the_lane_and_its_routes_by_template(intake):
    before = await scrape(intake)
    unit_a = intake.keys.headers("unit", "unit-a")
    # One nomination through the fast lane, one through the route (a repeated header sends it there).
    fast = await intake.post("/v1/nominations", json=nomination_body(), headers=unit_a)
    routed = await intake.post("/v1/nominations", json=nomination_body(technology_name="另一项技术"),
                               headers=[*unit_a.items(), ("Accept", "application/json"), ("Accept", "*/*")])
    assert (fast.status_code, routed.status_code, intake.app.lane.answered) == (202, 202, 1)
    nid = fast.json()["nomination_id"]
    assert (await intake.get(f"/v1/nominations/{nid}", headers=unit_a)).status_code == 200
    assert (await intake.post("/v1/nominations", json=nomination_body(), headers={})).status_code == 401
    assert (await intake.get(f"/v1/no-such-page/{nid}")).status_code == 404
    after = await scrape(intake)

    post = dict(service="intake", method="POST", route="/v1/nominations")
    assert moved(after, before, HTTP, **post, status="202") == 2
    assert moved(after, before, "kczg_http_request_duration_seconds_count", **post, status="202") == 2
    assert moved(after, before, HTTP, **post, status="401") == 1
    assert moved(after, before, HTTP, service="intake", method="GET", route="/v1/nominations/{nomination_id}",
                 status="200") == 1
    assert moved(after, before, HTTP, service="intake", method="GET", route=metrics.UNMATCHED, status="404") == 1
    # Templates only: no raw path (and so no nomination id) ever becomes a label value.
    assert not any(nid in v for (_, labels) in after for _, v in labels)
    assert value(after, "kczg_dependency_up", service="intake", dependency="broker") == 1
    assert value(after, "kczg_dependency_up", service="intake", dependency="database") == 1
    assert series(after, "kczg_outbox_pending_rows", schema="intake")

    # The intake's projection consumer reports its lag on every partition it holds, and catches up.
    async def caught_up():
        samples = await scrape(intake)
        lag = series(samples, "kczg_consumer_lag_records", consumer="intake:views")
        return lag and value(samples, "kczg_consumer_lag_records", consumer="intake:views") == 0
    await wait_for(caught_up)


async def test_consumer_lag_is_the_log_end_minus_the_stored_offset(env):
    pool = await asyncpg.create_pool(env["DATABASE_URL"], min_size=1, max_size=2)
    producer = event_producer()
    await producer.start()
    applied = []

    async def apply(conn, records):
        applied.extend(r for recs in records.values() for r in recs)
        return []

    consumer = StoredOffsetConsumer(ConsumerSpec(name="metrics-probe", topics=[NOMINATIONS.name], apply=apply),
                                    pool, EventPublisher(producer))
    lag = dict(consumer="metrics-probe", group="", topic=NOMINATIONS.name)
    try:
        await consumer.start()
        await publish(*((NOMINATIONS, submitted("unit-lag")) for _ in range(3)))
        await metrics.refresh()
        assert value(await _local(), "kczg_consumer_lag_records", **lag) == 3
        deadline = asyncio.get_running_loop().time() + 60
        while len(applied) < 3:
            assert asyncio.get_running_loop().time() < deadline, f"only {len(applied)} of 3 applied in 60 s"
            await consumer.poll_once()
        await metrics.refresh()
        samples = await _local()
        assert value(samples, "kczg_consumer_lag_records", **lag) == 0
        assert len(series(samples, "kczg_consumer_lag_records", **lag)) == NOMINATIONS.partitions
    finally:
        await consumer.stop()
        await producer.stop()
        await pool.close()
    assert series(await _local(), "kczg_consumer_lag_records", consumer="metrics-probe") == []  # gone with it


async def _local():
    from prometheus_client import generate_latest

    return parse(generate_latest().decode())


async def test_quota_and_review_progress_move_with_their_work(review):
    from services.quota.api import app as quota_app

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=quota_app), base_url="http://quota") as quota:
        quota_before, review_before = await scrape(quota), await scrape(review)
        # The review: five screened, a plan, 15 seats scored, the results submitted (in time).
        panel = await _ready(review)
        await score_everything(review, panel)
        assert (await review.post(GREEN + "/results", json={}, headers=as_(review, "review_body", ECO))).status_code == 201
        after = await scrape(review)
        assert moved(after, review_before, "kczg_review_screenings_total", outcome="passed") == 5
        assert moved(after, review_before, "kczg_review_scores_recorded_total", list_code="leading_tech",
                     domain="green_low_carbon") == 15
        assert moved(after, review_before, "kczg_review_results_submitted_total", list_code="leading_tech",
                     domain="green_low_carbon", late="false") == 1
        scores = "/v1/review/campaigns/{campaign}/targets/{list_code}/{domain}/nominations/{nomination_id}/scores"
        assert moved(after, review_before, HTTP, service="review", method="PUT", route=scores, status="200") == 15
        assert value(after, "kczg_dependency_up", service="review", dependency="database") == 1
        # Its views' own series are served beside them (eventlog/projection/metrics.py).
        await wait_for(lambda: _has(review, "kczg_projection_live", projection="review.views"))

        # The quota decider: unit-a's fourth 绿色低碳 nomination is over its quota of 3; a withdrawal frees a slot;
        # a record that is not an event is a dead letter.
        fourth = submission("unit-a")
        held = review.nominations[-1]
        async with LogWriter() as log:
            await log.unit_stream([fourth, NominationWithdrawn(
                nomination_id=held.nomination_id, unit_id=held.unit_id, reason="测试撤回", occurred_at=held.occurred_at,
                campaign=held.campaign, key=unit_key(held.campaign, held.unit_id), actor=held.actor)])
            await log.raw(NOMINATIONS.name, unit_key("kczg-2022", "unit-a").encode(), b"not an event")

        async def decided():
            now = await scrape(quota)
            return (moved(now, quota_before, "kczg_quota_decisions_total", outcome="rejected", reason="over_quota",
                          list_code="leading_tech") == 1
                    and moved(now, quota_before, "kczg_quota_decisions_total", outcome="released",
                              reason="withdrawn") == 1
                    and moved(now, quota_before, "kczg_dead_letters_total", consumer="quota") == 1) and now
        after = await wait_for(decided)
        assert moved(after, quota_before, "kczg_quota_decisions_total", outcome="reserved") == 0
        assert value(after, "kczg_dependency_up", service="quota", dependency="broker") == 1
        # Asked at each scrape: once every committed decision is on the log (the outbox drained), exactly 0.
        await wait_outbox_empty(os.environ["DATABASE_URL"])
        drained = await scrape(quota)
        assert value(drained, "kczg_outbox_pending_rows", schema="quota") == 0
        assert len(series(drained, "kczg_outbox_pending_rows", schema="quota")) == 1
        assert series(after, "kczg_consumer_lag_records", consumer="quota", group=_group("quota"))
        assert (await quota.get("/readyz")).status_code == 200
        assert moved(await scrape(quota), after, HTTP, service="quota", method="GET", route="/readyz", status="200") == 1


async def test_publish_serves_its_views_metrics_and_its_requests(publish_2022):
    client = publish_2022
    before = await scrape(client)
    assert (await client.get("/")).status_code == 303  # the index redirects to the current campaign
    assert (await client.get("/v1/publish/campaigns/kczg-2022/lists")).status_code == 200
    after = await scrape(client)
    assert moved(after, before, HTTP, service="publish", method="GET", route="/", status="303") == 1
    assert moved(after, before, HTTP, service="publish", method="GET",
                 route="/v1/publish/campaigns/{campaign}/lists", status="200") == 1
    assert value(after, "kczg_dependency_up", service="publish", dependency="broker") == 1
    assert series(after, "kczg_outbox_pending_rows", schema="publish")
    await wait_for(lambda: _has(client, "kczg_projection_lag_records", projection="publish.rankings"))


async def _has(client, name: str, **labels: str) -> bool:
    return bool(series(await scrape(client), name, **labels))


def _group(name: str) -> str:
    from eventlog.settings import consumer_group

    return consumer_group(name)


async def test_a_scrape_answers_at_once_while_a_reporter_hangs():
    class Hanging:
        async def report_metrics(self) -> None:
            await asyncio.sleep(3600)

    hanging = Hanging()
    metrics.report_at_scrape(hanging)
    try:
        async with asyncio.timeout(metrics.SCRAPE_TIMEOUT_S + 2):
            await metrics.refresh()
    finally:
        metrics.forget(hanging)
