"""A service's cached view of the campaigns topic: the current Campaign by code.

Asked for a campaign it does not know, it answers from a read of the (small) topic that began
after the question was asked, so a campaign opened just before its first nomination is never
mistaken for an unknown one. Concurrent questions share one read.
"""

from __future__ import annotations

import asyncio

from contracts.campaign.book import CampaignBook
from contracts.campaign.model import Campaign

from .campaigns import load_campaign_book


class CampaignDirectory:
    def __init__(self) -> None:
        self._book = CampaignBook()
        self._read_started = float("-inf")
        self._lock = asyncio.Lock()

    async def get(self, code: str) -> Campaign | None:
        if code not in self._book:
            asked = asyncio.get_running_loop().time()
            async with self._lock:
                if code not in self._book and self._read_started < asked:
                    self._read_started = asyncio.get_running_loop().time()
                    self._book = await load_campaign_book()
        return self._book.as_of(code) if code in self._book else None
