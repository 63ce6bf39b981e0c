"""The reminder clock: every minute (NOTIFY_REMINDER_INTERVAL_S), the reminders due at the service's clock
(domain/reminders.py: bodies' results, units' collection deadline, experts' unscored seats) written to the notices outbox — each key once, however often they are computed."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from datetime import datetime

import asyncpg

from eventlog.consume.campaign_follower import CampaignFollower

from . import store
from .domain import collection_reminders, expert_reminders, results_due_reminders

log = logging.getLogger("notify")


async def schedule_reminders(pool: asyncpg.Pool, campaigns: CampaignFollower, now: datetime) -> int:
    """Write the reminders due at `now` for every campaign the log has; returns how many were computed."""
    made = 0
    async with pool.acquire() as conn:
        for code in campaigns.book.codes:
            campaign = campaigns.campaign(code)
            notices = results_due_reminders(campaign, now, await store.results_submitted(conn, code))
            notices += collection_reminders(campaign, now, await store.unit_standings(conn, campaign))
            notices += expert_reminders(campaign, now, await store.unscored_seats(conn, code),
                                        await store.reminders_made(conn, code, "expert_reminder"))
            async with conn.transaction():
                await store.add_notices(conn, notices)
            made += len(notices)
    return made


async def run_reminders(stop: asyncio.Event, pool: asyncpg.Pool, campaigns: CampaignFollower,
                        now: Callable[[], datetime], wake: asyncio.Event) -> None:
    interval = float(os.environ.get("NOTIFY_REMINDER_INTERVAL_S", "60"))
    while not stop.is_set():
        try:
            if await schedule_reminders(pool, campaigns, now()):
                wake.set()
        except Exception:
            log.exception("computing reminders failed; trying again at the next interval")
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except asyncio.TimeoutError:
            pass
