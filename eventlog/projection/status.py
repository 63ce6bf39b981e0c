"""Where each projection stands: per partition its stored offset, the log end, the lag, the last record's time."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner

from eventlog.consume import offsets
from eventlog.projection import schemas
from eventlog.projection import store as projection_store
from eventlog.projection.engine import Projection
from eventlog.settings import kafka_bootstrap

_PARTITIONER = DefaultPartitioner()


@dataclass(frozen=True)
class PartitionStatus:
    topic: str
    partition: int
    next_offset: int
    end_offset: int
    last_record_at: datetime | None

    @property
    def lag(self) -> int:
        return max(0, self.end_offset - self.next_offset)


@dataclass
class ProjectionStatus:
    name: str
    schema: str
    live: bool                     # a live view exists
    current: bool                  # built by the definition this code carries
    partitions: list[PartitionStatus] = field(default_factory=list)
    rebuilding: dict[str, int] = field(default_factory=dict)  # shadow schema -> records applied so far

    @property
    def lag(self) -> int:
        return sum(p.lag for p in self.partitions)

    @property
    def last_record_at(self) -> datetime | None:
        return max((p.last_record_at for p in self.partitions if p.last_record_at), default=None)


async def projection_status(conn: asyncpg.Connection, projection: Projection,
                            ends: dict[tuple[str, int], int]) -> ProjectionStatus:
    built = await schemas.built_definition(conn, projection.schema)
    status = ProjectionStatus(projection.name, projection.schema, built is not None,
                              built == projection.definition_hash())
    if not await conn.fetchval("SELECT to_regclass('eventlog.projection_watermarks') IS NOT NULL"):
        return status  # no projection ever ran against this database
    stored = await offsets.load(conn, projection.name)
    marks = await projection_store.load_watermarks(conn, projection.name)
    topics = set(projection.topic_names())
    for key in sorted(k for k in set(ends) | set(stored) if k[0] in topics):
        status.partitions.append(PartitionStatus(key[0], key[1], stored.get(key, 0), ends.get(key, 0), marks.get(key)))
    for shadow in await schemas.beside(conn, projection, "shadow"):
        applied = await offsets.load(conn, schemas.consumer_name(projection, shadow))
        status.rebuilding[shadow] = sum(applied.values())
    return status


class LogEnds:
    """Reads where the log ends now, for any topics, through one long-lived client."""

    def __init__(self, bootstrap: str | None = None) -> None:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap or kafka_bootstrap(), enable_auto_commit=False)

    async def __aenter__(self) -> "LogEnds":
        await self._consumer.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self._consumer.stop()

    async def ends(self, topics: list[str]) -> dict[tuple[str, int], int]:
        tps = [TopicPartition(topic, p) for topic in topics for p in await self.partitions(topic)]
        return await self._ends(tps)

    async def ends_of_keys(self, topic: str, keys: Iterable[str]) -> dict[tuple[str, int], int]:
        """Where the log ends now on the partitions of `topic` that events under `keys` go to."""
        partitions = await self.partitions(topic)
        # The producer's own partitioner over the same sorted partition list: the same partition it chose.
        return await self._ends(list({TopicPartition(topic, _PARTITIONER(key.encode(), partitions, partitions))
                                      for key in keys}))

    async def partitions_of_keys(self, topic: str, keys: Iterable[str]) -> set[tuple[str, int]]:
        """The partitions of `topic` that events under `keys` go to (no broker round trip once its metadata is known)."""
        partitions = await self.partitions(topic)
        return {(topic, _PARTITIONER(key.encode(), partitions, partitions)) for key in keys}

    async def partitions(self, topic: str) -> list[int]:
        parts = self._consumer.partitions_for_topic(topic)
        for _ in range(50):
            if parts:
                break
            await self._consumer._client.force_metadata_update()  # aiokafka has no public wait-for-metadata
            await asyncio.sleep(0.1)
            parts = self._consumer.partitions_for_topic(topic)
        return sorted(parts or ())

    async def _ends(self, tps: list[TopicPartition]) -> dict[tuple[str, int], int]:
        ends = await self._consumer.end_offsets(tps) if tps else {}
        return {(tp.topic, tp.partition): end for tp, end in ends.items()}
