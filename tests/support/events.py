"""The one place tests build events and put them straight onto the log, below the HTTP layer."""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import uuid4

from contracts.campaign import load_builtin_campaign
from contracts.campaign.book import CampaignBook
from contracts.campaign.decisions import decide_open
from contracts.events import (
    Actor, CampaignOpened, NominationSubmitted, NominationWithdrawn, UnitRegistered, unit_key,
)
from contracts.topics import CAMPAIGNS, NOMINATIONS
from eventlog.producer import EventPublisher, event_producer

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


def registered(unit_id: str, *channels: str, campaign: str = CAMPAIGN.code) -> UnitRegistered:
    return UnitRegistered(unit_id=unit_id, name=f"测试推荐单位{unit_id}", channels=channels,
                          **{**_unit_envelope(unit_id, campaign), "actor": SECRETARIAT})


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
