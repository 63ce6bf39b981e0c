"""Bulk replay: fold big batches in memory and write batch N while fetching and folding N+1.

Used by rebuilds and verifications (the live view polls small batches through
StoredOffsetConsumer.run). Each batch is still one transaction with its offsets, so a replay
killed anywhere resumes exactly where its last commit left it.

Records come in the order they were written across partitions (projection_reader), and a batch is
always full: one cut short to feed an idle database would split rows that a full one writes once,
and the rows written cost more than the database's idle moments.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from contextlib import contextmanager
from typing import TYPE_CHECKING

from aiokafka import TopicPartition

from eventlog.consume.consumer import Records, StoredOffsetConsumer
from eventlog.consume.deadletter import send_dead_letters
from eventlog.write.producer import EventPublisher
from eventlog.projection.reader import BULK_FETCH, TimeOrderedReader, cut_at_targets, unfinished
from eventlog.projection.store import write_batch

if TYPE_CHECKING:
    from eventlog.projection.engine import FoldedBatch, Projection

Progress = Callable[[int], None]  # called with the number of records just committed
BATCH_RECORDS = 200_000
# Records folded between two yields to the event loop: the pending write never waits long for its turn.
FOLD_CHUNK = 2_000
STALL_TIMEOUT_S = 120.0
__all__ = ["BATCH_RECORDS", "BULK_FETCH", "STALL_TIMEOUT_S", "cut_at_targets", "replay", "unfinished"]  # state_replay reads these here


@contextmanager
def _collector_paused():
    # A replay allocates millions of short-lived, acyclic objects (reference counting frees them); the
    # cyclic collector's passes over the batch being folded cost a sixth of the rebuild's CPU, and even
    # one young-generation pass per batch a twentieth. Cycles left meanwhile are found after the replay.
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
    reader = TimeOrderedReader(consumer, targets, exact)
    await reader.start()
    try:
        while not reader.done:
            folded, last = projection.new_batch(), {}
            stalled_since = loop.time()
            while not reader.done and folded.events < batch_records:
                got = await reader.read(min(FOLD_CHUNK, batch_records - folded.events))
                if got:
                    projection.fold_into(folded, got)
                    # Folded already: the commit needs only where each partition got to.
                    last.update((tp, [recs[-1]]) for tp, recs in got.items())
                    stalled_since = loop.time()
                    await asyncio.sleep(0)  # let the pending write take its next step between chunks
                elif loop.time() - stalled_since > STALL_TIMEOUT_S:
                    raise TimeoutError(f"{consumer.spec.name}: no records for {STALL_TIMEOUT_S}s before the targets")
            if pending is not None:
                committed += await _settled(pending, progress)
                pending = None
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
