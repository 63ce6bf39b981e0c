"""The one place tests build events and put them straight onto the log, below the HTTP layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

from contracts.campaign import load_builtin_campaign
from contracts.campaign.book import CampaignBook
from contracts.campaign.decisions import decide_open
from contracts.events import (
    Actor, CampaignOpened, Event, FinalDecisionRecorded, NominationScreened, NominationSubmitted, NominationWithdrawn,
    PrelimResultsSubmitted, PrelimScored, QuotaReserved, ReviewPlanFiled, UnitRegistered, target_key, unit_key,
)
from contracts.review_terms import Criterion
from contracts.topics import CAMPAIGNS, NOMINATIONS, QUOTA, REVIEW, Topic
from eventlog.write.producer import EventPublisher, event_producer

CAMPAIGN = load_builtin_campaign("kczg-2022")
OPENED = datetime(2022, 9, 1, tzinfo=timezone.utc)
NOW = datetime(2022, 10, 10, 2, 0, tzinfo=timezone.utc)
SECRETARIAT = Actor(role="secretariat", id="kczg_secretariat")


def _unit_envelope(unit_id: str, campaign: str = CAMPAIGN.code) -> dict:
    return dict(occurred_at=NOW, campaign=campaign, key=unit_key(campaign, unit_id),
                actor=Actor(role="unit", id=unit_id))


def campaign_opened(campaign=CAMPAIGN) -> CampaignOpened:
    """The opening the operator CLI would publish (decided as it decides)."""
    (opened,) = decide_open(CampaignBook(), campaign, actor=SECRETARIAT, at=OPENED, source=f"{campaign.code}.yaml")
    return opened


def registered(unit_id: str, *channels: str, campaign: str = CAMPAIGN.code,
               contact_email: str | None = None) -> UnitRegistered:
    return UnitRegistered(unit_id=unit_id, name=f"测试推荐单位{unit_id}", channels=channels,
                          contact_email=contact_email, **{**_unit_envelope(unit_id, campaign), "actor": SECRETARIAT})


def submitted(unit_id: str, list_code: str = "leading_tech", domain: str | None = "biomedicine") -> NominationSubmitted:
    return NominationSubmitted(nomination_id=uuid4(), unit_id=unit_id, list_code=list_code, domain=domain,
                               title="测试推荐", **_unit_envelope(unit_id))


def withdrawn(nomination: NominationSubmitted) -> NominationWithdrawn:
    return NominationWithdrawn(nomination_id=nomination.nomination_id, unit_id=nomination.unit_id,
                               reason="测试撤回", **_unit_envelope(nomination.unit_id, nomination.campaign))


class LogWriter:
    """An idempotent producer for tests: `await writer.unit_stream(events)`."""

    async def __aenter__(self) -> "LogWriter":
        self._producer = event_producer()
        await self._producer.start()
        self.publisher = EventPublisher(self._producer)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._producer.stop()

    async def open_campaign(self, campaign=CAMPAIGN) -> None:
        await self.publisher.publish(CAMPAIGNS, campaign_opened(campaign))

    async def unit_stream(self, events) -> None:
        await self.publisher.publish_many([(NOMINATIONS, e) for e in events])

    async def raw(self, topic: str, key: bytes, value: bytes) -> None:
        await self.publisher.publish_raw(topic, [(key, value)])


async def publish(*items: tuple) -> None:
    """(topic, event) pairs onto the log, acked."""
    async with LogWriter() as log:
        await log.publisher.publish_many(items)


async def open_campaign(code: str = "kczg-2022") -> None:
    async with LogWriter() as log:
        await log.open_campaign(load_builtin_campaign(code))


async def register_units(units: dict[str, tuple[str, ...]], campaign: str = "kczg-2022") -> None:
    await publish(*((NOMINATIONS, registered(u, *ch, campaign=campaign)) for u, ch in units.items()))


# --- the facts a release rests on (what intake, quota and review would have written) --------------

DECIDED = datetime(2022, 12, 15, 2, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class NominationChain:
    """One nomination's way to the final review, as (topic, event) pairs ready for `publish`."""

    submitted: NominationSubmitted
    events: tuple[tuple[Topic, Event], ...]

    @property
    def nomination_id(self) -> UUID:
        return self.submitted.nomination_id


def nomination_chain(unit_id: str, list_code: str, domain: str | None, title: str, form: dict[str, Any] | None = None,
                     selected: bool = True, campaign: str = CAMPAIGN.code, rank: int = 1) -> NominationChain:
    """Submitted (with its form), quota reserved, screened, scored and decided (selected or not)."""
    nid, unit = uuid4(), _unit_envelope(unit_id, campaign)
    review = dict(occurred_at=DECIDED, campaign=campaign, key=target_key(campaign, list_code, domain),
                  actor=Actor(role="review_body", id="test-body"))
    target = dict(nomination_id=nid, list_code=list_code, domain=domain)
    submitted = NominationSubmitted(**unit, **target, unit_id=unit_id, title=title, form=form or {})
    chain = (
        (NOMINATIONS, submitted),
        (QUOTA, QuotaReserved(**unit, **target, unit_id=unit_id, slot=1, limit=3, used=1)),
        (NOMINATIONS, NominationScreened(**{**unit, "actor": SECRETARIAT}, nomination_id=nid, unit_id=unit_id,
                                         passed=True)),
        (REVIEW, PrelimScored(**{**review, "occurred_at": DECIDED - timedelta(days=20)}, **target, aggregate="88.50",
                              raw_sum="619.50", rank=rank, expert_count=7, method="trimmed_mean")),
        (REVIEW, decision(nid, list_code, domain, selected, campaign=campaign)),
    )
    return NominationChain(submitted, chain)


def results_submitted(*chains: NominationChain, body_code: str = "test-body") -> list[tuple[Topic, Event]]:
    """Each target's body submitting its preliminary results, ranking the chains of that target (in the
    order given), as the review service would before the final review."""
    targets: dict[tuple[str, str, str | None], list[UUID]] = {}
    for chain in chains:
        s = chain.submitted
        targets.setdefault((s.campaign, s.list_code, s.domain), []).append(s.nomination_id)
    return [(REVIEW, PrelimResultsSubmitted(
        occurred_at=DECIDED - timedelta(days=10), campaign=campaign, key=target_key(campaign, list_code, domain),
        actor=Actor(role="review_body", id=body_code), body_code=body_code, list_code=list_code, domain=domain,
        ranked=tuple(ranked))) for (campaign, list_code, domain), ranked in targets.items()]


def decision(nomination_id: UUID, list_code: str, domain: str | None, selected: bool, revision: int = 1,
             campaign: str = CAMPAIGN.code) -> FinalDecisionRecorded:
    return FinalDecisionRecorded(occurred_at=DECIDED + timedelta(minutes=revision), campaign=campaign,
                                 key=target_key(campaign, list_code, domain), actor=SECRETARIAT,
                                 nomination_id=nomination_id, list_code=list_code, domain=domain, selected=selected,
                                 revision=revision, note="终评")


def plan_filed(body_code: str, list_code: str, domain: str | None, campaign: str = CAMPAIGN.code) -> ReviewPlanFiled:
    criteria = tuple(Criterion(code=c, name=n, weight=w) for c, n, w in (
        ("innovation", "创新性", 30), ("advancement", "先进性", 25), ("industrial_value", "产业价值", 30),
        ("social_benefit", "社会效益", 15)))
    return ReviewPlanFiled(occurred_at=DECIDED - timedelta(days=40), campaign=campaign,
                           key=target_key(campaign, list_code, domain), actor=Actor(role="review_body", id=body_code),
                           body_code=body_code, list_code=list_code, domain=domain, plan="评审工作方案",
                           expert_composition="学术界、产业界、投资界专家", criteria=criteria,
                           aggregation="trimmed_mean")
