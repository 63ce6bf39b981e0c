"""Rebuild a projection from offset 0 beside the live view, then swap it in atomically.

1. Under the projection's advisory lock (one rebuild at a time), resume the newest shadow
   schema this definition began, or create one (unlogged: no WAL while bulk loading).
2. Replay it to the log ends captured at start, then to the ends reached meanwhile. The live
   view keeps serving and updating all along.
3. Build its indexes, make it logged, analyse it.
4. Switch, in one transaction: lock the live view's offset rows (its writer waits), replay the
   shadow up to them, rename the schemas, hand the shadow's offsets to the live name. The live
   writer then resumes from offsets at or past its own: it neither skips nor repeats a record.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import asyncpg

from eventlog.consume import offsets
from eventlog.projection import schemas
from eventlog.projection import store as projection_store
from eventlog.consume.consumer import ConsumerSpec, StoredOffsetConsumer
from eventlog.projection.engine import Projection
from eventlog.projection.replay import BATCH_RECORDS, BULK_FETCH, replay
from eventlog.settings import database_url


class RebuildProgress:
    """What a rebuild reports while it runs (the CLI draws it as a progress bar)."""

    def phase(self, name: str, total: int) -> None: ...
    def advance(self, records: int) -> None: ...


@dataclass(frozen=True)
class RebuildResult:
    records: int         # records this run replayed (a resumed shadow had the rest already)
    seconds: float
    resumed: bool
    retired: str | None  # the schema the live view lived in before, now dropped


# Rebuilds write views derived from the log: a crash losing the last commits loses their offsets with
# them, and the rebuild resumes from the offsets that survived, so nothing waits for the WAL flush.
# A live view is different (`durable`): its consumer keeps running across a database crash, with its
# position past commits the crash took, so its commits must be flushed before it reads on. A folded batch is staged in a temp table and sorted by key: give
# both the memory to stay off disk (temp_buffers must be set before the session's first temp table).
PROJECTION_SESSION = {"synchronous_commit": "off", "temp_buffers": "256MB", "work_mem": "128MB",
                      "maintenance_work_mem": "256MB"}


async def projection_pool(dsn: str | None = None, size: int = 6, durable: bool = False) -> asyncpg.Pool:
    settings = {**PROJECTION_SESSION, "synchronous_commit": "on"} if durable else PROJECTION_SESSION
    return await asyncpg.create_pool(dsn or database_url(), min_size=1, max_size=size, server_settings=settings,
                                     timeout=5, command_timeout=60 if durable else None)


async def rebuild(projection: Projection, dsn: str | None = None, *, progress: RebuildProgress | None = None,
                  only_if_stale: bool = False, unlogged: bool = False,
                  batch_records: int = BATCH_RECORDS, dead_letters=None) -> RebuildResult | None:
    """Rebuild `projection` and switch it live. only_if_stale: do nothing if the live view is current.
    dead_letters: where poison goes (the service's own first build or a stale one's; an operator's
    rebuild of a live view passes none: the live view dead-lettered it already)."""
    progress = progress or RebuildProgress()
    pool = await projection_pool(dsn)
    try:
        async with pool.acquire() as conn:
            await projection_store.ensure_schema(conn)
            if only_if_stale and await _current(conn, projection):
                return None  # without waiting for a rebuild another process may be running
            lock = f"kczg.projection.rebuild:{projection.name}"
            await conn.execute("SELECT pg_advisory_lock(hashtext($1))", lock)
            try:
                if only_if_stale and await _current(conn, projection):
                    return None  # the rebuild we waited for made it current
                return await _rebuild_locked(conn, pool, projection, progress, unlogged, batch_records, dead_letters)
            finally:
                await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", lock)
    finally:
        await pool.close()


async def _current(conn: asyncpg.Connection, projection: Projection) -> bool:
    return await schemas.built_definition(conn, projection.schema) == projection.definition_hash()


async def _rebuild_locked(conn: asyncpg.Connection, pool: asyncpg.Pool, projection: Projection,
                          progress: RebuildProgress, unlogged: bool, batch_records: int,
                          dead_letters=None) -> RebuildResult:
    for retired in await schemas.beside(conn, projection, "retired"):  # a switch killed before its cleanup
        await schemas.drop(conn, projection, retired)
    shadow = None
    for candidate in reversed(await schemas.beside(conn, projection, "shadow")):
        if shadow is None and await schemas.built_definition(conn, candidate) == projection.definition_hash():
            shadow = candidate
        else:
            await schemas.drop(conn, projection, candidate)
    resumed = shadow is not None
    shadow = shadow or await schemas.create(conn, projection, "shadow", unlogged)
    consumer = replay_consumer(projection, shadow, pool)
    started = time.monotonic()
    try:
        await consumer.start()
        records = 0
        for phase in ("replay", "catch-up"):
            targets = await consumer.end_offsets()
            progress.phase(phase, sum([max(0, end - await consumer.kafka.position(tp)) for tp, end in targets.items()]))
            records += await replay(consumer, projection, shadow, targets, batch_records=batch_records,
                                    progress=progress.advance, dead_letters=dead_letters)
        progress.phase("index", 0)
        await schemas.finish(pool, projection, shadow)
        progress.phase("switch", 0)
        switched, retired = await _switch(conn, consumer, projection, shadow)
        records += switched
    finally:
        await consumer.stop()
    if retired:
        await schemas.drop(conn, projection, retired)
    return RebuildResult(records, time.monotonic() - started, resumed, retired)


def replay_consumer(projection: Projection, schema: str, pool: asyncpg.Pool) -> StoredOffsetConsumer:
    """A consumer of every partition alone, resuming from `schema`'s own stored offsets."""
    async def never(conn, records):  # replays always pass their own writer
        raise AssertionError("replay consumers apply through projection_replay")
    spec = ConsumerSpec(name=schemas.consumer_name(projection, schema), topics=projection.topic_names(),
                        apply=never, consumer_overrides=BULK_FETCH)
    return StoredOffsetConsumer(spec, pool, dead_letters=None)  # type: ignore[arg-type]  # replays send none


async def _switch(conn: asyncpg.Connection, consumer: StoredOffsetConsumer, projection: Projection,
                  shadow: str) -> tuple[int, str | None]:
    tps = sorted(consumer.kafka.assignment())
    keys = [(tp.topic, tp.partition) for tp in tps]
    async with conn.transaction():
        await conn.execute("SET LOCAL synchronous_commit = on")  # the switch itself must be durable
        live = await offsets.lock(conn, projection.name, keys)  # from here the live writer waits
        records = await replay(consumer, projection, shadow, {tp: live[(tp.topic, tp.partition)] for tp in tps})
        built = await offsets.load(conn, consumer.spec.name)
        final = {k: max(built.get(k, 0), live[k]) for k in keys}
        retired = await schemas.swap_in(conn, projection, shadow)
        await projection_store.hand_over(conn, consumer.spec.name, projection.name, final)
    return records, retired
