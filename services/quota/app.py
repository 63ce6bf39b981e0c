"""Quota service wiring: the unit stream -> load state -> decide -> state + outbox (one transaction) -> publish.

The decider is the unit of work of a consumer that decides (eventlog/write/consumer_decisions.py): the stored-
offset consumer's offset rows are its lock and idempotency record, the outbox carries its decisions.
"""

from __future__ import annotations

import asyncio
import logging
import os

import asyncpg
from prometheus_client import Counter

from contracts.events import (
    NominationAmended, NominationScreened, NominationSubmitted, NominationWithdrawn, UnitChannelsChanged,
    UnitRegistered,
)
from contracts.topics import NOMINATIONS
from eventlog.consume.campaign_follower import CampaignFollower
from eventlog.consume.consumer import ConsumerSpec, Records, StoredOffsetConsumer
from eventlog.write.consumer_decisions import ConsumerDecisions
from eventlog.consume.deadletter import DeadLetter, of_known_campaigns
from eventlog.log_format import done, handling
from eventlog.write.outbox import Outbox
from eventlog.write.producer import EventPublisher
from eventlog.settings import consumer_group, instance_name

from . import store
from .domain import QuotaRules, decide, evolve

log = logging.getLogger("quota")
CONSUMER_NAME = "quota"
DECIDED = (NominationSubmitted, NominationAmended, NominationWithdrawn, NominationScreened)
REGISTRY = (UnitRegistered, UnitChannelsChanged)
DECISIONS = Counter("kczg_quota_decisions", "Quota decisions committed, by outcome (reserved, rejected, released), "
                    "the rejection's or release's reason, and list", ("outcome", "reason", "list_code"))
_OUTCOMES = {"QuotaReserved": "reserved", "QuotaRejected": "rejected", "QuotaReleased": "released"}


class QuotaDecider:
    """Applies one batch of the unit stream inside the consumer's transaction."""

    def __init__(self, campaigns: CampaignFollower, outbox: Outbox) -> None:
        self.campaigns, self.outbox = campaigns, outbox
        self.decisions = ConsumerDecisions(outbox, CONSUMER_NAME)
        self._rules: dict[str, QuotaRules] = {}
        self._outcomes: list[tuple[str, str, str]] = []  # the batch's decisions, counted once it committed
        self.decisions_made = 0

    async def apply(self, conn: asyncpg.Connection, records: Records) -> list[DeadLetter]:
        events, letters = await of_known_campaigns((r for recs in records.values() for r in recs),
                                                    DECIDED + REGISTRY, self.campaigns)
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
            token = handling(event)  # what is logged while deciding names the nomination's event
            try:
                for decision in decide(state, event, self._rules_for(event.campaign)):
                    state = evolve(state, decision)
                    decisions.append(decision)
                    log.debug("%s %s", decision.type, decision.nomination_id)
            finally:
                done(token)
        await store.record(conn, self.outbox, state, changes, decisions)
        self.decisions.staged(decisions)
        self._outcomes = [(_OUTCOMES.get(d.type, d.type), getattr(d, "reason", ""), d.list_code) for d in decisions]
        self.decisions_made += len(decisions)
        return letters

    def _rules_for(self, code: str) -> QuotaRules:
        campaign = self.campaigns.campaign(code)
        if code not in self._rules or self._rules[code].campaign is not campaign:
            self._rules[code] = QuotaRules(campaign)
        return self._rules[code]

    async def after_commit(self, records: Records) -> None:
        """Publish the batch's decisions while the next batch is read and decided (the outbox keeps each
        unit's decisions in order, and a later batch's wait behind this one)."""
        outcomes, self._outcomes = self._outcomes, []
        for labels in outcomes:
            DECISIONS.labels(*labels).inc()
        self.decisions.committed()


async def run_decider(stop: asyncio.Event, pool: asyncpg.Pool, publisher: EventPublisher,
                      campaigns: CampaignFollower, outbox: Outbox) -> None:
    """Consume the unit stream until `stop` is set (the write side's relay republishes what a crash left)."""
    decider = QuotaDecider(campaigns, outbox)
    consumer = StoredOffsetConsumer(
        ConsumerSpec(name=CONSUMER_NAME, topics=[NOMINATIONS.name], apply=decider.apply,
                     after_commit=decider.after_commit, group_id=consumer_group("quota"),
                     max_records=int(os.environ.get("QUOTA_MAX_RECORDS", "2000")),
                     # The group's description names the instance holding each partition (kafka-consumer-groups, tests).
                     consumer_overrides={"client_id": f"quota-{instance_name()}"}),
        pool, publisher,
    )
    await consumer.start()
    log.info("quota decider consuming %s", NOMINATIONS.name)
    try:
        await consumer.run(stop)
    finally:
        await consumer.stop()
