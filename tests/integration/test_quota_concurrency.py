"""Stacked quotas hold under a concurrent burst, with one instance and with two and a rebalance."""

from __future__ import annotations

import asyncio
import collections

from contracts.events import QuotaRejected, QuotaReserved
from tests.integration.quota_support import (
    decided_at_least, deciders, decisions_on_the_log, each_holds_partitions, quota_report, start_quota, wait_decided,
    wait_quota,
)
from tests.support.events import LogWriter, registered, submitted

CHANNELS = ("national_society", "provincial_cast", "pilot_city_park")  # 3 channels x 3 per domain = 9


async def test_a_unit_in_three_channels_gets_exactly_nine_slots_from_200_concurrent_nominations(env, tmp_path):
    quota = start_quota(env, tmp_path / "quota.log")
    try:
        async with LogWriter() as log:
            await log.open_campaign()
            await log.unit_stream([registered("unit-3ch", *CHANNELS)])
            burst = [submitted("unit-3ch") for _ in range(200)]
            # 200 producers at once, as 200 concurrent requests would.
            await asyncio.gather(*(log.unit_stream([s]) for s in burst))
        await wait_decided(env["DATABASE_URL"], 200, quota)
    finally:
        quota.stop()
    decisions = await decisions_on_the_log()
    reserved = [e for e in decisions if isinstance(e, QuotaReserved)]
    rejected = [e for e in decisions if isinstance(e, QuotaRejected)]
    assert len(reserved) == 9 and sorted(e.slot for e in reserved) == list(range(1, 10))
    assert len(rejected) == 191 and {e.reason for e in rejected} == {"over_quota"}
    assert collections.Counter(e.nomination_id for e in decisions) == {s.nomination_id: 1 for s in burst}


async def test_two_instances_and_a_rebalance_mid_burst_change_nothing(env, tmp_path):
    db = env["DATABASE_URL"]
    units = [f"unit-{i}" for i in range(24)]  # spread over all six partitions
    # One decision per transaction: the burst lasts long enough for the second instance to join inside it.
    first = start_quota(env, tmp_path / "quota-a.log", QUOTA_MAX_RECORDS="1", KCZG_INSTANCE="a")
    second = None
    try:
        async with LogWriter() as log:
            await log.open_campaign()
            await log.unit_stream([registered(u, *CHANNELS) for u in units])
            burst = [submitted(u) for u in units for _ in range(20)]
            await log.unit_stream(burst[: len(burst) // 2])
            # A second instance joins mid-burst: the group rebalances while the first is deciding...
            await wait_quota(db, "the first instance's first 30 decisions", lambda: decided_at_least(db, 30), first,
                             timeout=90)
            second = start_quota(env, tmp_path / "quota-b.log", QUOTA_MAX_RECORDS="1", KCZG_INSTANCE="b")
            # (only a cue to go on — the group, as the broker has it, split between the two; the evidence
            # is who decided what, below)
            await wait_quota(db, "the group to settle with partitions on both instances",
                             lambda: each_holds_partitions("a", "b"), first, second, timeout=90)
            # ...and the burst goes on.
            await log.unit_stream(burst[len(burst) // 2:])
        await wait_decided(db, len(burst), first, second)
        took_over = await deciders(db)
        report = await quota_report(db, first, second)
    finally:
        first.stop()
        if second:
            second.stop()
    decisions = await decisions_on_the_log()
    assert collections.Counter(e.nomination_id for e in decisions) == {s.nomination_id: 1 for s in burst}
    reserved = collections.Counter(e.unit_id for e in decisions if isinstance(e, QuotaReserved))
    assert reserved == {u: 9 for u in units}
    # Both instances decided part of the burst, the first one first: the rebalance happened mid-burst.
    assert [name for name, _ in took_over] == ["a", "b"] and sum(n for _, n in took_over) == len(burst), report
