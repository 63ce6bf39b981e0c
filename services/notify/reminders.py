"""The reminder clock: every minute (NOTIFY_REMINDER_INTERVAL_S), the reminders due at the service's clock
(domain/reminders.py: bodies' results, units' collection deadline, experts' unscored seats) written to the
notices outbox — each key once, however often they are computed. The same computation answers the preview
(what a reminder button would send now, to whom, worded as it would go) and the button itself."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from datetime import datetime

import asyncpg

from contracts.campaign import Campaign
from contracts.deadline_text import BEIJING
from contracts.identity import Identity
from eventlog.consume.campaign_follower import CampaignFollower

from . import store
from .domain import Notice, collection_reminders, digest_notices, expert_reminders, is_optional, results_due_reminders, still_due
from .render import as_read, compose

log = logging.getLogger("notify")
DIGEST_HOUR = 8


async def reminders_due(conn: asyncpg.Connection, campaign: Campaign, now: datetime) -> list[Notice]:
    code = campaign.code
    notices = results_due_reminders(campaign, now, await store.results_submitted(conn, code))
    notices += collection_reminders(campaign, now, await store.unit_standings(conn, campaign))
    notices += expert_reminders(campaign, now, await store.unscored_seats(conn, code),
                                await store.reminders_made(conn, code, "expert_reminder"))
    if now.astimezone(BEIJING).hour >= DIGEST_HOUR:  # the day's digest, from 08:00 Beijing time
        notices += digest_notices(code, now, await store.digest(conn, campaign, now))
    return notices


def visible_to(caller: Identity, campaign: Campaign) -> Callable[[Notice], bool]:
    """The reminders a caller may preview and send: the secretariat every one; a review body those to itself
    and the expert reminders on the targets it reviews."""
    if caller.role == "secretariat":
        return lambda notice: True
    targets = {f"{campaign.code}:{a.list_code}:{a.domain or ''}" for b in campaign.bodies if b.code == caller.org
               for a in b.lists}
    return lambda notice: (notice.recipient == f"body:{campaign.code}:{caller.org}"
                           or notice.kind == "expert_reminder" and notice.subject in targets)


async def schedule_reminders(pool: asyncpg.Pool, campaigns: CampaignFollower, now: datetime,
                             only: str | None = None, shown: Callable[[Notice], bool] | None = None) -> int:
    """Write the reminders due at `now` for every campaign the log has (or `only` that one, and of it only
    those `shown` picks: a body's button sends its own); returns how many were computed."""
    made = 0
    async with pool.acquire() as conn:
        for code in campaigns.book.codes:
            if only is not None and code != only:
                continue
            notices = [n for n in await reminders_due(conn, campaigns.campaign(code), now) if shown is None or shown(n)]
            async with conn.transaction():
                await store.add_notices(conn, notices)
            made += len(notices)
    return made


async def preview(conn: asyncpg.Connection, campaign: Campaign, now: datetime,
                  shown: Callable[[Notice], bool]) -> list[dict]:
    """The reminders a button would send now (not made before, still due, addressed, not declined), each
    worded as it would go; `shown` picks those the caller may see."""
    due = [n for n in await reminders_due(conn, campaign, now) if shown(n)]
    made = await store.outbox_keys(conn, [n.key for n in due])
    found = []
    for notice in due:
        if notice.key in made:
            continue
        subject = await store.subject_of(conn, notice, campaign, now)
        party = await store.party_of(conn, notice.recipient)
        if subject is None or party is None or still_due(notice, subject, now) is not None:
            continue
        if not party.contact_email or await store.is_bad(conn, party.contact_email) or (
                is_optional(notice.kind) and await store.is_unsubscribed(conn, notice.recipient, notice.kind)):
            continue
        message = as_read(compose(notice, subject, party, campaign, now))
        found.append({"recipient": notice.recipient, "kind": notice.kind, "round": notice.round,
                      "subject": notice.subject, "address": party.contact_email, "headline": message["Subject"],
                      "text": message.get_body(("plain",)).get_content()})
    return found


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
