"""The PostgreSQL schemas a projection lives in: the live one and those built beside it.

The live view is schema `<live>`. A rebuild fills `<live>__shadow_<n>` and a switch renames
the two in one transaction; a verification fills `<live>__verify_<n>` and drops it. Each
schema holds `projection_meta`, the definition it was built by: a changed definition is noticed
on start, and a shadow is resumed only by the definition that began it. An unlogged shadow's
meta is unlogged too, so a PostgreSQL crash (which empties unlogged tables) empties it and the
half-built shadow is thrown away instead of resumed with offsets its rows no longer match.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import asyncpg

from eventlog.projection.store import forget

if TYPE_CHECKING:
    from eventlog.projection.engine import Projection

META = "projection_meta"


def consumer_name(projection: Projection, schema: str) -> str:
    """Whose offsets: the live view's are the projection's own name; an aside schema has its own."""
    return projection.name if schema == projection.schema else f"{projection.name}@{schema}"


async def exists(conn: asyncpg.Connection, schema: str) -> bool:
    return await conn.fetchval("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema)


async def built_definition(conn: asyncpg.Connection, schema: str) -> str | None:
    if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{schema}.{META}"):
        return None
    return await conn.fetchval(f"SELECT definition_hash FROM {schema}.{META}")


async def create(conn: asyncpg.Connection, projection: Projection, kind: str, unlogged: bool) -> str:
    n = await conn.fetchval("SELECT nextval('eventlog.projection_schema_seq')")
    schema = f"{projection.schema}__{kind}_{n}"
    table_kind = "UNLOGGED TABLE" if unlogged else "TABLE"
    async with conn.transaction():
        await conn.execute(f"CREATE SCHEMA {schema}")
        for table in projection.tables:
            await conn.execute(table.create_sql(schema, unlogged=unlogged))
        await conn.execute(f"CREATE {table_kind} {schema}.{META} (definition_hash text NOT NULL, "
                           "created_at timestamptz NOT NULL DEFAULT now(), unlogged boolean NOT NULL)")
        await conn.execute(f"INSERT INTO {schema}.{META} (definition_hash, unlogged) VALUES ($1, $2)",
                           projection.definition_hash(), unlogged)
    return schema


async def beside(conn: asyncpg.Connection, projection: Projection, kind: str) -> list[str]:
    """Schemas of `kind` (shadow, verify, retired) next to the live one, oldest first."""
    rows = await conn.fetch("SELECT nspname FROM pg_namespace WHERE nspname ~ $1",
                            f"^{projection.schema}__{kind}_[0-9]+$")
    return sorted((r["nspname"] for r in rows), key=lambda s: int(s.rsplit("_", 1)[1]))


async def drop(conn: asyncpg.Connection, projection: Projection, schema: str) -> None:
    await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    await forget(conn, consumer_name(projection, schema))


async def finish(pool: asyncpg.Pool, projection: Projection, schema: str) -> None:
    """Make a bulk-loaded schema ready to serve: secondary indexes, logged tables, planner statistics.
    Each step on its own connection, all at once: a bulk load's last stretch is CPU-bound per statement."""
    async def run(sql: str) -> None:
        async with pool.acquire() as conn:
            await conn.execute(sql)

    async with pool.acquire() as conn:
        unlogged = await conn.fetchval(f"SELECT unlogged FROM {schema}.{META}")
    if unlogged:
        await asyncio.gather(*(run(f"ALTER TABLE {schema}.{name} SET LOGGED")
                               for name in [t.name for t in projection.tables] + [META]))
        await run(f"UPDATE {schema}.{META} SET unlogged = false")
    await asyncio.gather(*(run(ddl) for table in projection.tables for ddl in table.index_sql(schema)),
                         *(run(f"ANALYZE {schema}.{table.name}") for table in projection.tables))


async def swap_in(conn: asyncpg.Connection, projection: Projection, shadow: str) -> str | None:
    """Make `shadow` the live schema (inside the caller's transaction); returns the retired schema's name."""
    retired = None
    if await exists(conn, projection.schema):
        n = await conn.fetchval("SELECT nextval('eventlog.projection_schema_seq')")
        retired = f"{projection.schema}__retired_{n}"
        await conn.execute(f"ALTER SCHEMA {projection.schema} RENAME TO {retired}")
    await conn.execute(f"ALTER SCHEMA {shadow} RENAME TO {projection.schema}")
    return retired
