"""A service's campaign directory knows a campaign opened right before its first nomination."""

from __future__ import annotations

from eventlog.campaign_directory import CampaignDirectory
from tests.support.events import LogWriter


async def test_a_campaign_opened_just_after_a_miss_is_found_at_once(env):
    directory = CampaignDirectory()
    assert await directory.get("kczg-2022") is None  # nothing opened yet
    async with LogWriter() as log:
        await log.open_campaign()
    # Asked again immediately (well inside any re-read interval): the answer comes from a fresh read.
    found = await directory.get("kczg-2022")
    assert found is not None and found.code == "kczg-2022"
    assert await directory.get("kczg-1999") is None
