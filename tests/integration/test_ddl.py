"""Schema set-up (eventlog/ddl.py) against the real database: many processes at once on a fresh database,
and a second instance starting beside a busy one."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from eventlog.ddl import apply_ddl, apply_sql_file
from tests.support.intake import wait_for

SQL = """
CREATE SCHEMA IF NOT EXISTS ddl_test;
CREATE TABLE IF NOT EXISTS ddl_test.items (id int PRIMARY KEY);
CREATE INDEX IF NOT EXISTS items_by_id ON ddl_test.items (id);
ALTER TABLE ddl_test.items ADD COLUMN IF NOT EXISTS note text;
"""


async def test_many_at_once_on_a_fresh_database_set_it_up_once(env):
    conns = [await asyncpg.connect(env["DATABASE_URL"]) for _ in range(6)]
    try:
        await asyncio.gather(*(apply_ddl(c, SQL) for c in conns))
        await asyncio.gather(*(apply_sql_file(c, "services.quota", "schema.sql") for c in conns))
        assert await conns[0].fetchval("SELECT count(*) FROM eventlog.ddl_applied") == 2
        assert await conns[0].fetchval("SELECT count(*) FROM quota.nominations") == 0
    finally:
        for c in conns:
            await c.close()


async def test_a_schema_set_up_already_takes_no_lock_beside_a_busy_transaction(env):
    busy, starting = await asyncpg.connect(env["DATABASE_URL"]), await asyncpg.connect(env["DATABASE_URL"])
    try:
        await apply_ddl(busy, SQL)
        async with busy.transaction():
            # A write in flight that will not end soon: re-running the ALTER would wait on it.
            await busy.execute("INSERT INTO ddl_test.items (id) VALUES (1)")
            await asyncio.wait_for(apply_ddl(starting, SQL), timeout=1.0)
        assert await starting.fetchval("SELECT count(*) FROM ddl_test.items") == 1
    finally:
        await busy.close()
        await starting.close()


async def test_new_ddl_beside_a_busy_transaction_does_not_hold_other_sessions_up_while_it_waits(env):
    busy, starting, reader = [await asyncpg.connect(env["DATABASE_URL"]) for _ in range(3)]
    try:
        await apply_ddl(busy, SQL)
        changed = "ALTER TABLE ddl_test.items ADD COLUMN IF NOT EXISTS extra int;"
        tx = busy.transaction()
        await tx.start()
        await busy.execute("INSERT INTO ddl_test.items (id) VALUES (2)")
        setting_up = asyncio.ensure_future(apply_ddl(starting, changed))
        # The ALTER now waits for the busy transaction: its session shows up waiting on a lock.
        starting_pid = starting.get_server_pid()

        async def alter_waits() -> bool:
            return await reader.fetchval("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1",
                                         starting_pid) is True
        await wait_for(alter_waits, timeout_s=10, interval_s=0.02)
        # A waiting ALTER would queue every other session's read behind it; this one waits only until the
        # set-up's lock timeout gives its locks back.
        assert await asyncio.wait_for(reader.fetchval("SELECT count(*) FROM ddl_test.items"), timeout=5) == 0
        assert not setting_up.done()
        await tx.commit()
        await asyncio.wait_for(setting_up, timeout=10)
        columns = await starting.fetch("SELECT column_name FROM information_schema.columns "
                                       "WHERE table_schema = 'ddl_test' AND table_name = 'items' ORDER BY 1")
        assert [r["column_name"] for r in columns] == ["extra", "id", "note"]
    finally:
        for c in (busy, starting, reader):
            await c.close()


@pytest.fixture(autouse=True)
async def _clean(env):
    yield
    conn = await asyncpg.connect(env["DATABASE_URL"])
    try:
        await conn.execute("DROP SCHEMA IF EXISTS ddl_test CASCADE")
    finally:
        await conn.close()
