"""SIGKILL of a quota instance at random moments of a 10,000-nomination stream, five times over."""

from __future__ import annotations

import asyncio
import collections
import random

import asyncpg

from contracts.events import QuotaReleased, QuotaReserved
from tests.integration.quota_support import (
    decided, decisions_on_the_log, reserved_per_unit, start_quota, wait_decided, wait_outbox_empty,
)
from tests.support.events import LogWriter, registered, submitted, withdrawn

UNITS = [f"unit-{i}" for i in range(100)]
# Half the units are in one channel (5 新锐 slots), half in two (10).
CHANNELS = {u: ("national_society",) if i % 2 else ("national_society", "provincial_cast")
            for i, u in enumerate(UNITS)}
PER_UNIT = 100           # 100 units x 100 nominations = 10,000
KILLS = 5


async def test_sigkill_five_times_mid_stream_leaves_one_decision_each_and_exact_usage(env, tmp_path):
    rnd = random.Random(20221031)
    nominations = [submitted(u, "emerging_enterprise", None) for u in UNITS for _ in range(PER_UNIT)]
    rnd.shuffle(nominations)
    # A withdrawal of each unit's first nomination rides along; it frees a slot only if that one held it.
    firsts = {}
    for n in nominations:
        firsts.setdefault(n.unit_id, n)

    quota = start_quota(env, tmp_path / "quota-0.log", QUOTA_MAX_RECORDS="200")
    async with LogWriter() as log:
        await log.open_campaign()
        await log.unit_stream([registered(u, *CHANNELS[u]) for u in UNITS])
        producer = asyncio.create_task(_produce(log, nominations, list(firsts.values())))
        for k in range(1, KILLS + 1):
            # Kill at a random point while decisions are flowing.
            target = rnd.randint(k * 1500, k * 1500 + 1000)
            while await decided(env["DATABASE_URL"]) < target:
                await asyncio.sleep(0.02)
            quota.kill9()
            quota = start_quota(env, tmp_path / f"quota-{k}.log", QUOTA_MAX_RECORDS="200")
        await producer
    try:
        await wait_decided(env["DATABASE_URL"], len(nominations), quota)
        await wait_outbox_empty(env["DATABASE_URL"])
    finally:
        quota.stop()

    decisions = await decisions_on_the_log()
    decided_once = collections.Counter(e.nomination_id for e in decisions if not isinstance(e, QuotaReleased))
    assert decided_once == {n.nomination_id: 1 for n in nominations}
    # usage = reserved - released, and equals what the quota tables hold, for every unit
    usage = reserved_per_unit(decisions)
    held = await _held_per_unit(env["DATABASE_URL"])
    assert usage == held
    limits = {u: 5 * len(CHANNELS[u]) for u in UNITS}
    released = collections.Counter(e.unit_id for e in decisions if isinstance(e, QuotaReleased))
    for u in UNITS:
        assert usage[u] <= limits[u]
        assert released[u] <= 1
    reserved = collections.Counter(e.unit_id for e in decisions if isinstance(e, QuotaReserved))
    assert all(reserved[u] - released[u] == usage[u] for u in UNITS)


async def _produce(log: LogWriter, nominations, withdraw_targets) -> None:
    for i in range(0, len(nominations), 250):
        await log.unit_stream(nominations[i:i + 250])
        if i == 2500:
            await log.unit_stream([withdrawn(n) for n in withdraw_targets])
        await asyncio.sleep(0.05)  # a stream, not one burst: kills land between and inside batches


async def _held_per_unit(db_url: str) -> collections.Counter:
    conn = await asyncpg.connect(db_url)
    try:
        rows = await conn.fetch("SELECT unit_id, count(*) AS n FROM quota.holders GROUP BY unit_id")
    finally:
        await conn.close()
    return collections.Counter({r["unit_id"]: r["n"] for r in rows})
