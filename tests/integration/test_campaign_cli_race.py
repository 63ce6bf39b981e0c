"""Two operators' campaign writes racing, against the real broker and database: the CLI's writes go
through the unit of work (kczg/campaign_cli.py), locked on the campaign, so the second is decided on
the book the first left — one wins, the other gets that book's outcome."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from contracts.events import Actor, CampaignOpened, CampaignTimelineChanged, decode_event
from contracts.campaign.decisions import CampaignChangeError, deadline_extension
from contracts.topics import CAMPAIGNS
from kczg.campaign_cli import change_timeline, load_file
from tests.support.kafka import read_topic

pytestmark = pytest.mark.integration

KCZG_2022 = str(Path(__file__).resolve().parents[2] / "contracts" / "campaigns" / "kczg-2022.yaml")
BJ = timezone(timedelta(hours=8))
AT = datetime(2022, 10, 1, tzinfo=BJ)


def operator(name: str) -> Actor:
    return Actor(role="secretariat", id=name)


async def campaign_events() -> list:
    return [decode_event(raw) for raw in await read_topic(CAMPAIGNS.name)]


async def test_two_operators_loading_one_campaign_at_once_open_it_once(env):
    # Two operators load the same file at the same moment, each with its own connections and producer.
    outcomes = await asyncio.gather(load_file(KCZG_2022, operator("ops-a"), AT),
                                    load_file(KCZG_2022, operator("ops-b"), AT))
    # One opened it; the other, decided on the book the first left, found it open already: a no-op.
    assert sorted(len(events) for events in outcomes) == [0, 1]
    events = await campaign_events()
    assert [type(e) for e in events] == [CampaignOpened]
    assert events[0].event_id == next(e for events in outcomes for e in events).event_id


async def test_two_operators_extending_one_deadline_at_once_are_decided_one_after_the_other(env):
    await load_file(KCZG_2022, operator("ops"), AT)
    # Both extend the submission deadline to the same instant, at once.
    until = datetime(2022, 11, 30, tzinfo=BJ)

    def to_until(campaign):
        return deadline_extension(campaign, "submission", until)

    outcomes = await asyncio.gather(
        change_timeline("kczg-2022", to_until, "两位操作员同时延期", operator("ops-a"), AT),
        change_timeline("kczg-2022", to_until, "两位操作员同时延期", operator("ops-b"), AT),
        return_exceptions=True)
    # The first moved it; the second, decided on the moved deadline, is refused: not later than it.
    published = [o for o in outcomes if isinstance(o, list)]
    assert len(published) == 1 and len(published[0]) == 1
    (refused,) = [o for o in outcomes if isinstance(o, BaseException)]
    assert isinstance(refused, CampaignChangeError) and refused.field == "timeline.submission_closes_at"
    changes = [e for e in await campaign_events() if isinstance(e, CampaignTimelineChanged)]
    assert [e.event_id for e in changes] == [published[0][0].event_id]
