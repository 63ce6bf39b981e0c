"""Consumer offsets kept in PostgreSQL beside the state they produced."""

from __future__ import annotations

import asyncpg

from eventlog.ddl import apply_sql_file

TopicPartitionKey = tuple[str, int]


async def ensure_schema(conn: asyncpg.Connection) -> None:
    await apply_sql_file(conn, __package__, "offsets.sql")


async def load(conn: asyncpg.Connection, consumer: str) -> dict[TopicPartitionKey, int]:
    rows = await conn.fetch(
        "SELECT topic, partition, next_offset FROM eventlog.consumer_offsets WHERE consumer = $1", consumer
    )
    return {(r["topic"], r["partition"]): r["next_offset"] for r in rows}


async def load_many(conn: asyncpg.Connection, consumers: list[str]) -> dict[str, dict[TopicPartitionKey, int]]:
    """`load` for several consumers in one query: consumer -> its stored offsets (absent if it has none)."""
    rows = await conn.fetch(
        "SELECT consumer, topic, partition, next_offset FROM eventlog.consumer_offsets WHERE consumer = ANY($1::text[])",
        consumers,
    )
    stored: dict[str, dict[TopicPartitionKey, int]] = {}
    for r in rows:
        stored.setdefault(r["consumer"], {})[(r["topic"], r["partition"])] = r["next_offset"]
    return stored


async def lock(conn: asyncpg.Connection, consumer: str, keys: list[TopicPartitionKey]) -> dict[TopicPartitionKey, int]:
    """Lock the offset rows of `keys` for this transaction and return them.

    Two instances that briefly both hold a partition during a rebalance queue here;
    the second then sees the first one's new offset and skips what it already applied.
    """
    topics = [k[0] for k in keys]
    partitions = [k[1] for k in keys]
    stored = await _locked(conn, consumer, topics, partitions)
    if len(stored) < len(set(keys)):  # a partition seen for the first time: one more round trip, once
        await conn.execute(
            """INSERT INTO eventlog.consumer_offsets (consumer, topic, partition, next_offset)
               SELECT $1, t, p, 0 FROM unnest($2::text[], $3::int[]) AS x(t, p)
               ON CONFLICT DO NOTHING""",
            consumer, topics, partitions,
        )
        stored = await _locked(conn, consumer, topics, partitions)
    return stored


async def _locked(conn: asyncpg.Connection, consumer: str, topics: list[str],
                  partitions: list[int]) -> dict[TopicPartitionKey, int]:
    rows = await conn.fetch(
        """SELECT topic, partition, next_offset FROM eventlog.consumer_offsets
           WHERE consumer = $1 AND (topic, partition) IN (SELECT * FROM unnest($2::text[], $3::int[]))
           ORDER BY topic, partition FOR UPDATE""",
        consumer, topics, partitions,
    )
    return {(r["topic"], r["partition"]): r["next_offset"] for r in rows}


async def store(conn: asyncpg.Connection, consumer: str, next_offsets: dict[TopicPartitionKey, int]) -> None:
    if not next_offsets:
        return
    await conn.execute(
        """UPDATE eventlog.consumer_offsets o SET next_offset = x.n, updated_at = now()
           FROM unnest($2::text[], $3::int[], $4::bigint[]) AS x(t, p, n)
           WHERE o.consumer = $1 AND o.topic = x.t AND o.partition = x.p""",
        consumer,
        [k[0] for k in next_offsets],
        [k[1] for k in next_offsets],
        list(next_offsets.values()),
    )


async def delete_consumer(conn: asyncpg.Connection, consumer: str) -> None:
    await conn.execute("DELETE FROM eventlog.consumer_offsets WHERE consumer = $1", consumer)
