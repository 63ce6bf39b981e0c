"""SIGKILL of the review service in the middle of a stream of 2,000 scores (each under its own
Idempotency-Key, retried by the client when it got no answer): every acknowledged score is on the log
exactly once, none twice, the write side holds each seat's last score, and `kczg projections verify`
finds the review views equal to a rebuild."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal

import asyncpg
import httpx
import orjson

from contracts.events import ExpertScoreRecorded
from contracts.topics import REVIEW
from tests.integration.quota_support import start_quota
from tests.support.events import open_campaign
from tests.support.intake import Keys, events_of, wait_for
from tests.support.kafka import read_topic
from tests.support.processes import ROOT, ServiceProcess, free_port, stop_all, wait_http_ready
from tests.support.review import MATERIALS, plan_body, put_nominations, roster, view_count, views_show
from tests.support.state import assert_state_equals_replay

NOMINATIONS_ = 100
REQUEST_DEADLINE_S = 180  # one score's retries, all told (the restart included)
SCORES = 2000  # about three revisions of each of the 700 seats
KILL_AFTER = 600
TARGET = "/v1/review/campaigns/kczg-2022/targets/leading_tech/advanced_materials"


def start_review(env, keys: Keys, log) -> tuple[ServiceProcess, str]:
    port = free_port()
    review = ServiceProcess("services.review", env, log, extra_env={
        **keys.env(), "KCZG_CLOCK": "2022-11-10T10:00:00+08:00", "REVIEW_PORT": str(port)}).start()
    return review, f"http://127.0.0.1:{port}"


def kczg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kczg.cli", *args], cwd=ROOT, env={**os.environ, "COLUMNS": "200"},
                          capture_output=True, text=True, timeout=300)


async def test_sigkill_of_review_mid_stream_counts_every_acknowledged_score_once(env, tmp_path):
    keys = Keys(tmp_path)
    await open_campaign()
    await put_nominations({f"unit-{u}": 2 for u in range(NOMINATIONS_ // 2)}, domain="advanced_materials")
    quota = start_quota(env, tmp_path / "quota.log", **keys.env())
    review, base = start_review(env, keys, tmp_path / "review.log")
    body = keys.headers("review_body", MATERIALS)
    try:
        await asyncio.to_thread(wait_http_ready, base, review)
        await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.nominations "
                         "WHERE quota_outcome = 'reserved'", NOMINATIONS_)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            secretariat = keys.headers("secretariat", "kczg_secretariat")
            ids = [i["nomination_id"] for i in (await client.get(
                "/v1/review/campaigns/kczg-2022/screening?page_size=100", headers=secretariat)).json()["items"]]
            for nid in ids:
                assert (await client.post(f"/v1/review/nominations/{nid}/screening", json={"passed": True},
                                          headers=secretariat)).status_code == 201
            await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.nominations WHERE in_review",
                             NOMINATIONS_)
            assert (await client.put(TARGET + "/plan", json=plan_body(roster(20), per_item=7), headers=body)).status_code == 201
            assert (await client.post(TARGET + "/assignments/auto", json={}, headers=body)).status_code == 200
            await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.panel WHERE active",
                             NOMINATIONS_ * 7)
            items = (await client.get(TARGET + "?page_size=100", headers=body)).json()["nominations"]["items"]
        seats = [(i["nomination_id"], e) for i in items for e in i["experts"]]
        # Each seat revises its score in turn: request k of a seat scores innovation 40 + k (never equal twice).
        plan = [(seat, k) for k in range(SCORES // len(seats) + 1) for seat in seats][:SCORES]
        acked: dict[str, tuple[str, str, Decimal]] = {}   # idempotency key -> (nomination, expert, total)
        sent: dict[str, dict[str, Decimal]] = {}            # idempotency key -> the scores it sent

        async def send(client_base: list[str], seat_requests: list[tuple]) -> None:
            async with httpx.AsyncClient(timeout=15) as client:
                for (nid, expert), k in seat_requests:
                    key = f"score-{nid[:8]}-{expert}-{k:03d}"
                    scores = {"innovation": str(40 + k), "advancement": "80", "industrial_value": "80",
                              "social_benefit": "80"}
                    sent[key] = {c: Decimal(v) for c, v in scores.items()}
                    deadline = time.monotonic() + REQUEST_DEADLINE_S
                    while True:  # no answer (the service died, or is restarting): retry under the same key
                        assert time.monotonic() < deadline, f"{key}: no answer within {REQUEST_DEADLINE_S} s"
                        try:
                            r = await client.put(f"{client_base[0]}{TARGET}/nominations/{nid}/scores",
                                                 json={"scores": scores},
                                                 headers={**keys.headers("expert", MATERIALS, sub=expert),
                                                          "Idempotency-Key": key})
                        except httpx.TransportError:
                            await asyncio.sleep(0.2)
                            continue
                        if r.status_code == 503:
                            await asyncio.sleep(0.2)
                            continue
                        assert r.status_code == 200, r.text
                        acked[key] = (nid, expert, Decimal(r.json()["total"]))
                        break

        by_seat: dict[tuple, list] = {}
        for seat, k in plan:
            by_seat.setdefault(seat, []).append((seat, k))
        lanes = [[] for _ in range(32)]  # 32 clients; one seat's requests stay in order in one lane
        for i, requests in enumerate(by_seat.values()):
            lanes[i % 32].extend(requests)
        current = [base]
        senders = asyncio.gather(*(send(current, lane) for lane in lanes))

        async def enough_acked() -> bool:
            if senders.done():  # a lane failed (or all finished) before the kill: say why
                senders.result()
                raise AssertionError(f"the stream ended at {len(acked)} acked, before the kill at {KILL_AFTER}")
            return len(acked) >= KILL_AFTER
        await wait_for(enough_acked, timeout_s=300, interval_s=0.02)
        review.kill9()
        killed_at, kill_time = len(acked), time.monotonic()
        review, current[0] = start_review(env, keys, tmp_path / "review2.log")
        await asyncio.to_thread(wait_http_ready, current[0], review)
        restart_s = time.monotonic() - kill_time
        await senders
    finally:
        stop_all([review, quota])

    print(f"\nreview killed at {killed_at:,} of {SCORES:,} scores acknowledged; answering again after {restart_s:.1f} s")
    assert killed_at < SCORES, "the kill must land mid-stream"
    assert len(acked) == SCORES
    recorded = events_of(await read_topic(REVIEW.name), ExpertScoreRecorded)
    distinct = {e.event_id: e for e in recorded}
    # Every acknowledged score once: one event per request, none for a request twice.
    assert len(distinct) == SCORES
    assert Counter((str(e.nomination_id), e.expert_id, e.total) for e in distinct.values()) == Counter(acked.values())
    # ...with the values each request sent (innovation 40 + k tells a seat's requests apart) and the total it was
    # answered with.
    assert Counter((str(e.nomination_id), e.expert_id, e.total, _points(e.scores)) for e in distinct.values()) == \
        Counter((*acked[key], _points(sent[key])) for key in acked)
    # The write side holds each seat's last score; the views equal a rebuild from offset 0.
    last = {(n, e): t for n, e, t in acked.values()}  # requests of one seat were acked in order
    assert await view_count(env["DATABASE_URL"], "SELECT count(*) FROM review.scores") == len(last)
    last_sent = {}
    for key, (n, e, t) in acked.items():  # keys of one seat sort in request order (k is zero-padded)
        if key >= last_sent.get((n, e), ("",))[0]:
            last_sent[(n, e)] = (key, t, _points(sent[key]))
    conn = await asyncpg.connect(env["DATABASE_URL"])
    try:
        held = {(str(r["nomination_id"]), r["expert_id"]): (Decimal(str(r["total"])), _points(orjson.loads(r["scores"])))
                for r in await conn.fetch("SELECT nomination_id, expert_id, total, scores::text FROM review.scores")}
    finally:
        await conn.close()
    assert held == {seat: (t, points) for seat, (_, t, points) in last_sent.items()}
    assert {seat: t for seat, (_, t, _) in last_sent.items()} == last
    await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.panel WHERE scored_at IS NOT NULL", len(last))
    verified = await asyncio.to_thread(kczg, "projections", "verify", "review.views")
    assert verified.returncode == 0 and "identical" in verified.stdout, verified.stdout + verified.stderr
    # The service's own tables, as well as its views, equal a replay of the log.
    await assert_state_equals_replay("review")


def _points(scores: dict) -> frozenset:
    """A score sheet compared by value: each criterion's points as an exact decimal."""
    return frozenset((c, Decimal(str(v))) for c, v in scores.items())
