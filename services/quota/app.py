"""Quota service wiring: the unit stream -> load state -> decide -> record + outbox -> relay to Kafka."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Iterable

import asyncpg
from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError

from contracts.campaign import Campaign
from contracts.events import (
    Event, NominationAmended, NominationSubmitted, NominationWithdrawn, UnitChannelsChanged, UnitRegistered,
    decode_event,
)
from contracts.topics import NOMINATIONS
from eventlog.consumer import ConsumerSpec, Records, StoredOffsetConsumer
from eventlog.deadletter import DeadLetter
from eventlog.producer import EventPublisher
from eventlog.settings import consumer_group

from . import store
from .domain import QuotaRules, decide, evolve

log = logging.getLogger("quota")
CONSUMER_NAME = "quota"
DECIDED = (NominationSubmitted, NominationAmended, NominationWithdrawn)
REGISTRY = (UnitRegistered, UnitChannelsChanged)

CampaignLookup = Callable[[str], Awaitable[Campaign | None]]


class QuotaDecider:
    """Applies one batch of the unit stream inside the consumer's transaction."""

    def __init__(self, campaign_for: CampaignLookup) -> None:
        self.campaign_for = campaign_for
        self._rules: dict[str, QuotaRules] = {}
        self.decisions_made = 0
        self.outbox_ready = asyncio.Event()

    async def apply(self, conn: asyncpg.Connection, records: Records) -> list[DeadLetter]:
        events, letters = await self._decode(r for recs in records.values() for r in recs)
        state = await store.load_state(
            conn,
            units={(e.campaign, e.unit_id) for _, e in events},
            nominations={e.nomination_id for _, e in events if isinstance(e, DECIDED)},
        )
        changes, decisions = [], []
        for _, event in events:
            if isinstance(event, REGISTRY):
                changes.append(event)
                state = evolve(state, event)
                continue
            for decision in decide(state, event, await self._rules_for(event.campaign)):
                state = evolve(state, decision)
                decisions.append(decision)
        await store.record(conn, state, changes, decisions)
        self.decisions_made += len(decisions)
        return letters

    async def _rules_for(self, code: str) -> QuotaRules:
        campaign = await self.campaign_for(code)
        if code not in self._rules or self._rules[code].campaign is not campaign:
            self._rules[code] = QuotaRules(campaign)
        return self._rules[code]

    async def after_commit(self, records: Records) -> None:
        self.outbox_ready.set()

    async def _decode(self, records: Iterable[ConsumerRecord]) -> tuple[list[tuple[ConsumerRecord, Event]],
                                                                         list[DeadLetter]]:
        events, letters = [], []
        for record in records:
            try:
                event = decode_event(record.value)
            except (ValidationError, ValueError) as exc:  # unknown types and bad JSON are ValueErrors
                letters.append(DeadLetter(record, f"undecodable: {exc}"))
                continue
            if not isinstance(event, DECIDED + REGISTRY):
                continue
            if await self.campaign_for(event.campaign) is None:
                letters.append(DeadLetter(record, f"unknown campaign: {event.campaign}"))
                continue
            events.append((record, event))
        return events, letters


async def relay_forever(pool: asyncpg.Pool, publisher: EventPublisher, ready: asyncio.Event,
                        stop: asyncio.Event) -> None:
    """Publish outbox rows whenever a batch commits (and every half second), and once more on stop."""
    while True:
        try:
            await asyncio.wait_for(ready.wait(), timeout=0.5)
        except TimeoutError:
            pass
        ready.clear()
        stopping = stop.is_set()
        try:
            async with pool.acquire() as conn:
                while await store.relay_outbox(conn, publisher.publish_rows):
                    pass
        except Exception:
            log.exception("outbox relay failed; retrying")
            await asyncio.sleep(1)
        if stopping:
            return


async def run_decider(stop: asyncio.Event, pool: asyncpg.Pool, publisher: EventPublisher,
                      campaign_for: CampaignLookup) -> None:
    """Consume the unit stream and relay decisions until `stop` is set."""
    decider = QuotaDecider(campaign_for)
    consumer = StoredOffsetConsumer(
        ConsumerSpec(name=CONSUMER_NAME, topics=[NOMINATIONS.name], apply=decider.apply,
                     after_commit=decider.after_commit, group_id=consumer_group("quota"),
                     max_records=int(os.environ.get("QUOTA_MAX_RECORDS", "2000"))),
        pool, publisher,
    )
    await consumer.start()
    log.info("quota decider consuming %s", NOMINATIONS.name)
    relay = asyncio.create_task(relay_forever(pool, publisher, decider.outbox_ready, stop))
    try:
        await consumer.run(stop)
    finally:
        stop.set()
        await relay
        await consumer.stop()
