"""Read the campaigns topic from the beginning to its current end and fold it into a CampaignBook.

Services call `load_campaign_book()` at start-up and again when an event names a campaign their
book does not know yet (it may have been opened after they started). The topic is small (one
partition, a handful of events per year), so a full read is the simplest correct cache refresh.
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.campaign.book import CampaignBook, fold
from contracts.events import Event, decode_event
from contracts.topics import CAMPAIGNS, Topic

from .settings import kafka_bootstrap

log = logging.getLogger(__name__)


async def read_events(topic: Topic = CAMPAIGNS, bootstrap: str | None = None, timeout_s: float = 30) -> list[Event]:
    """Every decodable event on `topic`, in log order, up to the end offsets seen at the start.

    A missing topic reads as empty (nothing was ever published); undecodable records are logged
    and skipped, as the dead-letter path would.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap or kafka_bootstrap(), enable_auto_commit=False,
                                auto_offset_reset="earliest", isolation_level="read_committed")
    await consumer.start()
    try:
        if topic.name not in await consumer.topics():
            return []  # checked first: assigning a missing topic could have the broker auto-create it
        tps = [TopicPartition(topic.name, p) for p in sorted(await _partitions(consumer, topic.name))]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records = []
        deadline = asyncio.get_running_loop().time() + timeout_s
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"could not read {topic.name} to its end within {timeout_s}s")
            batch = await consumer.getmany(timeout_ms=500)
            records += [r for tp in tps for r in batch.get(tp, ()) if r.offset < ends[tp]]
    finally:
        await consumer.stop()
    records.sort(key=lambda r: (r.partition, r.offset))
    return [event for r in records if (event := _decode(r)) is not None]


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    for _ in range(50):
        if parts := consumer.partitions_for_topic(topic):
            return parts
        await consumer._client.force_metadata_update()  # aiokafka has no public wait-for-metadata
        await asyncio.sleep(0.1)
    raise RuntimeError(f"no partition metadata for {topic}")


def _decode(record) -> Event | None:
    try:
        return decode_event(record.value)
    except (ValueError, TypeError) as e:  # unknown type, validation, JSON errors; TypeError: a null value
        log.warning("skipping undecodable record %s:%s@%s: %s", record.topic, record.partition, record.offset, e)
        return None


async def load_campaign_book(topic: Topic = CAMPAIGNS, bootstrap: str | None = None) -> CampaignBook:
    """The campaign state as of the topic's current end."""
    book = fold(await read_events(topic, bootstrap))
    for event_id, why in book.ignored:
        log.warning("campaign event %s ignored: %s", event_id, why)
    return book


async def book_knowing(book: CampaignBook, code: str, topic: Topic = CAMPAIGNS) -> CampaignBook:
    """`book` if it knows `code`, else the topic re-read (the campaign may have opened since start-up).

    The caller still gets UnknownCampaign from `as_of` if the code is not on the log at all.
    """
    return book if code in book else await load_campaign_book(topic)
