"""tests/support/unchanged.py `Quietly`: requests looked at a batch at a time still have the one that changed
something named, and a change nothing repeats is still reported (the batch named)."""

from __future__ import annotations

import asyncpg

from eventlog.settings import database_url
from tests.support.unchanged import Quietly, Unchanged, settled


async def test_a_batch_that_changed_something_names_the_request_that_did(env):
    conn = await asyncpg.connect(database_url())
    try:
        await conn.execute("CREATE SCHEMA probe; CREATE TABLE probe.rows (n int)")

        async def nothing():
            return "read"

        async def insert():
            await conn.execute("INSERT INTO probe.rows VALUES (1)")
            return "wrote"

        async with Unchanged() as watch:
            quietly = Quietly(watch, await settled(quiet_s=0.1), every=4)
            answers = [await quietly.send(f"request {i}", insert if i == 5 else nothing) for i in range(10)]
            changes = await quietly.finish()
        assert answers == ["read"] * 5 + ["wrote"] + ["read"] * 4
        assert len(changes) == 1, changes
        assert changes[0].startswith("request 5 changed table probe.rows: 1 rows") and "-> 2 rows" in changes[0]
        assert await conn.fetchval("SELECT count(*) FROM probe.rows") == 2  # sent again, alone, to name it

        sent = 0

        async def once():  # changes the table the first time only: sent again it changes nothing
            nonlocal sent
            sent += 1
            if sent == 1:
                await conn.execute("INSERT INTO probe.rows VALUES (2)")

        async with Unchanged() as watch:
            quietly = Quietly(watch, await settled(quiet_s=0.1), every=3)
            await quietly.send("a", nothing)
            await quietly.send("b", once)
            await quietly.send("c", nothing)
            changes = await quietly.finish()
        assert len(changes) == 1 and changes[0].startswith("one of [a, b, c] changed table probe.rows: 2 rows")
    finally:
        await conn.close()
