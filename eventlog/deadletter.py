"""Poison records go to the dead-letter topic with the reason; the consumer goes on."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import orjson
from aiokafka.structs import ConsumerRecord

from contracts.topics import DEADLETTER

from .producer import EventPublisher


@dataclass(frozen=True)
class DeadLetter:
    record: ConsumerRecord
    reason: str

    def encode(self, consumer: str) -> bytes:
        value = self.record.value or b""
        return orjson.dumps({
            "consumer": consumer,
            "topic": self.record.topic,
            "partition": self.record.partition,
            "offset": self.record.offset,
            "reason": self.reason[:2000],
            "key": self.record.key.decode("utf-8", "replace") if self.record.key else None,
            "value_base64": base64.b64encode(value).decode(),
        })


async def send_dead_letters(publisher: EventPublisher, consumer: str, letters: list[DeadLetter]) -> None:
    # Keyed by origin so a re-sent letter (crash before the offset commit) is recognisable.
    await publisher.publish_raw(
        DEADLETTER.name,
        [(f"{l.record.topic}:{l.record.partition}:{l.record.offset}".encode(), l.encode(consumer)) for l in letters],
    )
