"""`python -m tests.support.held_publish N`: commits N unit registrations through the real unit of work
(quota's registry commands, real PostgreSQL, real producer), then never publishes them: its outbox
publish waits forever. A kill -9 of this process therefore lands between commit and publish for
certain — the window the outbox relay exists for."""

from __future__ import annotations

import asyncio
import sys

import asyncpg

from contracts.events import Actor
from eventlog.consume.campaign_follower import CampaignFollower
from eventlog.write.idempotency import IdempotencyKeys, Reply
from eventlog.write.outbox import Outbox
from eventlog.write.producer import EventPublisher, event_producer
from eventlog.settings import database_url
from eventlog.write.unit_of_work import UnitOfWork
from services.quota import store
from services.quota.domain.registry import RegisterUnit, RegistryContext
from services.quota.steps import registry_step
from tests.support.events import NOW


async def main(count: int) -> None:
    pool = await asyncpg.create_pool(database_url(), min_size=1, max_size=4)
    producer = event_producer()
    await producer.start()
    outbox = Outbox("quota", pool, EventPublisher(producer))

    async def held(keys) -> None:
        await asyncio.Event().wait()

    outbox.publish = held  # committed, never published: the process is killed here
    uow = UnitOfWork(pool, outbox, IdempotencyKeys("quota"))
    async with pool.acquire() as conn:
        await store.ensure_schema(conn)
        await uow.ensure_schema(conn)
    campaigns = CampaignFollower()
    await campaigns.start()
    context = RegistryContext(campaigns.campaign("kczg-2022"), NOW, Actor(role="secretariat", id="kczg_secretariat"))
    answer = lambda state, events: Reply(201, {})  # noqa: E731
    for i in range(count):
        command = RegisterUnit(f"held-{i:03d}", f"测试单位{i:03d}", ("provincial_cast",))
        asyncio.create_task(uow.run(registry_step(context, [command.unit_id], command, answer)))
    print("committing", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
