"""Schema set-up that several processes may run at once, on a fresh database or beside live traffic.

`CREATE … IF NOT EXISTS` is not safe under concurrency in PostgreSQL (two sessions can both pass the
check and one fails on the catalog's unique index), so every service's DDL runs under one
transaction-scoped advisory lock.

A schema already set up is not set up again: each piece of DDL is remembered by its digest in
eventlog.ddl_applied. Running it again would take table locks for nothing — `CREATE INDEX IF NOT
EXISTS` a SHARE lock, `ALTER TABLE … ADD COLUMN IF NOT EXISTS` an ACCESS EXCLUSIVE one — and a second
instance starting beside a busy one would then queue every read and write behind its DDL, or wait on a
transaction of the busy one that itself waits (in Python, where PostgreSQL sees no deadlock) on a
session the DDL blocks. DDL that must run waits for its locks at most LOCK_TIMEOUT at a time and
tries again, giving back in between the locks it held. (A schema dropped by hand is set up again once
its rows in eventlog.ddl_applied are deleted too.)
"""

from __future__ import annotations

import asyncio
import hashlib
from importlib import resources

import asyncpg

DDL_LOCK = 0x6B637A67_64646C00  # "kczgddl"
LOCK_TIMEOUT = "2s"
ATTEMPTS = 15

_REMEMBERED = """
CREATE SCHEMA IF NOT EXISTS eventlog;
CREATE TABLE IF NOT EXISTS eventlog.ddl_applied (
    digest     text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);
"""


async def apply_ddl(conn: asyncpg.Connection, sql: str) -> None:
    digest = hashlib.sha256(sql.encode()).hexdigest()
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await _apply_once(conn, sql, digest)
        except asyncpg.LockNotAvailableError:
            if attempt == ATTEMPTS:
                raise
            await asyncio.sleep(0.2 * attempt)


async def _apply_once(conn: asyncpg.Connection, sql: str, digest: str) -> None:
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", DDL_LOCK)
        if await _remembered(conn, digest):
            return
        await conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        await conn.execute(_REMEMBERED)
        await conn.execute(sql)
        await conn.execute("INSERT INTO eventlog.ddl_applied (digest) VALUES ($1)", digest)


async def _remembered(conn: asyncpg.Connection, digest: str) -> bool:
    if await conn.fetchval("SELECT to_regclass('eventlog.ddl_applied')") is None:
        return False
    return bool(await conn.fetchval("SELECT true FROM eventlog.ddl_applied WHERE digest = $1", digest))


async def apply_sql_file(conn: asyncpg.Connection, package: str, filename: str) -> None:
    await apply_ddl(conn, resources.files(package).joinpath(filename).read_text())
