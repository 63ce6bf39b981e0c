"""Two quota instances and one unit's burst, with the instance deciding it killed (-9) or paused
(SIGSTOP) mid-burst: its partition moves to the other instance, which decides the rest. Which instance
decided what (quota.nominations.decided_by) proves the move happened mid-burst; the outcome is exactly
the unit's stacked limit reserved and every nomination decided once."""

from __future__ import annotations

import asyncio
import collections
import signal

import httpx

from contracts.events import QuotaRejected, QuotaReserved
from contracts.topics import NOMINATIONS
from services.intake.examples import example_form
from tests.integration.quota_support import (
    deciders, decisions_on_the_log, each_holds_partitions, group_holdings, quota_report, start_quota, wait_decided,
    wait_quota,
)
from tests.support.events import LogWriter, open_campaign, register_units, registered, submitted
from tests.support.intake import Keys, wait_for
from tests.support.processes import ServiceProcess, free_port, wait_http_ready

CHANNELS = ("national_society", "provincial_cast")  # two channels x 3 per 先导技术 domain = 6
BURST = 200


def assert_exact_outcome(decisions, ids) -> None:
    assert collections.Counter(e.nomination_id for e in decisions) == {i: 1 for i in ids}
    reserved = [e for e in decisions if isinstance(e, QuotaReserved)]
    assert sorted(e.slot for e in reserved) == [1, 2, 3, 4, 5, 6]
    assert sum(isinstance(e, QuotaRejected) for e in decisions) == len(ids) - 6


async def test_200_concurrent_http_submissions_across_two_instances_one_killed_mid_burst(env, tmp_path):
    keys = Keys(tmp_path)
    await open_campaign()
    await register_units({"unit-2ch": CHANNELS})
    # One decision per transaction: the burst takes long enough to be cut in the middle.
    a = start_quota(env, tmp_path / "quota-a.log", KCZG_INSTANCE="a", QUOTA_MAX_RECORDS="1")
    b = start_quota(env, tmp_path / "quota-b.log", KCZG_INSTANCE="b", QUOTA_MAX_RECORDS="1")
    port = free_port()
    intake = ServiceProcess("services.intake", env, tmp_path / "intake.log", extra_env={
        **keys.env(), "KCZG_CLOCK": "2022-10-15T10:00:00+08:00", "INTAKE_PORT": str(port)}).start()
    base, unit = f"http://127.0.0.1:{port}", keys.headers("unit", "unit-2ch")
    try:
        await asyncio.to_thread(wait_http_ready, base, intake)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            async def unit_known() -> bool:
                return (await client.get("/v1/campaigns/kczg-2022")).json()["registered_units"] >= 1
            await wait_for(unit_known, timeout_s=60, interval_s=0.1)
            # The group settled before the burst: the unit's partition moves only when the victim dies.
            await wait_quota(env["DATABASE_URL"], "the group to settle with partitions on both instances",
                             lambda: each_holds_partitions("a", "b"), a, b, timeout=90)

            async def submit(i: int) -> str:
                form = example_form("leading_tech", domain="biomedicine", technology_name=f"技术{i}")
                body = {"campaign": "kczg-2022", "list_code": "leading_tech", "domain": "biomedicine", "form": form,
                        "opinion": "同意推荐。"}
                for _ in range(5):  # a keyed retry is the same nomination, never a second one
                    try:
                        r = await client.post("/v1/nominations", json=body, headers={**unit, "Idempotency-Key": f"burst-{i:04d}"})
                        assert r.status_code == 202, r.text
                        return r.json()["nomination_id"]
                    except httpx.TransportError:
                        await asyncio.sleep(0.2)
                raise AssertionError("no answer")

            burst = asyncio.gather(*(submit(i) for i in range(BURST)))
            await wait_quota(env["DATABASE_URL"], "the first 10 decisions", lambda: _some_decided(env["DATABASE_URL"]),
                             a, b, timeout=60, interval=0.01)
            first = await deciders(env["DATABASE_URL"])  # the instance holding the unit's partition
            assert len(first) == 1, await quota_report(env["DATABASE_URL"], a, b)
            (owner, _), = first
            victim, survivor = (a, b) if owner == "a" else (b, a)
            victim.kill9()
            ids = await burst
        await wait_decided(env["DATABASE_URL"], BURST, survivor)
    finally:
        for p in (a, b, intake):
            p.stop()
    # The killed instance decided a first part, the survivor the rest: the partition moved mid-burst.
    took_over = await deciders(env["DATABASE_URL"])
    assert [name for name, _ in took_over] == [owner, "b" if owner == "a" else "a"], took_over
    assert all(0 < n < BURST for _, n in took_over) and sum(n for _, n in took_over) == BURST
    assert_exact_outcome(await decisions_on_the_log(), {__import__("uuid").UUID(i) for i in ids})


async def _some_decided(db_url: str) -> bool:
    return sum(n for _, n in await deciders(db_url)) >= 10


async def test_a_paused_instance_resumed_after_its_partitions_moved_decides_nothing_twice(env, tmp_path):
    a = start_quota(env, tmp_path / "quota-a.log", KCZG_INSTANCE="a", QUOTA_MAX_RECORDS="1")
    b = start_quota(env, tmp_path / "quota-b.log", KCZG_INSTANCE="b", QUOTA_MAX_RECORDS="1")
    try:
        # The group settled before the burst: the unit's partition moves only when its holder freezes.
        await wait_quota(env["DATABASE_URL"], "the group to settle with partitions on both instances",
                         lambda: each_holds_partitions("a", "b"), a, b, timeout=90)
        async with LogWriter() as log:
            await log.open_campaign()
            await log.unit_stream([registered("unit-2ch", *CHANNELS)])
            burst = [submitted("unit-2ch") for _ in range(BURST)]
            await log.unit_stream(burst)
        await wait_quota(env["DATABASE_URL"], "the first 10 decisions", lambda: _some_decided(env["DATABASE_URL"]),
                         a, b, timeout=60, interval=0.01)
        first = await deciders(env["DATABASE_URL"])
        assert len(first) == 1, await quota_report(env["DATABASE_URL"], a, b)
        (owner, _), = first
        paused, other = (a, b) if owner == "a" else (b, a)
        paused.proc.send_signal(signal.SIGSTOP)  # frozen, maybe mid-batch: its group session expires
        other_name = "b" if owner == "a" else "a"

        # Its partitions move: the broker's group, settled again, has the other instance alone holding them all.
        # (Whether the other decides before the paused one wakes depends on whether the freeze caught it inside
        # a batch whose offset rows it still locks; the guarantee checked here is that nothing is decided twice.)
        async def moved():
            state, held = await group_holdings()
            return state == "Stable" and set(held) == {other_name} and len(held[other_name]) == NOMINATIONS.partitions
        await wait_quota(env["DATABASE_URL"], f"the paused {owner}'s partitions moving to {other_name}", moved,
                         other, timeout=90, interval=0.2)
        print("while paused, partitions moved:\n" + await quota_report(env["DATABASE_URL"], a, b))  # shown on failure
        paused.proc.send_signal(signal.SIGCONT)  # it wakes with what it held when it froze
        await wait_decided(env["DATABASE_URL"], BURST, a, b)
        # Back in the group: it has tried whatever it had in hand (its first step on waking) and rejoined.
        await wait_quota(env["DATABASE_URL"], f"the woken {owner} back in the group beside {other_name}",
                         lambda: each_holds_partitions("a", "b"), a, b, timeout=90, interval=0.2)
        assert a.alive() and b.alive()
        report = await quota_report(env["DATABASE_URL"], a, b)
    finally:
        for p in (a, b):
            p.stop()
    took_over = await deciders(env["DATABASE_URL"])
    assert took_over[0][0] == owner and sum(n for _, n in took_over) == BURST, f"{took_over}\n{report}"
    assert_exact_outcome(await decisions_on_the_log(), {s.nomination_id for s in burst})
