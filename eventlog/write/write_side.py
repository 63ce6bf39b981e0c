"""What every service's write side runs on, started and stopped in one place: its PostgreSQL pool, the
idempotent producer, the outbox with its relay, the unit of work, and the campaign follower.

    async with write_side("review", schema_files=[...]) as ws:
        ws.run(projection_consumer.run(ws.stop))   # the service's own background loops
        ...                                        # serve requests with ws.uow, ws.campaigns
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from eventlog.http import metrics
from eventlog.consume.campaign_follower import CampaignFollower
from eventlog.http.health import Dependencies
from eventlog.write.idempotency import IdempotencyKeys
from eventlog.write.outbox import Outbox
from eventlog.write.producer import EventPublisher, event_producer
from eventlog.production import refuse_unsafe_production
from eventlog.settings import database_url
from eventlog.write.unit_of_work import UnitOfWork

SchemaSetUp = Callable[[asyncpg.Connection], Awaitable[None]]


class StatelessConnection(asyncpg.Connection):
    """A pooled connection given back without the reset round trip (an open transaction is still ended),
    for a service whose pool holds no session state: no session advisory locks, LISTEN, cursors or SET,
    only transaction-scoped ones. Pass it as `pool_options=dict(connection_class=StatelessConnection)`."""

    def get_reset_query(self) -> str:
        return ""


@dataclass
class WriteSide:
    pool: asyncpg.Pool
    publisher: EventPublisher
    outbox: Outbox
    uow: UnitOfWork
    campaigns: CampaignFollower
    health: Dependencies
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task] = field(default_factory=list)

    def run(self, loop: Awaitable[Any]) -> None:
        """Run a background loop until the write side stops (it should return once `stop` is set)."""
        self.tasks.append(asyncio.ensure_future(loop))


@asynccontextmanager
async def write_side(schema: str, set_up: SchemaSetUp | None = None, pool_size: int = 10,
                     pool_options: dict | None = None, producer_options: dict | None = None) -> AsyncIterator[WriteSide]:
    """Start the service's write side on PostgreSQL schema `schema` (its outbox and idempotency keys
    live there; `set_up` creates the service's own tables). Production settings that are not safe
    (eventlog/settings.py) stop it here, before anything is connected."""
    refuse_unsafe_production()
    # Bounded waits: a database that is gone answers in seconds (503), never a hung request. A transaction
    # its process left open (frozen mid-publish) ends after 45 s, freeing the outbox rows it locked for the
    # other instances; the longest wait inside one is the producer's 30 s request timeout.
    options = dict(pool_options or {})
    settings = {"idle_in_transaction_session_timeout": "45s", **options.pop("server_settings", {})}
    pool = await asyncpg.create_pool(database_url(), min_size=2, max_size=pool_size, timeout=5, command_timeout=10,
                                     server_settings=settings, **options)
    producer = event_producer(**(producer_options or {}))
    await producer.start()
    publisher = EventPublisher(producer)
    outbox = Outbox(schema, pool, publisher)
    health = Dependencies(pool, producer, service=schema)
    uow = UnitOfWork(pool, outbox, IdempotencyKeys(schema), health)
    campaigns = CampaignFollower()
    try:
        async with pool.acquire() as conn:
            if set_up is not None:
                await set_up(conn)
            await uow.ensure_schema(conn)
        await campaigns.start()
        side = WriteSide(pool, publisher, outbox, uow, campaigns, health)
        side.run(campaigns.follow(side.stop))
        side.run(outbox.relay_forever(side.stop))
        side.run(health.watch(side.stop))
        metrics.report_at_scrape(outbox)
        try:
            yield side
        finally:
            side.stop.set()
            await asyncio.gather(*side.tasks, return_exceptions=True)
    finally:
        metrics.forget(outbox)
        await campaigns.stop()
        await producer.stop()
        await pool.close()
