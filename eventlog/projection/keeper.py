"""Keeping a service's projections live, in-process beside its API (publish, review).

Each view is rebuilt first if it does not exist yet or was built by another definition (the
API keeps serving the old one meanwhile), then kept live from its stored offsets. Their status
is published as Prometheus metrics every few seconds.
"""

from __future__ import annotations

import asyncio
import logging
import os

from eventlog.projection import metrics as projection_metrics
from eventlog.projection import store as projection_store
from eventlog.consume.consumer import StoredOffsetConsumer
from eventlog.write.producer import EventPublisher
from eventlog.projection.engine import Projection
from eventlog.projection.live import live_spec
from eventlog.projection.rebuild import projection_pool, rebuild
from eventlog.projection.status import LogEnds, projection_status
from eventlog.settings import consumer_group

log = logging.getLogger("eventlog.views")
# PUBLISH_* names kept: the publish service was the first to run views this way.
REBUILD_BATCH = int(os.environ.get("PUBLISH_REBUILD_BATCH", "200000"))
LIVE_BATCH = int(os.environ.get("PUBLISH_LIVE_BATCH", "2000"))
METRICS_EVERY_S = float(os.environ.get("PUBLISH_METRICS_INTERVAL_S", "5"))


async def keep_live(projection: Projection, dead_letters: EventPublisher, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            result = await rebuild(projection, only_if_stale=True, batch_records=REBUILD_BATCH, dead_letters=dead_letters)
            if result:
                log.info("%s rebuilt%s: %d records in %.1fs", projection.name, " (resumed)" if result.resumed else "",
                         result.records, result.seconds)
            await _run_live(projection, dead_letters, stop)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s: projection failed; retrying", projection.name)
            await _sleep_unless(stop, 2)


async def _run_live(projection: Projection, dead_letters: EventPublisher, stop: asyncio.Event) -> None:
    pool = await projection_pool(size=2, durable=True)
    # One group per view: instances share its partitions, and the rows merge whoever applies them.
    spec = live_spec(projection, group_id=consumer_group(projection.name), max_records=LIVE_BATCH)
    consumer = StoredOffsetConsumer(spec, pool, dead_letters)
    try:
        async with pool.acquire() as conn:
            await projection_store.ensure_schema(conn)
        await consumer.start()
        log.info("%s live from its stored offsets", projection.name)
        applied = 0
        while not stop.is_set():
            await consumer.run(_after(stop, METRICS_EVERY_S))
            projection_metrics.APPLIED.labels(projection.name).inc(consumer.applied - applied)
            applied = consumer.applied
    finally:
        await consumer.stop()
        await pool.close()


async def publish_metrics(projections: tuple[Projection, ...], stop: asyncio.Event) -> None:
    pool = await projection_pool(size=1)
    try:
        async with LogEnds() as log_ends:
            while not stop.is_set():
                try:
                    async with pool.acquire() as conn:
                        for projection in projections:
                            ends = await log_ends.ends(projection.topic_names())
                            projection_metrics.observe(await projection_status(conn, projection, ends))
                except Exception:
                    log.exception("projection metrics failed")
                await _sleep_unless(stop, METRICS_EVERY_S)
    finally:
        await pool.close()


def _after(stop: asyncio.Event, seconds: float) -> asyncio.Event:
    """An event set by `stop` or after `seconds`: run a loop in slices, doing bookkeeping between them."""
    done = asyncio.Event()

    async def watch() -> None:
        await _sleep_unless(stop, seconds)
        done.set()

    asyncio.get_running_loop().create_task(watch())
    return done


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
