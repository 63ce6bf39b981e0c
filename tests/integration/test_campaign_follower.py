"""The one campaign follower every service uses: it knows a campaign opened right before its first
command, and it sees every timeline change while it follows the topic."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from contracts.campaign.book import UnknownCampaign
from contracts.events import CampaignTimelineChanged
from contracts.topics import CAMPAIGNS
from eventlog.consume.campaign_follower import CampaignFollower
from tests.support.events import CAMPAIGN, NOW, SECRETARIAT, LogWriter
from tests.support.intake import wait_for

BJ = timezone(timedelta(hours=8))


async def test_a_campaign_opened_just_after_a_miss_is_found_at_once(env):
    follower = CampaignFollower()
    await follower.start()
    stop = asyncio.Event()
    following = asyncio.create_task(follower.follow(stop))
    try:
        with pytest.raises(UnknownCampaign) as refused:  # nothing opened yet
            await follower.knowing("kczg-2022")
        assert refused.value.code == "unknown_campaign" and "kczg-2022" in refused.value.message
        async with LogWriter() as log:
            await log.open_campaign()
        # Asked again at once: the answer comes from a read begun after the question, not a stale book.
        found = await follower.knowing("kczg-2022")
        assert found.code == "kczg-2022"
        with pytest.raises(UnknownCampaign):
            await follower.knowing("kczg-1999")
    finally:
        stop.set()
        await following
        await follower.stop()


async def test_every_timeline_change_is_seen_while_following(env):
    async with LogWriter() as log:
        await log.open_campaign()
        follower = CampaignFollower()
        await follower.start()
        stop = asyncio.Event()
        following = asyncio.create_task(follower.follow(stop))
        try:
            assert follower.campaign("kczg-2022").timeline.prelim_due_at == datetime(2022, 12, 1, tzinfo=BJ)
            moved = datetime(2022, 12, 8, tzinfo=BJ)
            change = CampaignTimelineChanged(occurred_at=NOW, campaign=CAMPAIGN.code, key=CAMPAIGN.code,
                                             actor=SECRETARIAT, changes={"final_review_opens_at": moved,
                                                                         "prelim_due_at": moved},
                                             reason="初评结果报送延长一周")
            await log.publisher.publish(CAMPAIGNS, change)
            # The follower applies it within moments, with no question asked...
            await wait_for(lambda: _async(follower.campaign("kczg-2022").timeline.prelim_due_at == moved))
            # ...and still answers for the campaign as it stood before the change.
            before = follower.campaign_at("kczg-2022", NOW - timedelta(seconds=1))
            assert before.timeline.prelim_due_at == datetime(2022, 12, 1, tzinfo=BJ)
        finally:
            stop.set()
            await following
            await follower.stop()


async def _async(value):
    return value
