"""Publishing events: idempotent producer, acks=all, every send awaited before anyone is told 'done'."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer

from contracts.events import Event, encode_event
from contracts.topics import Topic

from eventlog.settings import kafka_bootstrap


def event_producer(bootstrap: str | None = None, **overrides) -> AIOKafkaProducer:
    """The only way this project builds a producer: idempotence on (forces acks=all)."""
    settings = dict(
        bootstrap_servers=bootstrap or kafka_bootstrap(),
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=30_000,
    )
    settings.update(overrides)
    return AIOKafkaProducer(**settings)


class EventPublisher:
    """Sends events to their topics keyed by the event's key; returns once the broker acked all."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer

    async def publish(self, topic: Topic, event: Event) -> None:
        await self.publish_many([(topic, event)])

    async def publish_many(self, items: Iterable[tuple[Topic, Event]]) -> None:
        # Queue everything first so linger batches it, then wait for every ack.
        futures = [
            await self._producer.send(topic.name, encode_event(event), key=event.key.encode())
            for topic, event in items
        ]
        if futures:
            await asyncio.gather(*futures)

    async def publish_raw(self, topic: str, records: Iterable[tuple[bytes | None, bytes]]) -> None:
        futures = [await self._producer.send(topic, value, key=key) for key, value in records]
        if futures:
            await asyncio.gather(*futures)

    async def publish_rows(self, rows: Iterable[tuple[str, bytes, bytes]]) -> list:
        """(topic, key, value) rows, e.g. from an outbox; returns once every one is acked, with the broker's
        RecordMetadata (topic, partition, offset) of each."""
        futures = [await self._producer.send(topic, value, key=key) for topic, key, value in rows]
        return list(await asyncio.gather(*futures)) if futures else []
