"""Poison goes to the dead-letter topic and decisions go on; a redelivered log changes nothing."""

from __future__ import annotations

import asyncpg
import orjson

from contracts.events import QuotaReserved
from contracts.topics import DEADLETTER, NOMINATIONS
from tests.integration.quota_support import (
    decided, decisions_on_the_log, start_quota, wait_caught_up, wait_decided,
)
from tests.support.events import LogWriter, registered, submitted
from tests.support.kafka import read_topic


async def test_poison_goes_to_the_dead_letter_topic_with_its_reason_and_decisions_continue(env, tmp_path):
    quota = start_quota(env, tmp_path / "quota.log")
    unit = "unit-p"
    stranger = submitted(unit).model_copy(update={"campaign": "kczg-1999"})
    try:
        async with LogWriter() as log:
            await log.open_campaign()
            await log.unit_stream([registered(unit, "national_society")])
            key = f"kczg-2022:{unit}".encode()
            await log.raw(NOMINATIONS.name, key, b"\x00\xffnot json")
            await log.raw(NOMINATIONS.name, key, orjson.dumps({"type": "NominationTeleported", "x": 1}))
            await log.unit_stream([stranger])
            good = submitted(unit)
            await log.unit_stream([good])
        await wait_decided(env["DATABASE_URL"], 1, quota)
    finally:
        quota.stop()
    letters = [orjson.loads(v) for v in await read_topic(DEADLETTER.name)]
    reasons = sorted(letter["reason"].split(":")[0] for letter in letters)
    assert reasons == ["undecodable", "undecodable", "unknown campaign"]
    assert {letter["topic"] for letter in letters} == {NOMINATIONS.name}
    assert any("NominationTeleported" in letter["reason"] for letter in letters)
    decisions = await decisions_on_the_log()
    assert [d.nomination_id for d in decisions] == [good.nomination_id]
    assert isinstance(decisions[0], QuotaReserved)


async def test_a_redelivered_log_changes_nothing(env, tmp_path):
    unit = "unit-r"
    async with LogWriter() as log:
        await log.open_campaign()
        burst = [submitted(unit) for _ in range(5)]
        # The same event twice on the log (a producer retry after a lost ack looks like this).
        await log.unit_stream([registered(unit, "national_society"), *burst, burst[0], burst[3]])
    quota = start_quota(env, tmp_path / "quota-1.log")
    try:
        await wait_decided(env["DATABASE_URL"], 5, quota)
    finally:
        quota.stop()
    before = await decisions_on_the_log()
    # Forget every stored offset: the whole log is delivered again.
    conn = await asyncpg.connect(env["DATABASE_URL"])
    try:
        await conn.execute("DELETE FROM eventlog.consumer_offsets")
    finally:
        await conn.close()
    quota = start_quota(env, tmp_path / "quota-2.log")
    try:
        await wait_caught_up(env["DATABASE_URL"], "quota", NOMINATIONS.name)
        assert await decided(env["DATABASE_URL"]) == 5
    finally:
        quota.stop()
    after = await decisions_on_the_log()
    assert len(before) == 5 and sorted(e.event_id for e in after) == sorted(e.event_id for e in before)
    assert sum(isinstance(e, QuotaReserved) for e in after) == 3
