"""The notifier's follower: the unit streams (registry, nominations, screening, returns), the quota
decisions, the applications, the review log and the notices, objections and releases, the 定向推介 packages -> the notices due (domain/notices.py) -> the notices outbox, in the consumer's transaction with its
stored offsets (eventlog/consume/consumer.py): an event read twice, or after a crash, makes no second notice.
The sender (sender.py) delivers them."""

from __future__ import annotations

import asyncio
import logging
import os

import asyncpg
from prometheus_client import Counter

from contracts.events import (
    ApplicationDeclined, ApplicationReturned, ApplicationSaved, ApplicationSentToUnit, ExpertAssigned, ExpertScoreRecorded,
    ExpertUnassigned, FinalDecisionRecorded, ListPublished, NominationResubmitted, NominationReturned,
    NominationScreened, NominationSubmitted, NominationWithdrawn, ObjectionFiled, ObjectionResolved, PackageSent,
    PlanAcknowledged, PlanReturned, PrelimResultsSubmitted, PublicNoticeOpened, QuotaRejected, QuotaReleased, QuotaReserved,
    ReReviewClosed,
    ReReviewOpened, ReviewPlanFiled, UnitChannelsChanged, UnitRegistered, target_key,
)
from contracts.topics import APPLICATIONS, NOMINATIONS, PUBLISH, QUOTA, REVIEW
from eventlog.consume.campaign_follower import CampaignFollower
from eventlog.consume.consumer import ConsumerSpec, Records, StoredOffsetConsumer
from eventlog.consume.deadletter import DeadLetter, of_known_campaigns
from eventlog.settings import consumer_group, instance_name
from eventlog.write.producer import EventPublisher

from . import store
from .domain import (Unit, application_notices, audience_rows, decision_notices, evolve, late_decision_notices, notices_for,
                     objection_notices, package_notices, plan_notices, receipt_notices, released_notices, rereview_notices,
                     window_of)

log = logging.getLogger("notify")
CONSUMER_NAME = "notify"
ABOUT_NOMINATIONS = (NominationSubmitted, NominationWithdrawn, NominationScreened, NominationReturned,
                     NominationResubmitted, QuotaRejected, QuotaReserved, FinalDecisionRecorded)
ABOUT_SEATS = (ExpertAssigned, ExpertUnassigned, ExpertScoreRecorded)
ABOUT_APPLICATIONS = (ApplicationSaved, ApplicationSentToUnit, ApplicationReturned, ApplicationDeclined)
FOLLOWED = (UnitRegistered, UnitChannelsChanged, ReviewPlanFiled, PlanAcknowledged, PlanReturned,
            PrelimResultsSubmitted, QuotaReleased, PublicNoticeOpened, ListPublished, ObjectionFiled, ObjectionResolved,
            ReReviewOpened, ReReviewClosed, PackageSent,
            *ABOUT_NOMINATIONS, *ABOUT_SEATS, *ABOUT_APPLICATIONS)
TOPICS = (NOMINATIONS, QUOTA, APPLICATIONS, REVIEW, PUBLISH)
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
        channels, quota_used, applications, objections, resolved, opened, closed = [], [], [], [], [], [], []
        audience: list[tuple[str, str, str]] = []
        windows, opening = await store.load_windows(conn), []
        revisions = await store.sent_revisions(conn, sorted({str(e.application_id) for e in kept
                                                             if isinstance(e, ABOUT_APPLICATIONS)}))
        rereviews: dict[str, int] = {}   # nomination -> re-reviews opened so far
        rounds: dict[str, int] = {}      # ReReviewOpened event id -> its round
        for event in kept:
            match event:
                case UnitRegistered():
                    units.append((Unit(event.campaign, event.unit_id, event.name, event.contact_email),
                                  event.channels))
                case UnitChannelsChanged():
                    channels.append((event.campaign, event.unit_id, event.channels))
                case ReviewPlanFiled():
                    # kept sealed as the log carries them: opened only when a message is sent (store.party_of)
                    experts += [(event.campaign, x.expert_id, x.name.model_dump_json(),
                                 x.contact_email.model_dump_json() if x.contact_email else None) for x in event.roster]
                    if event.contact_email:
                        bodies.append((event.campaign, event.body_code, event.contact_email))
                    notices += plan_notices(event)
                case PlanAcknowledged() | PlanReturned():
                    notices += receipt_notices(event)
                case PrelimResultsSubmitted():
                    results.append((event.campaign, event.body_code,
                                    target_key(event.campaign, event.list_code, event.domain)))
                case ExpertAssigned() | ExpertUnassigned() | ExpertScoreRecorded():
                    target = target_key(event.campaign, event.list_code or "", event.domain)
                    change = {ExpertAssigned: (True, None, None), ExpertUnassigned: (False, None, None),
                              ExpertScoreRecorded: (None, True, event.occurred_at)}[type(event)]
                    seats.append((str(event.nomination_id), event.expert_id, event.campaign, target, *change))
                    notices += notices_for(event, None)
                case ReReviewOpened():
                    nid, eid = str(event.nomination_id), str(event.event_id)
                    round = rounds.get(eid) or await store.re_review_round(conn, eid)
                    if round is None:  # a new re-review of the nomination: its next round
                        if nid not in rereviews:
                            rereviews[nid] = await store.re_reviews_opened(conn, nid)
                        rereviews[nid] += 1
                        round = rounds[eid] = rereviews[nid]
                        opened.append((nid, round, event.campaign, event.occurred_at, eid))
                    notices += rereview_notices(event, round - 1)
                case ReReviewClosed():
                    closed.append(str(event.nomination_id))
                case QuotaReleased():
                    quota_used.append((event.campaign, event.unit_id, event.list_code, event.domain or "", event.used))
                case ApplicationSaved():
                    applications.append((str(event.application_id), event.campaign, event.unit_id, None, None,
                                         event.title, None,
                                         event.contact_email.model_dump_json() if event.contact_email else None,
                                         event.applicant_id))
                case ApplicationSentToUnit():
                    aid = str(event.application_id)
                    revisions[aid] = max(revisions.get(aid, 0), event.revision)
                    applications.append((aid, event.campaign, event.unit_id, event.occurred_at, None, None,
                                         event.revision))
                case ApplicationReturned() | ApplicationDeclined():
                    applications.append((str(event.application_id), event.campaign, event.unit_id, None,
                                         event.occurred_at))
                    notices += application_notices(event, revisions.get(str(event.application_id), 0))
                case PublicNoticeOpened():
                    windows[(event.campaign, event.list_code)] = window_of(event)
                    opening.append(event)
                case ListPublished():
                    notices += released_notices(event)
                case ObjectionFiled():
                    objections.append((str(event.objection_id), event.campaign, str(event.nomination_id),
                                       event.name.model_dump_json(),
                                       event.contact.model_dump_json() if event.contact else None))
                    notices += objection_notices(event)
                case ObjectionResolved():
                    resolved.append(str(event.objection_id))
                    notices += objection_notices(event)
                case PackageSent():  # 定向推介: each audience address told once (domain/packages.py)
                    audience += audience_rows(event)
                    notices += package_notices(event)
                case _:
                    nid = str(event.nomination_id)
                    notices += notices_for(event, known.get(nid))
                    if isinstance(event, FinalDecisionRecorded):
                        notices += late_decision_notices(event, windows.get((event.campaign, event.list_code)))
                    if isinstance(event, QuotaReserved):
                        quota_used.append((event.campaign, event.unit_id, event.list_code, event.domain or "",
                                           event.used))
                    if isinstance(event, NominationSubmitted) and event.application_id:  # recommended: answered
                        applications.append((str(event.application_id), event.campaign, event.unit_id, None,
                                             event.occurred_at))
                        notices += application_notices(event, 0)
                    known[nid] = evolve(known.get(nid), event)
                    touched.add(nid)
        await store.save_units(conn, units)
        await store.save_channels(conn, channels)
        await store.save_experts(conn, experts)
        await store.save_bodies(conn, bodies)
        await store.save_results_in(conn, results)
        await store.save_seats(conn, seats)
        await store.save_re_reviews(conn, opened, closed)
        await store.save_quota_used(conn, quota_used)
        await store.save_applications(conn, applications)
        await store.save_objections(conn, objections, resolved)
        await store.save_audience(conn, audience)
        await store.save_nominations(conn, [known[n] for n in sorted(touched)])
        await store.save_windows(conn, [window_of(e) for e in opening])
        for event in opening:  # after the batch's decisions are stored: those decided not selected are told too
            notices += decision_notices(window_of(event), [str(n) for n in event.nominations],
                                        await store.not_selected_on(conn, event.campaign, event.list_code),
                                        event.occurred_at)
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
        ConsumerSpec(name=CONSUMER_NAME, topics=[t.name for t in TOPICS], apply=follower.apply,
                     after_commit=follower.after_commit, group_id=consumer_group("notify"),
                     max_records=int(os.environ.get("NOTIFY_MAX_RECORDS", "2000")),
                     consumer_overrides={"client_id": f"notify-{instance_name()}"}),
        pool, publisher)
    await consumer.start()
    log.info("notifier following %s", ", ".join(t.name for t in TOPICS))
    try:
        await consumer.run(stop)
    finally:
        await consumer.stop()
