"""SIGKILL of a quota instance at random moments of a 4,000-nomination stream, five times over."""

from __future__ import annotations

import asyncio
import collections
import random

import asyncpg

from contracts.events import QuotaReleased
from services.quota.domain import QuotaRules, QuotaState, decide, evolve
from tests.integration.quota_support import (
    decided_at_least, decisions_on_the_log, reserved_per_unit, start_quota, wait_decided, wait_outbox_empty, wait_quota,
)
from tests.support.events import CAMPAIGN, LogWriter, registered, submitted, withdrawn
from tests.support.state import assert_state_equals_replay

UNITS = [f"unit-{i}" for i in range(100)]
# Half the units are in one channel (5 新锐 slots), half in two (10).
CHANNELS = {u: ("national_society",) if i % 2 else ("national_society", "provincial_cast")
            for i, u in enumerate(UNITS)}
PER_UNIT = 40            # 100 units x 40 nominations = 4,000: each unit past its 5 or 10 slots
KILLS = 5
WITHDRAWALS_AFTER = 1250  # the withdrawals go on the log after this many nominations (a multiple of 250)


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
            target = rnd.randint(k * 600, k * 600 + 400)
            await wait_quota(env["DATABASE_URL"], f"{target} decided before kill {k}",
                             lambda: decided_at_least(env["DATABASE_URL"], target), quota, timeout=180, interval=0.02)
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
    # The exact outcome: what the pure rule decides over each unit's stream in the order it was produced
    # (one unit's events share a partition), five kills or none.
    expected = _decided_without_faults(nominations, list(firsts.values()))
    assert {e.nomination_id: type(e).__name__ for e in decisions if not isinstance(e, QuotaReleased)} == {
        e.nomination_id: type(e).__name__ for e in expected if not isinstance(e, QuotaReleased)}
    assert sorted(e.nomination_id for e in decisions if isinstance(e, QuotaReleased)) == sorted(
        e.nomination_id for e in expected if isinstance(e, QuotaReleased))
    # usage = reserved - released, equal to what the quota tables hold: every unit at its stacked limit
    usage = reserved_per_unit(decisions)
    assert usage == reserved_per_unit(expected) == await _held_per_unit(env["DATABASE_URL"])
    assert usage == {u: 5 * len(CHANNELS[u]) for u in UNITS}
    # The service's own tables, as well as its views, equal a replay of the log.
    await assert_state_equals_replay("quota")


def _decided_without_faults(nominations, withdraw_targets) -> list:
    """The decisions of one uninterrupted run, by the domain itself over the production order."""
    rules = QuotaRules(CAMPAIGN)
    state, out = QuotaState(), []
    stream = [registered(u, *CHANNELS[u]) for u in UNITS] + nominations[:WITHDRAWALS_AFTER]
    stream += [withdrawn(n) for n in withdraw_targets] + nominations[WITHDRAWALS_AFTER:]
    for event in stream:
        state = evolve(state, event)
        for decision in decide(state, event, rules):
            state = evolve(state, decision)
            out.append(decision)
    return out


async def _produce(log: LogWriter, nominations, withdraw_targets) -> None:
    for i in range(0, len(nominations), 250):
        await log.unit_stream(nominations[i:i + 250])
        if i + 250 == WITHDRAWALS_AFTER:
            await log.unit_stream([withdrawn(n) for n in withdraw_targets])
        await asyncio.sleep(0.05)  # a stream, not one burst: kills land between and inside batches


async def _held_per_unit(db_url: str) -> collections.Counter:
    conn = await asyncpg.connect(db_url)
    try:
        rows = await conn.fetch("SELECT unit_id, count(*) AS n FROM quota.holders GROUP BY unit_id")
    finally:
        await conn.close()
    return collections.Counter({r["unit_id"]: r["n"] for r in rows})
