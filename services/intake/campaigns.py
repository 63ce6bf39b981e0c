"""The campaigns as this process knows them: a CampaignBook (contracts/campaign/book.py) folded from
the campaigns topic at start-up and kept current by following the topic, so an opening or a
deadline extension published later applies within moments, and a replay sees the same book."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.campaign import Campaign
from contracts.campaign.book import CampaignBook, evolve
from contracts.events import decode_event
from contracts.topics import CAMPAIGNS
from eventlog.settings import kafka_bootstrap

log = logging.getLogger(__name__)


class CampaignSource:
    def __init__(self, book: CampaignBook | None = None) -> None:
        self.book = book or CampaignBook()
        self._consumer: AIOKafkaConsumer | None = None

    def get(self, code: str) -> Campaign:
        """The campaign as it stands now; raises UnknownCampaign (code unknown_campaign) if never opened."""
        return self.book.as_of(code)

    def titles(self) -> dict[str, str]:
        """Every opened campaign's title by code (as it stands now), for messages naming other campaigns."""
        return {code: self.book.as_of(code).title for code in self.book.codes}

    def _fold(self, records) -> None:
        for record in records:
            try:
                self.book = evolve(self.book, decode_event(record.value))
            except (ValueError, TypeError) as exc:  # poison on the campaigns topic: skip, as every reader does
                log.warning("skipping undecodable campaign record at offset %s: %s", record.offset, exc)

    async def start(self) -> None:
        """Read the topic to its current end before the service answers anything."""
        self._consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), enable_auto_commit=False,
                                          auto_offset_reset="earliest", isolation_level="read_committed")
        await self._consumer.start()
        tps = [TopicPartition(CAMPAIGNS.name, p) for p in range(CAMPAIGNS.partitions)]
        self._consumer.assign(tps)
        await self._consumer.seek_to_beginning(*tps)
        ends = await self._consumer.end_offsets(tps)
        while [tp for tp in tps if await self._consumer.position(tp) < ends[tp]]:
            for records in (await self._consumer.getmany(timeout_ms=500)).values():
                self._fold(records)

    async def follow(self, stop: asyncio.Event) -> None:
        assert self._consumer is not None
        while not stop.is_set():
            try:
                for records in (await self._consumer.getmany(timeout_ms=500)).values():
                    self._fold(records)
            except Exception:  # the broker restarting: keep the book we have and try again
                log.exception("following %s failed; retrying", CAMPAIGNS.name)
                await asyncio.sleep(1)

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
