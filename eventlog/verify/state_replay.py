"""Replay the log into a service's empty tables, exactly up to given offsets, through its restore function.

The replay is a stored-offset consumer of every partition alone (as a rebuild's), so each batch is one
transaction with its offsets, and it stops at the targets exactly (projection_replay's cut), so a
comparison knows precisely which records the restored state has seen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import asyncpg
from aiokafka import TopicPartition

from contracts.events import Event

from eventlog.consume.consumer import ApplyFn, ConsumerSpec, Records, StoredOffsetConsumer
from eventlog.ddl import apply_ddl
from eventlog.consume.deadletter import decoded
from eventlog.projection.replay import BULK_FETCH, STALL_TIMEOUT_S, cut_at_targets, unfinished

RestoreFn = Callable[[asyncpg.Connection, Sequence[Event]], Awaitable[None]]

# Events each restore applied, by id: the log may carry one twice (an outbox row republished after a
# crash) and its command applied it once. Only in the scratch database restores write to.
_APPLIED = """
CREATE SCHEMA IF NOT EXISTS state_restore;
CREATE TABLE IF NOT EXISTS state_restore.applied (restore text, event_id uuid, PRIMARY KEY (restore, event_id));
"""


def from_events(name: str, restore: RestoreFn) -> ApplyFn:
    """A consumer's apply for a restore of events: records decoded, each event once, in log order per
    partition. Poison is skipped: the live consumers dead-lettered it, and no command wrote it."""
    async def apply(conn: asyncpg.Connection, records: Records) -> list:
        events = [e for _, e in decoded(r for recs in records.values() for r in recs)[0]]
        fresh = {r["event_id"] for r in await conn.fetch(
            "INSERT INTO state_restore.applied (restore, event_id) SELECT $1, unnest($2::uuid[]) "
            "ON CONFLICT DO NOTHING RETURNING event_id", name, sorted({e.event_id for e in events}))}
        once = []
        for e in events:
            if e.event_id in fresh:
                fresh.discard(e.event_id)
                once.append(e)
        if once:
            await restore(conn, once)
        return []
    return apply


async def prepare(conn: asyncpg.Connection) -> None:
    await apply_ddl(conn, _APPLIED)


def restore_consumer(name: str, topics: Sequence[str], apply: ApplyFn, pool: asyncpg.Pool) -> StoredOffsetConsumer:
    async def skipping_poison(conn: asyncpg.Connection, records: Records) -> list:
        await apply(conn, records)
        return []  # the live consumers dead-lettered it already; a replay only skips it

    spec = ConsumerSpec(name=f"state:{name}", topics=list(topics), apply=skipping_poison,
                        consumer_overrides=BULK_FETCH)
    return StoredOffsetConsumer(spec, pool, dead_letters=None)  # type: ignore[arg-type]  # sends none


async def replay_to(consumer: StoredOffsetConsumer, targets: dict[TopicPartition, int],
                    max_records: int = 5_000) -> int:
    """Apply every record before `targets` (none at or beyond); returns the number applied."""
    loop, applied = asyncio.get_running_loop(), 0
    open_tps = await unfinished(consumer, targets, exact=True)
    stalled_since = loop.time()
    while open_tps:
        got = cut_at_targets(consumer, await consumer.fetch(timeout_ms=100, max_records=max_records,
                                                            partitions=sorted(open_tps)), targets)
        if got:
            applied += await consumer.commit(got)
            stalled_since = loop.time()
        elif loop.time() - stalled_since > STALL_TIMEOUT_S:
            raise TimeoutError(f"{consumer.spec.name}: no records for {STALL_TIMEOUT_S}s before the targets")
        open_tps = await unfinished(consumer, {tp: targets[tp] for tp in open_tps}, exact=True)
    return applied
