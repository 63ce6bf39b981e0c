"""The notifier's follower: the unit streams (registry, nominations, screening, returns) and the quota
decisions -> the notices due (domain/notices.py) -> the notices outbox, in the consumer's transaction with its
stored offsets (eventlog/consume/consumer.py): an event read twice, or after a crash, makes no second notice.
The sender (sender.py) delivers them."""

from __future__ import annotations

import asyncio
import logging
import os

import asyncpg
from prometheus_client import Counter

from contracts.events import (
    ExpertAssigned, ExpertScoreRecorded, ExpertUnassigned, NominationResubmitted, NominationReturned,
    NominationScreened, NominationSubmitted, NominationWithdrawn, PrelimResultsSubmitted, QuotaRejected, QuotaReserved,
    ReviewPlanFiled, UnitRegistered, target_key,
)
from contracts.topics import NOMINATIONS, QUOTA, REVIEW
from eventlog.consume.campaign_follower import CampaignFollower
from eventlog.consume.consumer import ConsumerSpec, Records, StoredOffsetConsumer
from eventlog.consume.deadletter import DeadLetter, of_known_campaigns
from eventlog.settings import consumer_group, instance_name
from eventlog.write.producer import EventPublisher

from . import store
from .domain import Unit, evolve, notices_for

log = logging.getLogger("notify")
CONSUMER_NAME = "notify"
ABOUT_NOMINATIONS = (NominationSubmitted, NominationWithdrawn, NominationScreened, NominationReturned,
                     NominationResubmitted, QuotaRejected, QuotaReserved)
ABOUT_SEATS = (ExpertAssigned, ExpertUnassigned, ExpertScoreRecorded)
FOLLOWED = (UnitRegistered, ReviewPlanFiled, PrelimResultsSubmitted, *ABOUT_NOMINATIONS, *ABOUT_SEATS)
NOTICES = Counter("kczg_notify_notices", "Notices made due (written to the notifier's outbox), by kind", ("kind",))


class NoticeFollower:
    """Applies one batch inside the consumer's transaction; wakes the sender once it committed."""

    def __init__(self, campaigns: CampaignFollower, wake: asyncio.Event) -> None:
        self.campaigns, self.wake = campaigns, wake
        self._made: list[str] = []

    async def apply(self, conn: asyncpg.Connection, records: Records) -> list[DeadLetter]:
        followed, letters = await of_known_campaigns((r for recs in records.values() for r in recs), FOLLOWED,
                                                     self.campaigns)
        kept = [event for _, event in followed]
        known = await store.load_nominations(
            conn, sorted({str(e.nomination_id) for e in kept if isinstance(e, ABOUT_NOMINATIONS)}))
        units, experts, bodies, results, seats, notices, touched = [], [], [], [], [], [], set()
        for event in kept:
            match event:
                case UnitRegistered():
                    units.append(Unit(event.campaign, event.unit_id, event.name, event.contact_email))
                case ReviewPlanFiled():
                    # kept sealed as the log carries them: opened only when a message is sent (store.party_of)
                    experts += [(event.campaign, x.expert_id, x.name.model_dump_json(),
                                 x.contact_email.model_dump_json() if x.contact_email else None) for x in event.roster]
                    if event.contact_email:
                        bodies.append((event.campaign, event.body_code, event.contact_email))
                case PrelimResultsSubmitted():
                    results.append((event.campaign, event.body_code,
                                    target_key(event.campaign, event.list_code, event.domain)))
                case ExpertAssigned() | ExpertUnassigned() | ExpertScoreRecorded():
                    target = target_key(event.campaign, event.list_code or "", event.domain)
                    change = {ExpertAssigned: (True, None), ExpertUnassigned: (False, None),
                              ExpertScoreRecorded: (None, True)}[type(event)]
                    seats.append((str(event.nomination_id), event.expert_id, event.campaign, target, *change))
                    notices += notices_for(event, None)
                case _:
                    nid = str(event.nomination_id)
                    notices += notices_for(event, known.get(nid))
                    known[nid] = evolve(known.get(nid), event)
                    touched.add(nid)
        await store.save_units(conn, units)
        await store.save_experts(conn, experts)
        await store.save_bodies(conn, bodies)
        await store.save_results_in(conn, results)
        await store.save_seats(conn, seats)
        await store.save_nominations(conn, [known[n] for n in sorted(touched)])
        await store.add_notices(conn, notices)
        self._made = [n.kind for n in notices]
        return letters

    async def after_commit(self, records: Records) -> None:
        made, self._made = self._made, []
        for kind in made:
            NOTICES.labels(kind).inc()
        if made:
            self.wake.set()


async def run_follower(stop: asyncio.Event, pool: asyncpg.Pool, publisher: EventPublisher,
                       campaigns: CampaignFollower, wake: asyncio.Event) -> None:
    follower = NoticeFollower(campaigns, wake)
    consumer = StoredOffsetConsumer(
        ConsumerSpec(name=CONSUMER_NAME, topics=[NOMINATIONS.name, QUOTA.name, REVIEW.name], apply=follower.apply,
                     after_commit=follower.after_commit, group_id=consumer_group("notify"),
                     max_records=int(os.environ.get("NOTIFY_MAX_RECORDS", "2000")),
                     consumer_overrides={"client_id": f"notify-{instance_name()}"}),
        pool, publisher)
    await consumer.start()
    log.info("notifier following %s, %s, %s", NOMINATIONS.name, QUOTA.name, REVIEW.name)
    try:
        await consumer.run(stop)
    finally:
        await consumer.stop()
