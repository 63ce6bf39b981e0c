"""Rebuilds: from offset 0 beside the live view, which keeps serving and updating; an atomic switch;
a killed rebuild resumes; a changed definition is rebuilt on start; status tells where it stands."""

from __future__ import annotations

import asyncio
import dataclasses

import asyncpg

from eventlog.projection import schemas
from eventlog.projection.rebuild import RebuildProgress, rebuild
from eventlog.verify.projections import verify
from services.publish.views import RANKINGS
from tests.support.projections import caught_up, live_view, status_of
from tests.support.ranking_log import produce_mix


async def count_rows(db_url: str, seen: list[int], errors: list[Exception], stop: asyncio.Event) -> None:
    """A reader of the live view, as the API is, all through the rebuild and its switch."""
    conn = await asyncpg.connect(db_url)
    try:
        while not stop.is_set():
            try:
                seen.append(await conn.fetchval(f"SELECT count(*) FROM {RANKINGS.schema}.nominations"))
            except Exception as exc:  # noqa: BLE001 — any failure of a reader is what we look for
                errors.append(exc)
            await asyncio.sleep(0.01)
    finally:
        await conn.close()


async def test_rebuild_switches_atomically_while_the_live_view_keeps_serving_and_updating(env):
    # A log with history and a live view built from it.
    await produce_mix(8000, seed=1)
    await rebuild(RANKINGS)
    seen, errors, stop = [], [], asyncio.Event()
    async with live_view(RANKINGS):
        reader = asyncio.create_task(count_rows(env["DATABASE_URL"], seen, errors, stop))
        # New events keep arriving while the rebuild replays and switches.
        writer = asyncio.create_task(produce_mix(8000, seed=2))
        result = await rebuild(RANKINGS, batch_records=1500)
        await writer
        await caught_up(RANKINGS)
        stop.set()
        await reader
    assert errors == []
    assert seen == sorted(seen), "the view never lost rows, not even at the switch"
    assert result.retired is not None and result.records >= 8000
    assert (await verify(RANKINGS)).ok
    conn = await asyncpg.connect(env["DATABASE_URL"])
    try:
        assert await schemas.beside(conn, RANKINGS, "shadow") == []
        assert await schemas.beside(conn, RANKINGS, "retired") == []
    finally:
        await conn.close()


class StopAfter(RebuildProgress):
    def __init__(self, records: int) -> None:
        self.records, self.done = records, 0

    def advance(self, records: int) -> None:
        self.done += records
        if self.done >= self.records:
            raise KeyboardInterrupt  # as an operator's Ctrl-C would, between two commits


async def test_an_interrupted_rebuild_resumes_from_its_own_offsets(env):
    total = await produce_mix(12000, seed=3)
    try:
        await rebuild(RANKINGS, batch_records=1000, progress=StopAfter(3000))
    except KeyboardInterrupt:
        pass
    status = await status_of(RANKINGS)
    assert not status.live and 3000 <= sum(status.rebuilding.values()) < total
    result = await rebuild(RANKINGS, batch_records=1000)
    assert result.resumed and result.records < total
    assert (await verify(RANKINGS)).ok


async def test_a_changed_definition_is_rebuilt_once_on_start(env):
    await produce_mix(1000, seed=4)
    assert await rebuild(RANKINGS, only_if_stale=True) is not None
    assert await rebuild(RANKINGS, only_if_stale=True) is None
    changed = dataclasses.replace(RANKINGS, version=RANKINGS.version + 1)
    assert (await status_of(changed)).current is False
    assert await rebuild(changed, only_if_stale=True) is not None
    assert (await status_of(changed)).current is True


async def test_status_shows_offsets_lag_and_last_event_time(env):
    total = await produce_mix(3000, seed=5)
    await rebuild(RANKINGS)
    status = await status_of(RANKINGS)
    assert status.live and status.current and status.lag == 0
    assert sum(p.next_offset for p in status.partitions) == total
    assert status.last_record_at is not None
    await produce_mix(500, seed=6)
    assert (await status_of(RANKINGS)).lag == 500
    async with live_view(RANKINGS):
        await caught_up(RANKINGS)


async def test_an_unlogged_shadow_is_made_logged_before_it_goes_live(env):
    await produce_mix(2000, seed=7)
    await rebuild(RANKINGS, unlogged=True)
    conn = await asyncpg.connect(env["DATABASE_URL"])
    try:
        persistence = await conn.fetch("SELECT c.relname, c.relpersistence::text FROM pg_class c JOIN pg_namespace n "
                                       "ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'",
                                       RANKINGS.schema)
    finally:
        await conn.close()
    assert {r["relname"]: r["relpersistence"] for r in persistence} == \
        {"nominations": "p", "units": "p", "notices": "p", "projection_meta": "p"}
    assert (await verify(RANKINGS)).ok
