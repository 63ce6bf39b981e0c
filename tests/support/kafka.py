"""Reading what is on a topic, for assertions about the log itself."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaConsumer, TopicPartition

from eventlog.settings import kafka_bootstrap


@asynccontextmanager
async def _assigned(topic: str):
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        if topic not in await consumer.topics():
            # Reading a missing (or misnamed) topic as empty would let `read_topic(...) == []` pass for nothing.
            raise LookupError(f"topic {topic!r} does not exist")
        parts = consumer.partitions_for_topic(topic) or set()
        for _ in range(50):
            if parts:
                break
            await consumer._client.force_metadata_update()  # aiokafka has no public wait-for-metadata
            parts = consumer.partitions_for_topic(topic) or set()
        if not parts:
            raise LookupError(f"topic {topic!r} has no partition metadata")
        tps = [TopicPartition(topic, p) for p in parts]
        consumer.assign(tps)  # (stopping an unassigned group-less consumer raises CancelledError in aiokafka)
        yield consumer, tps
    finally:
        await consumer.stop()


async def end_offsets(topic: str) -> dict[int, int]:
    async with _assigned(topic) as (consumer, tps):
        return {tp.partition: end for tp, end in (await consumer.end_offsets(tps)).items()}


async def read_topic(topic: str, idle_s: float = 1.0, timeout_s: float = 60) -> list[bytes]:
    """Every value on `topic` from the beginning up to its current end."""
    return [value for _, _, value in await read_records(topic, idle_s, timeout_s)]


async def last_record_times(topic: str, timeout_s: float = 60) -> dict[int, float]:
    """Per partition of `topic` holding records: its last record's timestamp, in seconds."""
    async with _assigned(topic) as (consumer, tps):
        ends = await consumer.end_offsets(tps)
        found: dict[int, float] = {}
        deadline = asyncio.get_running_loop().time() + timeout_s
        for tp in tps:
            if not ends[tp]:
                continue
            consumer.seek(tp, ends[tp] - 1)
            while tp.partition not in found:
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError(f"could not read the last record of {topic}[{tp.partition}]")
                for record in (await consumer.getmany(tp, timeout_ms=500)).get(tp, []):
                    found[tp.partition] = record.timestamp / 1000
        return found


async def read_records(topic: str, idle_s: float = 1.0, timeout_s: float = 60) -> list[tuple[int, int, bytes]]:
    """Every record on `topic` from the beginning up to its current end, as (partition, offset, value)."""
    async with _assigned(topic) as (consumer, tps):
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        found: list[tuple[int, int, bytes]] = []
        deadline = asyncio.get_running_loop().time() + timeout_s
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"could not read {topic} to its end")
            batch = await consumer.getmany(timeout_ms=int(idle_s * 1000))
            for records in batch.values():
                found.extend((r.partition, r.offset, r.value) for r in records)
        return found
