"""The unit of work's guarantees (eventlog/write/unit_of_work.py, eventlog/write/outbox.py), against the real broker
and database, through one real service's commands (quota's registry):

- killed (-9) between commit and publish, the relay publishes every committed event exactly once;
- the same command twice under one Idempotency-Key (in turn or at once) makes one event, and the
  retry gets the first answer;
- a refusal changes nothing and puts nothing on the log.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter

import asyncpg
import httpx

from contracts.events import UnitRegistered, decode_event
from contracts.topics import NOMINATIONS
from tests.integration.quota_support import start_quota, wait_outbox_empty
from tests.support.events import LogWriter
from tests.support.intake import Keys, wait_for
from tests.support.kafka import read_topic
from tests.support.processes import ROOT, wait_http_ready

HELD = 40


async def registrations() -> list[UnitRegistered]:
    return [e for e in map(decode_event, await read_topic(NOMINATIONS.name)) if isinstance(e, UnitRegistered)]


async def test_killed_between_commit_and_publish_the_relay_publishes_each_event_once(env, tmp_path):
    async with LogWriter() as log:
        await log.open_campaign()
    # A process commits 40 registrations through the unit of work and is held before publishing them.
    holder = subprocess.Popen([sys.executable, "-m", "tests.support.held_publish", str(HELD)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    conn = await asyncpg.connect(env["DATABASE_URL"])
    try:
        async def all_committed():
            try:
                return await conn.fetchval("SELECT count(*) FROM quota.outbox") == HELD
            except asyncpg.UndefinedTableError:
                return False
        await wait_for(all_committed, timeout_s=60)
        assert await conn.fetchval("SELECT count(*) FROM quota.registry") == HELD  # state and outbox together
        holder.kill()  # SIGKILL
        holder.wait(timeout=10)
        assert await registrations() == []  # committed, answered nothing, published nothing
        staged = {bytes(r["value"]) for r in await conn.fetch("SELECT value FROM quota.outbox")}
        # The quota service starts, and its relay publishes what the dead process left.
        keys = Keys(tmp_path)
        quota = start_quota(env, tmp_path / "quota.log", **keys.env())
        try:
            await asyncio.to_thread(wait_http_ready, f"http://127.0.0.1:{quota.extra_env['QUOTA_PORT']}", quota)
            await wait_outbox_empty(env["DATABASE_URL"])
            await asyncio.sleep(2.5)  # past the relay's grace: a second round would have published again
        finally:
            quota.stop()
    finally:
        await conn.close()
    published = await registrations()
    counts = Counter(e.event_id for e in published)
    assert len(counts) == HELD and set(counts.values()) == {1}
    assert {e.unit_id for e in published} == {f"held-{i:03d}" for i in range(HELD)}
    assert {decode_event(v).event_id for v in staged} == set(counts)


async def test_the_same_command_twice_under_one_key_makes_one_event(env, tmp_path):
    keys = Keys(tmp_path)
    quota = start_quota(env, tmp_path / "quota.log", **keys.env())
    base = f"http://127.0.0.1:{quota.extra_env['QUOTA_PORT']}"
    secretariat = keys.headers("secretariat", "kczg_secretariat")
    try:
        await asyncio.to_thread(wait_http_ready, base, quota)
        async with LogWriter() as log:
            await log.open_campaign()
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            url = "/v1/campaigns/kczg-2022/units"
            body = {"unit_id": "u-once", "name": "一次学会", "channels": ["national_society"]}
            keyed = {**secretariat, "Idempotency-Key": "register-u-once-1"}
            first = await http.post(url, json=body, headers=keyed)
            again = await http.post(url, json=body, headers=keyed)
            assert (first.status_code, again.status_code) == (201, 201)
            assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
            # Five at once under another key, for another unit: one of them decides, the rest replay it.
            other = {"unit_id": "u-race", "name": "并发学会", "channels": ["national_society"]}
            raced = await asyncio.gather(*(http.post(url, json=other, headers={**secretariat,
                                                                                 "Idempotency-Key": "register-race-1"})
                                           for _ in range(5)))
            assert {r.status_code for r in raced} == {201} and len({r.content for r in raced}) == 1
            # The key with another body is refused, and changes nothing.
            reused = await http.post(url, json={**body, "name": "别的学会"}, headers=keyed)
            assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    finally:
        quota.stop()
    published = await registrations()
    assert sorted(e.unit_id for e in published) == ["u-once", "u-race"]
    assert str(published[0].event_id) in (first.json()["event_id"], raced[0].json()["event_id"])


async def test_a_refusal_changes_nothing_and_publishes_nothing(env, tmp_path):
    keys = Keys(tmp_path)
    quota = start_quota(env, tmp_path / "quota.log", **keys.env())
    base = f"http://127.0.0.1:{quota.extra_env['QUOTA_PORT']}"
    secretariat = keys.headers("secretariat", "kczg_secretariat")
    try:
        await asyncio.to_thread(wait_http_ready, base, quota)
        async with LogWriter() as log:
            await log.open_campaign()
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            url = "/v1/campaigns/kczg-2022/units"
            r = await http.post(url, json={"unit_id": "u-x", "name": "某学会", "channels": ["火星科协"]},
                                headers={**secretariat, "Idempotency-Key": "refused-once-1"})
            assert (r.status_code, r.json()["code"]) == (422, "unknown_channel")
            # Registered once; the same registration again is no new event; a different one is a conflict.
            assert (await http.post(url, json={"unit_id": "u-x", "name": "某学会", "channels": ["national_society"]},
                                    headers=secretariat)).status_code == 201
            same = await http.post(url, json={"unit_id": "u-x", "name": "某学会", "channels": ["national_society"]},
                                   headers=secretariat)
            assert (same.status_code, same.json()["event_id"]) == (200, None)
            clash = await http.post(url, json={"unit_id": "u-x", "name": "某学会", "channels": ["xpcc_cast"]},
                                    headers=secretariat)
            assert (clash.status_code, clash.json()["code"]) == (409, "unit_already_registered")
        conn = await asyncpg.connect(env["DATABASE_URL"])
        try:
            assert await conn.fetchval("SELECT count(*) FROM quota.outbox") == 0
            assert [tuple(r) for r in await conn.fetch("SELECT unit_id, channels FROM quota.registry")] == [
                ("u-x", ["national_society"])]
        finally:
            await conn.close()
    finally:
        quota.stop()
    assert [e.unit_id for e in await registrations()] == ["u-x"]
