"""A projection's live path: the consumer spec that folds each batch and writes it with its offsets.

Apart from projection (the pure folds) and projection_store (the writes), so that neither of the two
needs the other at runtime.
"""

from __future__ import annotations

import asyncpg

from eventlog.consume.consumer import ApplyFn, ConsumerSpec, Records
from eventlog.consume.deadletter import DeadLetter
from eventlog.projection.engine import Projection
from eventlog.projection.store import write_batch


def live_apply(projection: Projection, consumer: str) -> ApplyFn:
    """The ConsumerSpec.apply of the live view: fold the batch, write it, hand back the poison."""

    async def apply(conn: asyncpg.Connection, records: Records) -> list[DeadLetter]:
        folded = projection.new_batch()
        projection.fold_into(folded, records)
        await write_batch(conn, projection, projection.schema, consumer, folded)
        return folded.letters

    return apply


def live_spec(projection: Projection, group_id: str | None = None, max_records: int = 2000) -> ConsumerSpec:
    return ConsumerSpec(name=projection.name, topics=projection.topic_names(),
                        apply=live_apply(projection, projection.name), group_id=group_id, max_records=max_records)
