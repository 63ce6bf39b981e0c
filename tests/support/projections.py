"""Running and watching a projection from a test: its live view in-process, its lag, its rows."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from eventlog.projection import store as projection_store
from eventlog.consume.consumer import StoredOffsetConsumer
from eventlog.projection.engine import Projection
from eventlog.projection.live import live_spec
from eventlog.projection.rebuild import projection_pool
from eventlog.projection.status import LogEnds, ProjectionStatus, projection_status


@asynccontextmanager
async def live_consumer(projection: Projection, max_records: int = 500):
    """The projection's live consumer in this process (every partition, no group), started."""
    pool = await projection_pool(size=2)
    consumer = StoredOffsetConsumer(live_spec(projection, max_records=max_records), pool, dead_letters=None)
    try:
        async with pool.acquire() as conn:
            await projection_store.ensure_schema(conn)
        await consumer.start()
        yield consumer
    finally:
        await consumer.stop()
        await pool.close()


@asynccontextmanager
async def live_view(projection: Projection, max_records: int = 500):
    """The projection's live view running in this process until the block ends."""
    async with live_consumer(projection, max_records) as consumer:
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        try:
            yield consumer
        finally:
            stop.set()
            await task


async def status_of(projection: Projection) -> ProjectionStatus:
    pool = await projection_pool(size=1)
    try:
        async with LogEnds() as log_ends, pool.acquire() as conn:
            return await projection_status(conn, projection, await log_ends.ends(projection.topic_names()))
    finally:
        await pool.close()


async def caught_up(projection: Projection, timeout_s: float = 120) -> ProjectionStatus:
    """Wait until the live view has applied everything on the log."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        status = await status_of(projection)
        if status.live and status.partitions and status.lag == 0:
            return status
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{projection.name} still {status.lag} records behind")
        await asyncio.sleep(0.2)
