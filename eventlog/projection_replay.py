"""Bulk replay: fold big batches in memory and write batch N while fetching and folding N+1.

Used by rebuilds and verifications (the live view polls small batches through
StoredOffsetConsumer.run). Each batch is still one transaction with its offsets, so a replay
killed anywhere resumes exactly where its last commit left it.
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Callable
from contextlib import contextmanager
from typing import TYPE_CHECKING

from aiokafka import TopicPartition

from .consumer import Records, StoredOffsetConsumer
from .deadletter import send_dead_letters
from .producer import EventPublisher
from .projection_store import write_batch

if TYPE_CHECKING:
    from .projection import FoldedBatch, Projection

Progress = Callable[[int], None]  # called with the number of records just committed
BATCH_RECORDS = 200_000
# Records folded between two yields to the event loop: the pending write never waits long for its turn.
FOLD_CHUNK = 2_000
STALL_TIMEOUT_S = 120.0
ALIGN_WINDOW_MS = int(os.environ.get("KCZG_REPLAY_ALIGN_MS", "1000"))
# One fetch brings megabytes per partition: the consumer's buffers stay full while we fold. A short
# long-poll: other requests on the connection (end offsets at a phase change) never wait behind it.
BULK_FETCH = dict(max_partition_fetch_bytes=8 * 1024 * 1024, fetch_max_bytes=64 * 1024 * 1024, fetch_max_wait_ms=100)


@contextmanager
def _collector_paused():
    # A replay allocates millions of short-lived, acyclic objects; the cyclic collector's automatic
    # full passes over the batch being folded cost a sixth of the rebuild's CPU. Collect the young
    # generations once per batch instead; cycles left by others are found after the replay.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


async def replay(consumer: StoredOffsetConsumer, projection: Projection, schema: str,
                 targets: dict[TopicPartition, int], *, exact: bool = False,
                 batch_records: int = BATCH_RECORDS, progress: Progress | None = None,
                 dead_letters: EventPublisher | None = None) -> int:
    """Apply records into `schema` until every partition's position reaches its target.

    dead_letters: where poison goes, when this replay builds a view that no live view had applied yet.

    exact: apply nothing at or beyond a target (a verification compares at precise positions).
    Returns the number of records committed.
    """
    with _collector_paused():
        return await _replay(consumer, projection, schema, targets, exact, batch_records, progress, dead_letters)


async def _replay(consumer: StoredOffsetConsumer, projection: Projection, schema: str,
                  targets: dict[TopicPartition, int], exact: bool, batch_records: int,
                  progress: Progress | None, dead_letters: EventPublisher | None) -> int:
    loop = asyncio.get_running_loop()
    pending: asyncio.Task | None = None
    committed = 0
    open_tps = await unfinished(consumer, targets, exact)
    front: dict[TopicPartition, int] = {}  # Kafka timestamp of the last record read, per partition
    try:
        while open_tps:
            folded, last = projection.new_batch(), {}
            stalled_since = loop.time()
            while open_tps and folded.events < batch_records:
                got = await consumer.fetch(timeout_ms=100, max_records=min(FOLD_CHUNK, batch_records - folded.events),
                                           partitions=_time_aligned(open_tps, front))
                if exact:
                    got = cut_at_targets(consumer, got, targets)
                if got:
                    front.update((tp, recs[-1].timestamp) for tp, recs in got.items() if recs)
                    projection.fold_into(folded, got)
                    # Folded already: the commit needs only where each partition got to.
                    last.update((tp, [recs[-1]]) for tp, recs in got.items() if recs)
                    stalled_since = loop.time()
                    await asyncio.sleep(0)  # let the pending write take its next step between chunks
                elif loop.time() - stalled_since > STALL_TIMEOUT_S:
                    raise TimeoutError(f"{consumer.spec.name}: no records for {STALL_TIMEOUT_S}s before the targets")
                open_tps = await unfinished(consumer, {tp: targets[tp] for tp in open_tps}, exact)
                if pending is not None and pending.done() and folded.events >= batch_records // 8:
                    break  # the database is idle: hand it what we have
            if pending is not None:
                committed += await _settled(pending, progress)
                pending = None
            gc.collect(1)  # the young generations only: the full collection is what costs (see _collector_paused)
            if last:
                pending = asyncio.create_task(_commit(consumer, last, projection, schema, folded, dead_letters))
        if pending is not None:
            committed += await _settled(pending, progress)
            pending = None
    finally:
        if pending is not None:  # failing or cancelled: never leave a write running behind our back
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)
    return committed


async def _commit(consumer: StoredOffsetConsumer, last: Records, projection: Projection, schema: str,
                  folded: FoldedBatch, dead_letters: EventPublisher | None = None) -> int:
    async def write(conn, fresh: Records) -> list:
        # Folded before the transaction began; re-merging a redelivered record would change nothing.
        await write_batch(conn, projection, schema, consumer.spec.name, folded)
        if dead_letters is not None and folded.letters:  # under the projection's own name, as the live view would
            await send_dead_letters(dead_letters, projection.name, folded.letters)
        return []  # else poison was dead-lettered by the live view already; a replay only skips it
    await consumer.commit(last, write)
    return folded.events


async def _settled(task: asyncio.Task, progress: Progress | None) -> int:
    done = await task
    if progress is not None:
        progress(done)
    return done


def _time_aligned(open_tps: set[TopicPartition], front: dict[TopicPartition, int]) -> list[TopicPartition]:
    """The partitions to read next: none far ahead in time of the slowest one. The facts about one
    nomination were written close in time (a submission, then its quota decision on another topic),
    so reading the topics in step folds them into the same batch: fewer rows written, each once."""
    known = [front[tp] for tp in open_tps if tp in front]
    if not known:
        return sorted(open_tps)
    horizon = min(known) + ALIGN_WINDOW_MS
    return sorted(tp for tp in open_tps if front.get(tp, horizon) <= horizon)


async def unfinished(consumer: StoredOffsetConsumer, targets: dict[TopicPartition, int], exact: bool) -> set:
    """The partitions short of their target; exact: those at it are paused (nothing read beyond)."""
    kafka = consumer.kafka
    left = set()
    for tp, target in targets.items():
        if await kafka.position(tp) < target:
            left.add(tp)
            if exact and tp in kafka.paused():
                kafka.resume(tp)
        elif exact:
            kafka.pause(tp)  # at its target: fetch nothing more for it
    return left


def cut_at_targets(consumer: StoredOffsetConsumer, got: Records, targets: dict[TopicPartition, int]) -> Records:
    """`got` without the records at or beyond each partition's target (state verification replays use it too)."""
    kafka = consumer.kafka
    for tp, recs in got.items():
        target = targets.get(tp, 0)
        if recs and recs[-1].offset >= target:
            got[tp] = [r for r in recs if r.offset < target]
            kafka.seek(tp, target)  # the position is exactly the target, whatever was fetched beyond it
            kafka.pause(tp)
    return {tp: recs for tp, recs in got.items() if recs}
