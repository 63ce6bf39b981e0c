"""SIGKILL of the intake in the middle of a stream of ordinary nominations (the fast lane, no
Idempotency-Key): every nomination answered 202 is on the log once, and after a restart every
nomination on the log has its row, once — including those whose event was acked but whose row the
killed process had not yet written (group_commit.py), which the restarted projection writes from the
log.

The row writes are held back by a table lock just before the kill, so that window is certain to
hold nominations rather than merely likely; the killed process's database sessions are ended with
it, as when its machine dies."""

from __future__ import annotations

import asyncio
import time
import collections

import asyncpg
import httpx

from contracts.events import NominationSubmitted
from contracts.topics import NOMINATIONS
from tests.support.intake import Keys, events_of, nomination_body
from tests.support.events import open_campaign, register_units
from tests.support.kafka import read_topic
from tests.support.processes import ServiceProcess, free_port, wait_http_ready

UNITS = 20
SUBMISSIONS = 2000
ROWS_BEFORE_KILL = 300
WAITING_ON_A_LOCK = ("SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = current_database() "
                     "AND wait_event_type = 'Lock'")
END_OTHER_SESSIONS = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")


async def row_ids(db_url: str) -> list[str]:
    conn = await asyncpg.connect(db_url)
    try:
        return [str(r[0]) for r in await conn.fetch(
            "SELECT nomination_id FROM intake.nomination_status WHERE submitted_at IS NOT NULL")]
    finally:
        await conn.close()


def start_intake(env, keys: Keys, log) -> tuple[ServiceProcess, str]:
    port = free_port()
    intake = ServiceProcess("services.intake", env, log, extra_env={
        **keys.env(), "KCZG_CLOCK": "2022-10-15T10:00:00+08:00", "INTAKE_PORT": str(port)}).start()
    return intake, f"http://127.0.0.1:{port}"


async def test_sigkill_of_intake_mid_stream_loses_no_acked_nomination_and_doubles_no_row(env, tmp_path):
    keys = Keys(tmp_path)
    await open_campaign()
    await register_units({f"unit-{u}": ("provincial_cast", "national_society") for u in range(UNITS)})
    intake, base = start_intake(env, keys, tmp_path / "intake.log")
    acked: list[str] = []
    try:
        await asyncio.to_thread(wait_http_ready, base, intake)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 60
            while (await client.get("/v1/campaigns/kczg-2022")).json()["registered_units"] < UNITS:
                assert time.monotonic() < deadline, f"the intake never saw the {UNITS} units registered"
                await asyncio.sleep(0.1)  # the intake learns the registry from the log
            killed = asyncio.Event()
            in_flight = asyncio.Semaphore(32)

            async def submit(i: int) -> None:
                async with in_flight:
                    if killed.is_set():
                        return
                    try:
                        r = await client.post("/v1/nominations", json=nomination_body(technology_name=f"技术{i}"),
                                              headers=keys.headers("unit", f"unit-{i % UNITS}"))
                    except httpx.TransportError:
                        return  # cut off by the kill: on the log or not, never answered
                assert r.status_code == 202, r.text
                acked.append(r.json()["nomination_id"])

            sender = asyncio.gather(*(submit(i) for i in range(SUBMISSIONS)))
            deadline = time.monotonic() + 120
            while len(await row_ids(env["DATABASE_URL"])) < ROWS_BEFORE_KILL:
                assert not sender.done(), "all submissions finished before the kill"
                assert time.monotonic() < deadline, f"fewer than {ROWS_BEFORE_KILL} rows written in 120 s"
                await asyncio.sleep(0.02)
            blocker = await asyncpg.connect(env["DATABASE_URL"])
            try:
                async with blocker.transaction():
                    await blocker.execute("LOCK TABLE intake.nomination_status IN SHARE ROW EXCLUSIVE MODE")
                    deadline = time.monotonic() + 60
                    while not await blocker.fetchval(WAITING_ON_A_LOCK):
                        assert time.monotonic() < deadline, "the intake's next write never queued behind the lock"
                        await asyncio.sleep(0.02)
                    await asyncio.sleep(0.5)  # more acked requests queue behind the held-back write
                    intake.kill9()
                    killed.set()
                    await blocker.execute(END_OTHER_SESSIONS)
                rows_at_kill = set(await row_ids(env["DATABASE_URL"]))
            finally:
                await blocker.close()
            await sender
    finally:
        intake.stop()

    submitted = events_of(await read_topic(NOMINATIONS.name), NominationSubmitted)
    on_log = {str(e.nomination_id) for e in submitted}
    assert set(acked) <= on_log, "a nomination answered 202 is missing from the log"
    assert len({e.event_id for e in submitted}) == len(submitted) == len(on_log), "a nomination was logged twice"
    assert len(acked) < SUBMISSIONS and len(rows_at_kill) < len(on_log), "the kill must land mid-stream"

    # The restarted intake's projection writes the rows the killed process never wrote.
    intake, base = start_intake(env, keys, tmp_path / "intake2.log")
    try:
        await asyncio.to_thread(wait_http_ready, base, intake)
        deadline = asyncio.get_running_loop().time() + 60
        while set(rows := await row_ids(env["DATABASE_URL"])) != on_log:
            assert asyncio.get_running_loop().time() < deadline, (len(rows), len(on_log), intake.log_tail())
            await asyncio.sleep(0.2)
        assert [i for i, n in collections.Counter(rows).items() if n > 1] == []
        # Each row reads back through the API as its unit's own (a repaired row is a whole row).
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for e in submitted[:: max(1, len(submitted) // 50)]:
                got = await client.get(f"/v1/nominations/{e.nomination_id}", headers=keys.headers("unit", e.unit_id))
                assert got.status_code == 200 and got.json()["title"] == e.title, got.text
    finally:
        intake.stop()
