"""Property: the ranking views come out identical whatever the delivery — across topics and
partitions in any interleaving, in any batching, with crashed transactions, restarts and
redeliveries — through the live engine's own commit path into a real PostgreSQL."""

from __future__ import annotations

import dataclasses
import logging
import random

import pytest
from aiokafka import TopicPartition
from hypothesis import HealthCheck, given, settings, strategies as st

from eventlog.consume import offsets
from eventlog.projection import store as projection_store
from eventlog.consume.consumer import StoredOffsetConsumer
from eventlog.projection.live import live_apply, live_spec
from eventlog.projection.rebuild import projection_pool
from services.publish.views import RANKINGS
from tests.support.ranking_log import log_records, ranking_events

VIEWS = {name: dataclasses.replace(RANKINGS, name=f"test.{name}", schema=name)
         for name in ("reference", "live", "merged")}


@pytest.fixture
async def pool(env, caplog):
    caplog.set_level(logging.CRITICAL, logger="eventlog.consume.consumer")  # the crashes below are on purpose
    pool = await projection_pool(env["DATABASE_URL"], size=3)
    async with pool.acquire() as conn:
        await projection_store.ensure_schema(conn)
        for view in VIEWS.values():
            await conn.execute(f"CREATE SCHEMA {view.schema}")
            for table in view.tables:
                await conn.execute(table.create_sql(view.schema))
    yield pool
    await pool.close()


async def rows_of(conn, schema: str) -> dict[str, list[tuple]]:
    return {t.name: [tuple(r) for r in await conn.fetch(f"SELECT * FROM {schema}.{t.name} ORDER BY 1, 2")]
            for t in RANKINGS.tables}


async def write_once(pool, view, records) -> None:
    folded = view.new_batch()
    view.fold_into(folded, records)
    async with pool.acquire() as conn, conn.transaction():
        await projection_store.write_batch(conn, view, view.schema, view.name, folded)


async def fail_after_writing(conn, records):
    await live_apply(VIEWS["live"], VIEWS["live"].name)(conn, records)
    raise RuntimeError("crash before the commit")


async def deliver_like_kafka(pool, log, rnd: random.Random) -> None:
    """Partitions in random turns and chunks; sometimes the transaction dies, the consumer restarts
    from its stored offsets, or another instance re-reads an older stretch."""
    view = VIEWS["live"]
    consumer = StoredOffsetConsumer(live_spec(view), pool, dead_letters=None)
    positions = {tp: 0 for tp in log}
    while any(positions[tp] < len(log[tp]) for tp in log):
        batch = {}
        for tp in rnd.sample(list(log), k=rnd.randint(1, len(log))):
            take = log[tp][positions[tp]:positions[tp] + rnd.randint(0, 4)]
            if take:
                batch[tp] = take
        if not batch:
            continue
        action = rnd.choice(["commit"] * 5 + ["crash", "restart", "reread"])
        if action == "crash":
            try:  # (a pure redelivery has nothing fresh to apply, so nothing to fail)
                await consumer.commit(batch, fail_after_writing)
            except RuntimeError:
                pass
        else:
            await consumer.commit(batch)
        if action in ("crash", "restart"):
            await consumer.stop()
            consumer = StoredOffsetConsumer(live_spec(view), pool, dead_letters=None)
            async with pool.acquire() as conn:
                stored = await offsets.load(conn, view.name)
            positions = {tp: stored.get((tp.topic, tp.partition), 0) for tp in log}
        elif action == "reread":
            tp = rnd.choice(list(batch))
            positions[tp] = rnd.randint(0, batch[tp][-1].offset + 1)
        else:
            positions.update((tp, recs[-1].offset + 1) for tp, recs in batch.items())
    await consumer.stop()


async def merge_in_any_order(pool, log, rnd: random.Random) -> None:
    """No offsets at all: every record, some twice, shuffled across partitions, in random batches."""
    records = [r for recs in log.values() for r in recs]
    records += rnd.sample(records, k=len(records) // 3)
    rnd.shuffle(records)
    while records:
        cut = rnd.randint(1, 8)
        chunk, records = records[:cut], records[cut:]
        by_tp: dict[TopicPartition, list] = {}
        for r in chunk:
            by_tp.setdefault(TopicPartition(r.topic, r.partition), []).append(r)
        await write_once(pool, VIEWS["merged"], by_tp)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=ranking_events(), seed=st.integers(0, 2**32 - 1))
async def test_every_delivery_gives_the_same_views(pool, events, seed):
    rnd = random.Random(seed)
    log = log_records(events)
    async with pool.acquire() as conn:
        for view in VIEWS.values():
            for table in view.tables:
                await conn.execute(f"DELETE FROM {view.schema}.{table.name}")
            await projection_store.forget(conn, view.name)
    # The reference: the whole log folded in one batch.
    await write_once(pool, VIEWS["reference"], log)
    await deliver_like_kafka(pool, log, rnd)
    await merge_in_any_order(pool, log, rnd)
    async with pool.acquire() as conn:
        reference = await rows_of(conn, "reference")
        assert reference["nominations"], "every drawn log has nominations"
        assert await rows_of(conn, "live") == reference
        assert await rows_of(conn, "merged") == reference
