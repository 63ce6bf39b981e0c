"""The baseline every bench measures itself against in the same run: raw acked produce to the same broker —
aiokafka's idempotent producer (acks=all), `concurrency` sends in flight, each awaited, values of `size` bytes."""

from __future__ import annotations

import asyncio
import os
import time

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from eventlog.write.producer import event_producer


async def acked_produce(*, count: int | None = None, seconds: float | None = None, concurrency: int = 64,
                        size: int = 600) -> tuple[int, float]:
    """Send until `count` records are acked or `seconds` have passed; (records acked, seconds taken)."""
    topic = os.environ.get("KCZG_TOPIC_PREFIX", "") + "bench.produce"
    admin = AIOKafkaAdminClient(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"])
    await admin.start()
    try:
        if topic not in await admin.list_topics():
            await admin.create_topics([NewTopic(topic, 6, 1)])
    finally:
        await admin.close()
    producer = event_producer()
    await producer.start()
    value, done, sent = b"x" * size, 0, 0
    started = time.perf_counter()
    stop_at = started + seconds if seconds else float("inf")

    async def sender(k: int) -> None:
        nonlocal done, sent
        while time.perf_counter() < stop_at and (count is None or sent < count):
            sent += 1
            await (await producer.send(topic, value, key=f"k{k}".encode()))
            done += 1

    try:
        await asyncio.gather(*(sender(k) for k in range(concurrency)))
    finally:
        await producer.stop()
    return done, time.perf_counter() - started
