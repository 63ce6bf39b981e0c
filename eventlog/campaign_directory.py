"""A service's cached view of the campaigns topic: the current Campaign by code.

Reloads the (small) topic when asked for a campaign it does not know, at most once per
`min_reload_s`, so a burst of events for an unknown campaign costs one read, not one each.
"""

from __future__ import annotations

import asyncio

from contracts.campaign import Campaign
from contracts.campaign_state import CampaignBook

from .campaigns import load_campaign_book


class CampaignDirectory:
    def __init__(self, min_reload_s: float = 1.0) -> None:
        self._book: CampaignBook | None = None
        self._loaded_at = float("-inf")
        self._min_reload_s = min_reload_s
        self._lock = asyncio.Lock()

    async def get(self, code: str) -> Campaign | None:
        if self._book is not None and code in self._book:
            return self._book.as_of(code)
        async with self._lock:
            now = asyncio.get_running_loop().time()
            if (self._book is None or code not in self._book) and now - self._loaded_at >= self._min_reload_s:
                self._book = await load_campaign_book()
                self._loaded_at = now
        return self._book.as_of(code) if code in self._book else None
