"""Random but contract-valid logs for the ranking views: a hypothesis strategy and its records.

A drawn log is a campaign's facts in a random production order — registrations, submissions,
amendments, quota decisions (some re-published with the same event id, as an outbox does after a
crash), withdrawals, screenings, scores, results, decisions and publications — each placed on
its topic's partition by key, with offsets in production order.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta, timezone

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord
from hypothesis import strategies as st

from contracts.codes import CHANNELS, DOMAINS
from contracts.events import (
    Actor, Event, FinalDecisionRecorded, ListPublished, NominationAmended, NominationScreened, NominationSubmitted,
    NominationWithdrawn, PrelimResultsSubmitted, PrelimScored, PublishedEntry, QuotaRejected, QuotaReleased,
    QuotaReserved, UnitChannelsChanged, UnitRegistered, encode_event, unit_key,
)
from contracts.topics import NOMINATIONS, PUBLISH, QUOTA, REVIEW

CAMPAIGN = "kczg-2022"
T0 = datetime(2022, 10, 31, 15, tzinfo=timezone.utc)  # around the Beijing-time day boundary
ACTOR = Actor(role="system", id="test")
TARGETS = [("leading_tech", d) for d in DOMAINS] + [("emerging_enterprise", None), ("tech_manager_pioneer", None)]
PARTITIONS = 2
TOPIC_OF = {UnitRegistered: NOMINATIONS, UnitChannelsChanged: NOMINATIONS, NominationSubmitted: NOMINATIONS,
            NominationAmended: NOMINATIONS, NominationWithdrawn: NOMINATIONS, NominationScreened: NOMINATIONS,
            QuotaReserved: QUOTA, QuotaRejected: QUOTA, QuotaReleased: QUOTA, PrelimScored: REVIEW,
            PrelimResultsSubmitted: REVIEW, FinalDecisionRecorded: REVIEW, ListPublished: PUBLISH}


@st.composite
def ranking_events(draw) -> list[Event]:
    """The facts of one small campaign, in a random production order, some of them repeated."""
    when = lambda: T0 + timedelta(hours=draw(st.integers(0, 3)))  # few instants: versions tie, ids decide  # noqa: E731
    env = lambda key: dict(event_id=draw(st.uuids()), occurred_at=when(), campaign=CAMPAIGN, key=key,  # noqa: E731
                           actor=ACTOR)
    channels = st.lists(st.sampled_from(sorted(CHANNELS)), min_size=1, max_size=2, unique=True).map(tuple)
    units = [f"unit-{i}" for i in range(draw(st.integers(1, 3)))]
    events: list[Event] = []
    for unit in units:
        key = unit_key(CAMPAIGN, unit)
        events.append(UnitRegistered(**env(key), unit_id=unit, name=f"单位{unit}", channels=draw(channels)))
        events += [UnitChannelsChanged(**env(key), unit_id=unit, channels=draw(channels))
                   for _ in range(draw(st.integers(0, 2)))]
    ids = draw(st.lists(st.uuids(), min_size=1, max_size=5, unique=True))
    for nomination_id in ids:
        unit = draw(st.sampled_from(units))
        key, common = unit_key(CAMPAIGN, unit), dict(nomination_id=nomination_id, unit_id=unit)
        list_code, domain = draw(st.sampled_from(TARGETS))
        events.append(NominationSubmitted(**env(key), **common, list_code=list_code, domain=domain, title="成果一",
                                          channels=draw(st.just(()) | channels)))  # () as before the field
        revisions = draw(st.integers(1, 3))
        for revision in range(2, revisions + 1):
            list_code, domain = draw(st.sampled_from(TARGETS))
            events.append(NominationAmended(**env(key), **common, revision=revision, list_code=list_code,
                                            domain=domain, title=f"成果一（第{revision}版）"))
        for revision in range(1, revisions + 1):
            target = dict(list_code=list_code, domain=domain, revision=revision)
            outcome = draw(st.sampled_from(["reserved", "rejected", "refused_move", "none"]))
            if outcome == "reserved":
                events.append(QuotaReserved(**env(key), **common, **target, slot=draw(st.integers(1, 3)), limit=3,
                                            used=2))
            elif outcome in ("rejected", "refused_move"):
                events.append(QuotaRejected(**env(key), **common, **target, reason="over_quota", message="名额已满",
                                            limit=3, used=3, keeps_previous=outcome == "refused_move"))
            if draw(st.booleans()):
                events.append(QuotaReleased(**env(key), **common, **target, slot=1, used=1,
                                            reason=draw(st.sampled_from(["withdrawn", "moved", "screened_out"]))))
        events += [NominationWithdrawn(**env(key), **common, reason="撤回") for _ in range(draw(st.integers(0, 2)))]
        events += [NominationScreened(**env(key), **common, passed=draw(st.booleans()))
                   for _ in range(draw(st.integers(0, 2)))]
        review_key = f"{CAMPAIGN}:{list_code}"
        events += [PrelimScored(**env(review_key), nomination_id=nomination_id, list_code=list_code, domain=domain,
                                aggregate=draw(st.decimals(0, 100, places=2)), raw_sum=500.5, rank=draw(st.integers(1, 9)),
                                expert_count=7, method="trimmed_mean") for _ in range(draw(st.integers(0, 2)))]
        events += [FinalDecisionRecorded(**env(review_key), nomination_id=nomination_id, list_code=list_code,
                                         domain=domain, selected=draw(st.booleans()))
                   for _ in range(draw(st.integers(0, 2)))]
    for _ in range(draw(st.integers(0, 2))):
        ranked = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)))
        events.append(PrelimResultsSubmitted(**env(f"{CAMPAIGN}:results"), body_code="kczg_secretariat",
                                             list_code="leading_tech", domain="biomedicine", ranked=tuple(ranked),
                                             late=draw(st.booleans())))
    for _ in range(draw(st.integers(0, 2))):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)))
        events.append(ListPublished(**env(f"{CAMPAIGN}:publish"), list_code="leading_tech", published_at=when(),
                                    entries=tuple(PublishedEntry(nomination_id=i, title="成果", unit_id=units[0])
                                                  for i in chosen)))
    events += draw(st.lists(st.sampled_from(events), max_size=3))  # re-published: same event, same id
    return draw(st.permutations(events))


def log_records(events: list[Event]) -> dict[TopicPartition, list[ConsumerRecord]]:
    """The events as Kafka would hold them: per partition, offsets in production order."""
    log: dict[TopicPartition, list[ConsumerRecord]] = {}
    for event in events:
        topic = TOPIC_OF[type(event)].name
        tp = TopicPartition(topic, zlib.crc32(event.key.encode()) % PARTITIONS)
        records = log.setdefault(tp, [])
        value, key = encode_event(event), event.key.encode()
        records.append(ConsumerRecord(topic, tp.partition, len(records), int(event.occurred_at.timestamp() * 1000), 0,
                                      key, value, None, len(key), len(value), ()))
    return log


async def produce_mix(count: int, seed: int = 1, units_per_campaign: int = 60) -> int:
    """`count` events of the benchmark's realistic mix onto the current topic set; returns how many."""
    import os

    from bench.event_mix import EventMix, encode

    prefix = os.environ.get("KCZG_TOPIC_PREFIX", "")
    return await _produce((prefix + topic, key, value) for topic, key, value in
                          map(encode, EventMix(seed=seed, units_per_campaign=units_per_campaign).events(count)))


async def produce_events(events: list[Event]) -> int:
    return await _produce((TOPIC_OF[type(e)].name, e.key.encode(), encode_event(e)) for e in events)


async def _produce(records) -> int:
    import asyncio

    from eventlog.write.producer import event_producer

    producer = event_producer(linger_ms=10)
    await producer.start()
    try:
        futures = [await producer.send(topic, value, key=key) for topic, key, value in records]
        await asyncio.gather(*futures)
        return len(futures)
    finally:
        await producer.stop()
