"""Writing a folded batch: per table one COPY into a temp stage and one merging INSERT…SELECT."""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg

from eventlog.consume import offsets
from eventlog.ddl import apply_sql_file

if TYPE_CHECKING:
    from eventlog.projection.engine import FoldedBatch, Projection


async def ensure_schema(conn: asyncpg.Connection) -> None:
    await offsets.ensure_schema(conn)
    await apply_sql_file(conn, __package__, "projection.sql")


async def write_batch(conn: asyncpg.Connection, projection: Projection, schema: str, consumer: str,
                      folded: FoldedBatch) -> None:
    """Merge `folded` into the tables of `schema`; the caller's transaction also stores the offsets."""
    for table in projection.tables:
        rows = folded.view.tables[table.name].rows
        if not rows:
            continue
        await conn.execute(table.stage_sql())
        await conn.copy_records_to_table(table.stage, records=rows.values(), columns=table.column_names)
        # Plain text, no prepared statement: the name resolves afresh after a rebuild swapped schemas.
        await conn.execute(table.merge_sql(schema))
    await store_watermarks(conn, consumer, folded.last_record_ms)


async def store_watermarks(conn: asyncpg.Connection, consumer: str, last_record_ms: dict[tuple[str, int], int]) -> None:
    if not last_record_ms:
        return
    keys = sorted(last_record_ms)
    await conn.execute(
        """INSERT INTO eventlog.projection_watermarks AS w (consumer, topic, partition, last_record_at)
           SELECT $1, t, p, to_timestamp(ms / 1000.0) FROM unnest($2::text[], $3::int[], $4::bigint[]) AS x(t, p, ms)
           ON CONFLICT (consumer, topic, partition)
           DO UPDATE SET last_record_at = GREATEST(w.last_record_at, EXCLUDED.last_record_at)""",
        consumer, [k[0] for k in keys], [k[1] for k in keys], [last_record_ms[k] for k in keys],
    )


async def load_watermarks(conn: asyncpg.Connection, consumer: str) -> dict[tuple[str, int], object]:
    rows = await conn.fetch("SELECT topic, partition, last_record_at FROM eventlog.projection_watermarks "
                            "WHERE consumer = $1", consumer)
    return {(r["topic"], r["partition"]): r["last_record_at"] for r in rows}


async def hand_over(conn: asyncpg.Connection, source: str, target: str,
                    next_offsets: dict[tuple[str, int], int]) -> None:
    """Give `target` the offsets (already locked by the caller) and watermarks of `source`, and forget `source`."""
    await offsets.store(conn, target, next_offsets)
    await offsets.delete_consumer(conn, source)
    await conn.execute("DELETE FROM eventlog.projection_watermarks WHERE consumer = $1", target)
    await conn.execute("UPDATE eventlog.projection_watermarks SET consumer = $2 WHERE consumer = $1", source, target)


async def forget(conn: asyncpg.Connection, consumer: str) -> None:
    await offsets.delete_consumer(conn, consumer)
    await conn.execute("DELETE FROM eventlog.projection_watermarks WHERE consumer = $1", consumer)
