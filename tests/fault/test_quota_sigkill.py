"""SIGKILL of the quota service in the middle of 1,000 submissions loses nothing and doubles nothing."""

from __future__ import annotations

import asyncio
import collections

import asyncpg
import httpx

from contracts.events import QuotaRejected, QuotaReserved
from contracts.topics import QUOTA
from services.intake.examples import example_form
from tests.support.intake import Keys, distinct_events
from tests.support.events import open_campaign, register_units
from tests.support.kafka import read_topic
from tests.support.processes import ServiceProcess, free_port, stop_all, wait_http_ready
from tests.support.state import assert_state_equals_replay

UNITS = 50
PER_UNIT = 20
LIMIT = 3


async def decided_count(db_url: str) -> int:
    conn = await asyncpg.connect(db_url)
    try:
        return await conn.fetchval("SELECT count(*) FROM intake.nomination_status WHERE decision IS NOT NULL")
    finally:
        await conn.close()


def body(i: int) -> dict:
    # 先导技术榜 counts per domain: a unit in one channel has LIMIT (3) slots in 生物医药.
    form = example_form("leading_tech", domain="biomedicine", technology_name=f"技术{i}")
    return {"campaign": "kczg-2022", "list_code": "leading_tech", "domain": "biomedicine", "form": form,
            "opinion": "同意推荐。"}


async def test_sigkill_of_quota_mid_stream_loses_and_doubles_no_decision(env, tmp_path):
    keys = Keys(tmp_path)
    await open_campaign()
    await register_units({f"unit-{u}": ("provincial_cast",) for u in range(UNITS)})
    port = free_port()
    common = {**keys.env(), "KCZG_CLOCK": "2022-10-15T10:00:00+08:00"}
    intake = ServiceProcess("services.intake", env, tmp_path / "intake.log",
                            extra_env={**common, "INTAKE_PORT": str(port)}).start()
    quota_env = {**common, "QUOTA_FIXED_LIMIT": str(LIMIT), "QUOTA_MAX_RECORDS": "50", "QUOTA_PORT": str(free_port())}
    quota = ServiceProcess("services.quota", env, tmp_path / "quota.log", extra_env=quota_env).start()
    base = f"http://127.0.0.1:{port}"
    try:
        await asyncio.to_thread(wait_http_ready, base, intake)
        tokens = {u: keys.headers("unit", f"unit-{u}") for u in range(UNITS)}

        # 1,000 submissions from 50 units, 20 each, posted concurrently.
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            deadline = asyncio.get_running_loop().time() + 60
            while (seen := (await client.get("/v1/campaigns/kczg-2022")).json()["registered_units"]) < UNITS:
                assert asyncio.get_running_loop().time() < deadline, f"intake saw {seen} of {UNITS} units registered"
                await asyncio.sleep(0.1)  # the intake learns the registry from the log
            in_flight = asyncio.Semaphore(20)

            async def submit(i: int) -> str:
                # A keep-alive connection the server just closed fails the send; the Idempotency-Key
                # makes the retry safe: the same nomination, never a second one.
                headers = {**tokens[i % UNITS], "Idempotency-Key": f"sigkill-{i}"}
                async with in_flight:
                    for attempt in range(3):
                        try:
                            r = await client.post("/v1/nominations", json=body(i), headers=headers)
                            break
                        except httpx.TransportError:
                            if attempt == 2:
                                raise
                assert r.status_code == 202, r.text
                return r.json()["nomination_id"]

            sender = asyncio.gather(*(submit(i) for i in range(UNITS * PER_UNIT)))

            # Kill the quota service once it has decided some but not all.
            deadline = asyncio.get_running_loop().time() + 120
            while (n := await decided_count(env["DATABASE_URL"])) < 100:
                if sender.done():
                    sender.result()  # a submission failed: say so instead of waiting for decisions forever
                assert asyncio.get_running_loop().time() < deadline and quota.alive(), (
                    f"only {n} of 100 decided before the kill (quota {'alive' if quota.alive() else 'exited'})\n"
                    f"{quota.log_tail()}")
                await asyncio.sleep(0.05)
            quota.kill9()
            killed_at = await decided_count(env["DATABASE_URL"])
            ids = await sender

        # Restart it; it must finish the stream from its stored offsets.
        quota = ServiceProcess("services.quota", env, tmp_path / "quota2.log", extra_env=quota_env).start()
        deadline = asyncio.get_running_loop().time() + 120
        while (n := await decided_count(env["DATABASE_URL"])) < len(ids):
            assert asyncio.get_running_loop().time() < deadline, f"only {n} of {len(ids)} decided\n{quota.log_tail()}"
            await asyncio.sleep(0.2)
    finally:
        stop_all([intake, quota])

    assert killed_at < len(ids), "the kill must land mid-stream for this test to mean anything"
    # A re-published outbox row repeats the same event id, byte for byte; there is never a second, different
    # decision under one id (distinct_events fails on it).
    distinct = {e.event_id: e for e in distinct_events(await read_topic(QUOTA.name), QuotaReserved, QuotaRejected)}
    per_nomination = collections.Counter(e.nomination_id for e in distinct.values())
    assert set(map(str, per_nomination)) == set(ids)
    assert set(per_nomination.values()) == {1}
    reserved = collections.Counter(e.unit_id for e in distinct.values() if isinstance(e, QuotaReserved))
    assert reserved == {f"unit-{u}": LIMIT for u in range(UNITS)}
    # The service's own tables, as well as its views, equal a replay of the log.
    await assert_state_equals_replay("quota")
