"""Poison records go to the dead-letter topic with the reason; the consumer goes on."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import orjson
from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError

from contracts.events import Event, decode_event
from contracts.topics import DEADLETTER

from eventlog.http import metrics
from eventlog.log_format import log_context
from eventlog.write.producer import EventPublisher

log = logging.getLogger(__name__)


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
    metrics.DEAD_LETTERS.labels(consumer).inc(len(letters))
    for letter in letters:
        record = letter.record
        with log_context(**_envelope_ids(record.value)):
            log.warning("dead letter from %s: %s[%d]@%d: %s", consumer, record.topic, record.partition, record.offset,
                        letter.reason[:500], extra={"consumer": consumer, "topic": record.topic,
                                                    "partition": record.partition, "offset": record.offset})


def _envelope_ids(value: bytes | None) -> dict[str, str]:
    """The event and correlation ids of a record that is JSON enough to carry them (poison may not be)."""
    try:
        envelope = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(envelope, dict) or not isinstance(envelope.get("event_id"), str):
        return {}
    return {"event_id": envelope["event_id"],
            "correlation_id": envelope.get("correlation_id") or envelope["event_id"]}


def decoded(records: Iterable[ConsumerRecord]) -> tuple[list[tuple[ConsumerRecord, Event]], list[DeadLetter]]:
    """Each record decoded into its event, or, when it cannot be (bad JSON, unknown type, a field that
    does not validate, a null value), a dead letter saying why. The one place a consumer decides that."""
    events, letters = [], []
    for record in records:
        try:
            events.append((record, decode_event(record.value)))
        except (ValidationError, ValueError, TypeError) as exc:  # unknown types and bad JSON are ValueErrors
            letters.append(DeadLetter(record, f"undecodable: {exc}"))
    return events, letters


async def of_known_campaigns(records: Iterable[ConsumerRecord], followed: tuple[type[Event], ...], campaigns
                             ) -> tuple[list[tuple[ConsumerRecord, Event]], list[DeadLetter]]:
    """`decoded`, then only the events of the `followed` types whose campaign `campaigns` (a CampaignFollower)
    knows; one naming a campaign it does not know is a dead letter too."""
    from contracts.campaign.book import UnknownCampaign

    events, letters = decoded(records)
    kept = []
    for record, event in events:
        if not isinstance(event, followed):
            continue
        try:
            await campaigns.knowing(event.campaign)
        except UnknownCampaign:
            letters.append(DeadLetter(record, f"unknown campaign: {event.campaign}"))
            continue
        kept.append((record, event))
    return kept, letters
