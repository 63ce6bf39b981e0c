"""The intake's adapters around its pure core: the outside facts a decision needs, gathered as values,
and the write paths.

Every command runs through the unit of work (eventlog/write/unit_of_work.py; the steps are in steps.py). The
one exception is a brand-new nomination without an Idempotency-Key, the campaign's most frequent
request: it is decided on no connection at all in the ordinary case (`LazyConnection`), published
first and its row written after the ack by group commit (group_commit.py). Its event is on the log
before the row exists, and the projection repairs a row a crash did not write; there is no earlier
event of the aggregate to order it after. See README "Performance" for why and the figures.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from contracts.events import NominationSubmitted, unit_key
from contracts.topics import NOMINATIONS
from eventlog.consume.campaign_follower import CampaignFollower
from eventlog.clock import Clock
from eventlog.http.health import EventLogUnavailable
from eventlog.write.producer import EventPublisher
from eventlog.projection.status import LogEnds
from eventlog.write.read_your_writes import views_reach_log_end
from eventlog.write.unit_of_work import OutcomeUnknown, UnitOfWork

from . import listings, store
from .domain.context import IntakeContext
from .domain.item_identity import identity_key, item_title
from .group_commit import NewRowWriter
from .projection import VIEW_NAME

Item = tuple[str, Mapping[str, Any], str | None]  # (list code, form, title) of what a command puts forward
UNIT_CACHE_S = 60.0  # a unit's channels, once read, serve this long (registrations never disappear)


PUBLISH_TIMEOUT_S = 5.0  # a broker that does not ack by then: the answer is "outcome unknown", not a hang


class LazyConnection:
    """A pooled connection taken at the first query, if any: the ordinary new nomination (no
    attachments, a unit seen lately, a campaign without the previously-listed rule) needs none, and
    taking one and giving it back costs more CPU than its rules. Only the read methods the facts use."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool, self._taken, self._conn = pool, None, None

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is None:
            taken = self._pool.acquire()
            self._conn = await taken.__aenter__()
            self._taken = taken  # only once taken: a failed or cancelled acquire has nothing to give back
        return self._conn

    async def fetch(self, query: str, *args):
        return await (await self._connection()).fetch(query, *args)

    async def fetchval(self, query: str, *args):
        return await (await self._connection()).fetchval(query, *args)

    async def __aenter__(self) -> "LazyConnection":
        return self

    async def __aexit__(self, *exc) -> None:
        if self._taken is not None:
            await self._taken.__aexit__(*exc)


class IntakeService:
    def __init__(self, pool: asyncpg.Pool, uow: UnitOfWork, publisher: EventPublisher, campaigns: CampaignFollower,
                 clock: Clock, row_pool: asyncpg.Pool, log_ends: LogEnds) -> None:
        self.pool, self.uow, self.publisher, self.campaigns, self.clock = pool, uow, publisher, campaigns, clock
        self.log_ends = log_ends
        self.new_rows = NewRowWriter(row_pool)
        self._units: dict[tuple[str, str], tuple[tuple[str, ...], float]] = {}

    async def context(self, conn, campaign_code: str, unit_id: str | None, items: Sequence[Item] = (),
                      now=None, registration_required: bool = False) -> IntakeContext:
        """The facts a decision about `unit_id`'s nominations in the campaign needs, as of now. With
        `registration_required` (the decision refuses an unregistered unit) "not registered" is said only
        once the registry view has read the unit's stream as far as it ends now."""
        campaign = await self.campaigns.knowing(campaign_code)
        earlier: list = []
        if campaign.rules.previously_listed_not_renominable:
            for list_code, form, title in items:
                key = identity_key(list_code, form, item_title(form, title))
                earlier += await listings.earlier_listings(conn, campaign.code, list_code, key)
        return IntakeContext(now=now or self.clock.now(), campaign=campaign,
                             unit_channels=await self.unit_channels(conn, campaign_code, unit_id, registration_required)
                             if unit_id else None,
                             earlier_listings=tuple(earlier),
                             campaign_titles=self.campaigns.titles() if earlier else {})

    async def unit_channels(self, conn, campaign: str, unit_id: str,
                            registration_required: bool = False) -> tuple[str, ...] | None:
        """The unit's channels as the registry last said (None: not registered), read at most once a minute."""
        hit = self._units.get((campaign, unit_id))
        if hit is not None and time.monotonic() - hit[1] < UNIT_CACHE_S:
            return hit[0]
        channels = await store.unit_channels(conn, campaign, unit_id)
        if channels is None and registration_required:  # the refusal path only: registered a moment ago?
            await views_reach_log_end(conn, self.log_ends, [VIEW_NAME], NOMINATIONS.name, [unit_key(campaign, unit_id)])
            channels = await store.unit_channels(conn, campaign, unit_id)
        if channels is not None:
            self._units[(campaign, unit_id)] = (channels, time.monotonic())
        return channels

    async def record_new(self, events: Sequence[NominationSubmitted]) -> None:
        """A brand-new nomination's events, decided already: published, then its row saved by group commit."""
        self.uow.health and self.uow.health.check_writes()  # the broker is known to be down: nothing sent
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT_S):
                await self.publisher.publish_many([(NOMINATIONS, e) for e in events])
        except TimeoutError as exc:  # sent, not acked: it may still land — the client must not guess
            raise OutcomeUnknown("推荐已发出，但未能在时限内确认写入事件日志，可能稍后生效。请先在“我的推荐”中查看，"
                                 "确认未生效后再重新提交；使用 Idempotency-Key 可安全重试。") from exc
        except Exception as exc:  # refused before it was sent: nothing is on the log, the caller may retry
            raise EventLogUnavailable("事件日志暂不可用，本次提交未生效，请稍后重试。") from exc
        await self.new_rows.save(events)
