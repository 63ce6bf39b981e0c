"""The campaigns as this process knows them: the campaigns topic folded into a CampaignBook.

`start` reads the topic to its end before the service answers anything; `follow` keeps reading, so
an opening or a timeline change (a deadline extended, the release moved) published later applies
within moments. A code the book does not know is answered from a read begun after the question
(`knowing`), so a campaign opened just before its first command is never mistaken for an unknown
one. Every service folds the same topic with the same pure `evolve`, so all see the same campaign,
and `campaign_at` gives it as it stood at an instant.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.campaign import Campaign
from contracts.campaign.book import CampaignBook, UnknownCampaign, evolve
from contracts.topics import CAMPAIGNS, Topic

from eventlog.consume.deadletter import decoded
from eventlog.settings import kafka_bootstrap

log = logging.getLogger(__name__)


class CampaignFollower:
    def __init__(self, topic: Topic = CAMPAIGNS, bootstrap: str | None = None, book: CampaignBook | None = None) -> None:
        self.book = book or CampaignBook()
        self._topic, self._bootstrap = topic, bootstrap
        self._consumer: AIOKafkaConsumer | None = None
        self._tps: list[TopicPartition] = []
        self._position: dict[TopicPartition, int] = {}
        self._moved = asyncio.Condition()
        self._question_lock = asyncio.Lock()
        self._following = False  # while `follow` runs, it alone reads; otherwise a question reads itself

    # --- what the services ask -------------------------------------------------------------------

    def campaign(self, code: str) -> Campaign:
        """The campaign as it stands now; raises UnknownCampaign naming the code."""
        return self.book.as_of(code)

    def campaign_at(self, code: str, at: datetime) -> Campaign:
        """The campaign as it stood at `at` (timeline changes that occurred later not applied)."""
        return self.book.as_of(code, at)

    def titles(self) -> dict[str, str]:
        """Every opened campaign's title by code, for messages that name other campaigns."""
        return {code: self.book.as_of(code).title for code in self.book.codes}

    async def knowing(self, code: str) -> Campaign:
        """`campaign(code)`, after catching up with the topic as it ends now if the code is not known yet."""
        if code in self.book:
            return self.book.as_of(code)
        async with self._question_lock:  # questions asked meanwhile share the catch-up
            if code not in self.book and self._consumer is not None:
                await self._caught_up_to(await self._consumer.end_offsets(self._tps))
        return self.campaign(code)

    # --- reading the topic ---------------------------------------------------------------------

    async def start(self) -> None:
        """Read the topic to its current end."""
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap or kafka_bootstrap(),
                                          enable_auto_commit=False, auto_offset_reset="earliest",
                                          isolation_level="read_committed")
        await self._consumer.start()
        self._tps = [TopicPartition(self._topic.name, p) for p in range(self._topic.partitions)]
        self._consumer.assign(self._tps)
        await self._consumer.seek_to_beginning(*self._tps)
        ends = await self._consumer.end_offsets(self._tps)
        while not self._reached(ends):
            await self._read_once(timeout_ms=500)

    async def follow(self, stop: asyncio.Event) -> None:
        self._following = True
        try:
            while not stop.is_set():
                try:
                    await self._read_once(timeout_ms=500)
                except Exception:  # the broker restarting: keep the book we have and try again
                    log.warning("following %s failed; retrying", self._topic.name, exc_info=True)
                    await asyncio.sleep(1)
        finally:
            self._following = False

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    async def _read_once(self, timeout_ms: int) -> None:
        assert self._consumer is not None
        batch = await self._consumer.getmany(timeout_ms=timeout_ms)
        for tp in sorted(batch, key=lambda t: t.partition):
            self._fold(batch[tp])
        for tp in self._tps:
            self._position[tp] = await self._consumer.position(tp)
        async with self._moved:
            self._moved.notify_all()

    def _fold(self, records: Iterable) -> None:
        events, letters = decoded(records)
        for letter in letters:  # every service reads this topic: skipping is what each of them does
            log.warning("skipping campaign record %s@%s: %s", letter.record.partition, letter.record.offset,
                        letter.reason)
        for _, event in events:
            self.book = evolve(self.book, event)

    def _reached(self, ends: dict[TopicPartition, int]) -> bool:
        return all(self._position.get(tp, 0) >= end for tp, end in ends.items())

    async def _caught_up_to(self, ends: dict[TopicPartition, int], timeout_s: float = 10) -> None:
        async with asyncio.timeout(timeout_s):
            while not self._following and not self._reached(ends):
                await self._read_once(timeout_ms=200)
            async with self._moved:
                await self._moved.wait_for(lambda: self._reached(ends))


async def read_campaign_book(topic: Topic = CAMPAIGNS, bootstrap: str | None = None) -> CampaignBook:
    """The campaigns topic folded as it ends now: for tools that ask once (the operator CLI)."""
    follower = CampaignFollower(topic, bootstrap)
    await follower.start()
    try:
        for event_id, why in follower.book.ignored:
            log.warning("campaign event %s ignored: %s", event_id, why)
        return follower.book
    finally:
        await follower.stop()


__all__ = ["CampaignFollower", "UnknownCampaign", "read_campaign_book"]
