"""Several services starting at once on a fresh database all set up their schemas without a clash."""

from __future__ import annotations

import asyncio

import asyncpg

from eventlog.consume import offsets
from eventlog.projection import store as projection_store
from services.intake import store as intake_store
from services.quota import store as quota_store


async def test_every_schema_set_up_concurrently_from_eight_connections(env):
    setups = [offsets.ensure_schema, projection_store.ensure_schema, quota_store.ensure_schema,
              intake_store.ensure_schema] * 2
    conns = [await asyncpg.connect(env["DATABASE_URL"]) for _ in setups]
    try:
        # Without the shared DDL lock, concurrent CREATE SCHEMA IF NOT EXISTS fails on pg_namespace.
        await asyncio.gather(*(setup(conn) for setup, conn in zip(setups, conns)))
        schemas = {r["nspname"] for r in await conns[0].fetch("SELECT nspname FROM pg_namespace")}
    finally:
        for conn in conns:
            await conn.close()
    assert {"eventlog", "quota", "intake"} <= schemas
