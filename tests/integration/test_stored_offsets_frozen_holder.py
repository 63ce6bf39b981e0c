"""An instance frozen mid-batch (SIGSTOP, a stalled VM) holds its partition's offset row locked in an open
transaction. The partition's new owner must get on within the hold limit, not wait for the frozen one to
wake, and the frozen one's batch must then count for nothing."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from eventlog.consume import offsets
from eventlog.consume.consumer import HOLD_LIMIT, ConsumerSpec, StoredOffsetConsumer
from eventlog.write.write_side import write_side

TP = TopicPartition("frozen.topic", 2)
BATCH = {TP: [ConsumerRecord(TP.topic, TP.partition, 0, 0, 0, b"k", b"v", None, 1, 1, ())]}


async def record_effect(conn: asyncpg.Connection, records) -> list:
    await conn.executemany("INSERT INTO frozen_effects (at) VALUES ($1)", [(r.offset,) for r in records[TP]])
    return []


async def test_a_frozen_holder_of_a_partition_holds_up_its_new_owner_only_for_the_hold_limit(env):
    frozen, thawed = asyncio.Event(), asyncio.Event()

    async def freeze_mid_batch(conn, records):  # the effect written, then the process stops talking
        await record_effect(conn, records)
        frozen.set()
        await thawed.wait()
        await conn.execute("SELECT 1")  # its first word on waking
        return []

    spec = ConsumerSpec(name="frozen", topics=[TP.topic], apply=record_effect)
    old_pool, new_pool = [await asyncpg.create_pool(env["DATABASE_URL"], min_size=1, max_size=1) for _ in range(2)]
    old, new = StoredOffsetConsumer(spec, old_pool, None), StoredOffsetConsumer(spec, new_pool, None)
    try:
        async with new_pool.acquire() as conn:
            await offsets.ensure_schema(conn)
            await conn.execute("CREATE TABLE frozen_effects (at bigint NOT NULL)")
        stuck = asyncio.create_task(old.commit(BATCH, freeze_mid_batch))
        await asyncio.wait_for(frozen.wait(), 10)
        # The partition moved: its new owner applies the same records, once the frozen transaction is gone.
        started = asyncio.get_running_loop().time()
        assert await asyncio.wait_for(new.commit(BATCH), 60) == 1
        waited = asyncio.get_running_loop().time() - started
        assert waited < int(HOLD_LIMIT.removesuffix("s")) + 10, waited
        thawed.set()
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError)):
            await asyncio.wait_for(stuck, 10)  # its transaction was ended for it: nothing of it committed
        async with new_pool.acquire() as conn:
            assert await conn.fetch("SELECT at FROM frozen_effects") == [(0,)]
            assert await offsets.load(conn, "frozen") == {(TP.topic, TP.partition): 1}
    finally:
        thawed.set()
        await asyncio.gather(old_pool.close(), new_pool.close())


async def test_the_write_side_pool_ends_a_transaction_its_frozen_process_left_open(env):
    async with write_side("frozen_side") as ws:
        async with ws.pool.acquire() as conn:
            assert await conn.fetchval("SHOW idle_in_transaction_session_timeout") == "45s"
