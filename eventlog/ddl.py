"""Schema set-up that several processes may run at once on a fresh database.

`CREATE … IF NOT EXISTS` is not safe under concurrency in PostgreSQL (two sessions can both
pass the check and one fails on the catalog's unique index), so every service's DDL runs
under one transaction-scoped advisory lock.
"""

from __future__ import annotations

from importlib import resources

import asyncpg

DDL_LOCK = 0x6B637A67_64646C00  # "kczgddl"


async def apply_ddl(conn: asyncpg.Connection, sql: str) -> None:
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", DDL_LOCK)
        await conn.execute(sql)


async def apply_sql_file(conn: asyncpg.Connection, package: str, filename: str) -> None:
    await apply_ddl(conn, resources.files(package).joinpath(filename).read_text())
