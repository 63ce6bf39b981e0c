"""The publish API serves the ranking views read-only: filters, paging, progress, metrics, problem+json.
(Here as the secretariat sees them; who else sees what: test_publish_access.py.)"""

from __future__ import annotations

import asyncio
import os
from types import SimpleNamespace
from datetime import datetime, timezone
from uuid import UUID

import asyncpg
import httpx
import pytest

from contracts.events import (
    Actor, FinalDecisionRecorded, NominationScreened, NominationSubmitted, NominationWithdrawn, PrelimScored,
    QuotaRejected, QuotaReserved, UnitRegistered, unit_key,
)
from contracts.campaign.book import CampaignBook
from services.publish import api
from tests.support.intake import Keys, wait_for
from tests.support.kafka import end_offsets, last_record_times
from tests.support.metrics import parse, series, value
from tests.support.processes import ServiceProcess, free_port, wait_http_ready
from tests.support.ranking_log import produce_events

C = "kczg-2022"
N = [UUID(int=i) for i in range(1, 6)]
BIO = dict(list_code="leading_tech", domain="biomedicine")
# unit-a is in two channels: N0 is recommended under both, N1 under one (as the intake records them).
BOTH = dict(channels=("national_society", "provincial_cast"))
ENT = dict(list_code="emerging_enterprise", domain=None)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def on(unit: str, when: str = "2022-10-10T00:00") -> dict:
    return dict(occurred_at=at(when), campaign=C, key=unit_key(C, unit), actor=Actor(role="unit", id=unit))


def review(when: str = "2022-11-20T00:00") -> dict:
    return dict(occurred_at=at(when), campaign=C, key=f"{C}:leading_tech", actor=Actor(role="review_body", id="b"))


def campaign_log() -> list:
    a, b = dict(unit_id="unit-a"), dict(unit_id="unit-b")
    return [
        UnitRegistered(**on("unit-a"), **a, name="甲学会", channels=("national_society", "provincial_cast")),
        UnitRegistered(**on("unit-b"), **b, name="乙园区", channels=("pilot_city_park",)),
        # 23:30 on Oct 31 in Beijing, and 00:30 on Nov 1: two different days there.
        NominationSubmitted(**on("unit-a", "2022-10-31T15:30"), **a, nomination_id=N[0], **BIO, title="基因编辑",
                            **BOTH),
        NominationSubmitted(**on("unit-a", "2022-10-31T16:30"), **a, nomination_id=N[1], **BIO, title="细胞治疗",
                            channels=("provincial_cast",)),
        NominationSubmitted(**on("unit-b", "2022-10-20T02:00"), **b, nomination_id=N[2], **ENT, title="新锐甲"),
        NominationSubmitted(**on("unit-b", "2022-10-20T03:00"), **b, nomination_id=N[3], **ENT, title="新锐乙"),
        QuotaReserved(**on("unit-a"), **a, nomination_id=N[0], **BIO, slot=1, limit=6, used=1),
        QuotaReserved(**on("unit-a"), **a, nomination_id=N[1], **BIO, slot=2, limit=6, used=2),
        QuotaRejected(**on("unit-b"), **b, nomination_id=N[2], **ENT, reason="over_quota", message="名额已满",
                      limit=5, used=5),
        NominationWithdrawn(**on("unit-b"), **b, nomination_id=N[3], reason="撤回"),
        QuotaReserved(**on("unit-b"), **b, nomination_id=N[4], **ENT, slot=1, limit=5, used=1),  # no submission seen
        NominationScreened(**on("unit-a", "2022-11-02T00:00"), **a, nomination_id=N[0], passed=True),
        PrelimScored(**review(), nomination_id=N[0], **BIO, aggregate=91.5, raw_sum=640.5, rank=1, expert_count=7,
                     method="trimmed_mean"),
        PrelimScored(**review(), nomination_id=N[1], **BIO, aggregate=80.0, raw_sum=560.0, rank=2, expert_count=7,
                     method="trimmed_mean"),
        FinalDecisionRecorded(**review("2022-12-10T00:00"), nomination_id=N[0], **BIO, selected=True),
    ]


@pytest.fixture
async def publish(env, tmp_path):
    await produce_events(campaign_log())
    port, keys = free_port(), Keys(tmp_path)
    service = ServiceProcess("services.publish", env, tmp_path / "publish.log",
                             extra_env={"PUBLISH_PORT": str(port), "PUBLISH_METRICS_INTERVAL_S": "0.5",
                                        **keys.env()}).start()
    base = f"http://127.0.0.1:{port}"
    try:
        await asyncio.to_thread(wait_http_ready, base, service)
        async with httpx.AsyncClient(base_url=base, timeout=10,
                                     headers=keys.headers("secretariat", "kczg_secretariat")) as client:
            for _ in range(300):  # the first build and the live view catch up
                r = await client.get("/v1/rankings/nominations", params={"campaign": C})
                if r.status_code == 200 and r.json()["total"] == 4:
                    break
                await asyncio.sleep(0.2)
            else:
                raise AssertionError(f"views never filled: {r.status_code} {r.text}\n{service.log_tail()}")
            yield client
    finally:
        service.stop()


async def ids(client: httpx.AsyncClient, **params) -> list[str]:
    r = await client.get("/v1/rankings/nominations", params={"campaign": C, **params})
    assert r.status_code == 200, r.text
    return [item["nomination_id"] for item in r.json()["items"]]


async def test_filters_paging_and_columns(publish):
    client = publish
    assert await ids(client, list_code="leading_tech", domain="biomedicine") == [str(N[0]), str(N[1])]  # by rank
    assert await ids(client, unit_id="unit-b") == [str(N[2]), str(N[3])]
    assert await ids(client, channel="provincial_cast") == [str(N[0]), str(N[1])]
    assert await ids(client, status="selected") == [str(N[0])]
    assert await ids(client, status="scored") == [str(N[1])]
    assert await ids(client, status="rejected") == [str(N[2])]
    assert await ids(client, status="withdrawn") == [str(N[3])]
    page = (await client.get("/v1/rankings/nominations", params={"campaign": C, "page": 2, "page_size": 3})).json()
    assert (page["total"], len(page["items"]), page["page"]) == (4, 1, 2)
    one = (await client.get(f"/v1/rankings/nominations/{N[0]}")).json()
    assert (one["prelim_aggregate"], one["prelim_rank"], one["selected"], one["quota_slot"]) == (91.5, 1, True, 1)
    assert one["channels"] == ["national_society", "provincial_cast"] and one["unit_name"] == "甲学会"
    assert one["nomination_channels"] == ["national_society", "provincial_cast"]


async def test_campaign_progress_counts_by_beijing_day(publish):
    progress = (await publish.get(f"/v1/campaigns/{C}/progress")).json()
    assert progress["total"] == 4
    assert progress["by_list"] == {"leading_tech": 2, "emerging_enterprise": 2}
    # Each nomination once: N0 (two channels) under "multiple", N1 under its one; unit-b's carried none,
    # so its unit's single channel stands in.
    assert progress["by_channel"] == {"multiple": 1, "provincial_cast": 1, "pilot_city_park": 2}
    assert sum(progress["by_channel"].values()) == progress["total"]
    assert progress["by_status"] == {"selected": 1, "scored": 1, "rejected": 1, "withdrawn": 1}
    assert progress["submissions_per_day"] == [{"date": "2022-10-20", "count": 2}, {"date": "2022-10-31", "count": 1},
                                               {"date": "2022-11-01", "count": 1}]


async def test_bad_requests_get_problem_json_in_chinese(publish):
    r = await publish.get("/v1/rankings/nominations", params={"status": "best_status"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "unknown_status" and "未知状态" in r.json()["detail"]
    # A list code no campaign has is a filter that matches nothing (issue 18: a query the schema allows)
    r = await publish.get("/v1/rankings/nominations", params={"list_code": "best_list"})
    assert (r.status_code, r.json()) == (200, {"items": [], "page": 1, "page_size": 50, "total": 0})
    r = await publish.get("/v1/rankings/nominations", params={"page_size": 1000})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "page_size"
    r = await publish.get(f"/v1/rankings/nominations/{N[4]}")  # a decision whose submission never came
    assert r.status_code == 404 and r.json()["code"] == "nomination_not_found"
    assert (await publish.get("/v1/rankings/nominations/not-a-uuid")).status_code == 422


async def test_metrics_show_each_partitions_lag(publish):
    async def caught_up():  # live, and every partition's lag 0 — or the wait fails, saying what it saw
        samples = parse((await publish.get("/metrics")).text)
        lags = [v for (n, ls), v in samples.items()
                if n == "kczg_projection_lag_records" and ("projection", "publish.rankings") in ls]
        return samples if value(samples, "kczg_projection_live", projection="publish.rankings") == 1 and lags \
            and not any(lags) else None
    samples = await wait_for(caught_up, timeout_s=30, interval_s=0.2)
    text = (await publish.get("/metrics")).text
    assert 'kczg_projection_lag_records{partition="0",projection="publish.rankings"' in text
    assert "kczg_projection_last_record_timestamp_seconds" in text
    # Each partition of each topic it reads: the next offset it will apply is the log's end, the lag the
    # difference (0), and the last record's time that of the log's last record there.
    shown = series(samples, "kczg_projection_lag_records", projection="publish.rankings")
    topics = {s["topic"] for s in shown}
    assert {t.removeprefix(os.environ["KCZG_TOPIC_PREFIX"]) for t in topics} >= {"kczg.nominations", "kczg.quota",
                                                                                   "kczg.review"}, topics
    for topic in topics:
        ends, times = await end_offsets(topic), await last_record_times(topic)
        assert {int(s["partition"]) for s in shown if s["topic"] == topic} == set(ends), topic
        for partition, end in ends.items():
            labels = {"projection": "publish.rankings", "topic": topic, "partition": str(partition)}
            assert value(samples, "kczg_projection_end_offset", **labels) == end, labels
            assert value(samples, "kczg_projection_next_offset", **labels) == end, labels
            assert value(samples, "kczg_projection_lag_records", **labels) == 0, labels
            if partition in times:
                assert value(samples, "kczg_projection_last_record_timestamp_seconds", **labels) == \
                    pytest.approx(times[partition], abs=0.001), labels


async def test_a_view_not_built_yet_answers_503(env, tmp_path):
    keys = Keys(tmp_path)
    app = api.create_app(verifier=keys.verifier())  # its lifespan not run: no view was ever built
    app.state.service.pool = await asyncpg.create_pool(env["DATABASE_URL"], min_size=1, max_size=1)
    app.state.service.campaigns = SimpleNamespace(book=CampaignBook())
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            r = await client.get("/v1/rankings/nominations", headers=keys.headers("secretariat", "kczg_secretariat"))
        assert r.status_code == 503 and r.json()["code"] == "views_building"
    finally:
        await app.state.service.pool.close()
