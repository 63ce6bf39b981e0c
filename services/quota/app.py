"""Quota service wiring: nominations topic -> load state -> decide -> record + outbox -> relay to Kafka."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterable

import asyncpg
from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError

from contracts.events import NominationSubmitted, decode_event
from contracts.topics import NOMINATIONS
from eventlog.consumer import ConsumerSpec, Records, StoredOffsetConsumer
from eventlog.deadletter import DeadLetter
from eventlog.producer import EventPublisher, event_producer
from eventlog.settings import consumer_group, database_url

from . import store
from .domain import decide_submission, evolve
from .limits import LimitPolicy, limit_policy_from_env

log = logging.getLogger("quota")
CONSUMER_NAME = "quota"


class QuotaDecider:
    def __init__(self, policy: LimitPolicy) -> None:
        self.policy = policy
        self.decisions_made = 0
        self.outbox_ready = asyncio.Event()

    async def apply(self, conn: asyncpg.Connection, records: Records) -> list[DeadLetter]:
        submissions, letters = self._decode(r for recs in records.values() for r in recs)
        state = await store.load_state(
            conn,
            units={(s.campaign, s.unit_id) for s in submissions},
            nominations={s.nomination_id for s in submissions},
        )
        decisions = []
        for submitted in submissions:
            for event in decide_submission(state, submitted, self.policy.limit_for(submitted)):
                state = evolve(state, event)
                decisions.append(event)
        await store.record(conn, decisions)
        self.decisions_made += len(decisions)
        return letters

    async def after_commit(self, records: Records) -> None:
        self.outbox_ready.set()

    @staticmethod
    def _decode(records: Iterable[ConsumerRecord]) -> tuple[list[NominationSubmitted], list[DeadLetter]]:
        submissions, letters = [], []
        for record in records:
            try:
                event = decode_event(record.value)
            except (ValidationError, ValueError) as exc:  # UnknownEventType and JSON errors are ValueErrors
                letters.append(DeadLetter(record, f"undecodable: {exc}"))
                continue
            if isinstance(event, NominationSubmitted):
                submissions.append(event)
        return submissions, letters


async def relay_forever(pool: asyncpg.Pool, publisher: EventPublisher, ready: asyncio.Event,
                        stop: asyncio.Event) -> None:
    async def publish(rows):
        by_topic: dict[str, list] = {}
        for topic, key, value in rows:
            by_topic.setdefault(topic, []).append((key, value))
        for topic, recs in by_topic.items():
            await publisher.publish_raw(topic, recs)

    while not stop.is_set():
        try:
            await asyncio.wait_for(ready.wait(), timeout=0.5)
        except TimeoutError:
            pass
        ready.clear()
        try:
            async with pool.acquire() as conn:
                while await store.relay_outbox(conn, publish):
                    pass
        except Exception:
            log.exception("outbox relay failed; retrying")
            await asyncio.sleep(1)


async def run(stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    pool = await asyncpg.create_pool(database_url(), min_size=2, max_size=4)
    async with pool.acquire() as conn:
        await store.ensure_schema(conn)
    producer = event_producer()
    await producer.start()
    publisher = EventPublisher(producer)
    decider = QuotaDecider(limit_policy_from_env())
    consumer = StoredOffsetConsumer(
        ConsumerSpec(name=CONSUMER_NAME, topics=[NOMINATIONS.name], apply=decider.apply,
                     after_commit=decider.after_commit, group_id=consumer_group("quota"),
                     max_records=int(os.environ.get("QUOTA_MAX_RECORDS", "2000"))),
        pool, publisher,
    )
    await consumer.start()
    log.info("quota service consuming %s", NOMINATIONS.name)
    relay = asyncio.create_task(relay_forever(pool, publisher, decider.outbox_ready, stop))
    try:
        await consumer.run(stop)
    finally:
        stop.set()
        await relay
        await consumer.stop()
        await producer.stop()
        await pool.close()
