"""Verify a live view: rebuild it aside from offset 0 to the live view's own positions, compare rows.

The aside copy stops *exactly* at the live view's stored offsets, and the comparison runs while
those offset rows are locked (the live writer waits a moment), so both sides have seen precisely
the same records: any difference is a real one, never a timing artefact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson

from eventlog.consume import offsets
from eventlog.projection import schemas
from eventlog.projection import store as projection_store
from eventlog.projection.engine import Projection
from eventlog.projection.rebuild import RebuildProgress, projection_pool, replay_consumer
from eventlog.projection.replay import replay

ATTEMPTS = 5  # unlocked catch-ups before the last one runs under the lock


@dataclass(frozen=True)
class Difference:
    table: str
    key: dict[str, Any]
    kind: str                      # missing_in_live, extra_in_live, differs, definition
    columns: tuple[str, ...] = ()
    live: dict[str, Any] | None = None
    rebuilt: dict[str, Any] | None = None


@dataclass
class VerifyResult:
    differences: list[Difference] = field(default_factory=list)  # the first `limit` of them
    total: int = 0
    records: int = 0               # records replayed into the aside copy

    @property
    def ok(self) -> bool:
        return self.total == 0


class NoLiveView(RuntimeError):
    pass


async def verify(projection: Projection, dsn: str | None = None, *, progress: RebuildProgress | None = None,
                 limit: int = 50) -> VerifyResult:
    progress = progress or RebuildProgress()
    pool = await projection_pool(dsn)
    try:
        async with pool.acquire() as conn:
            await projection_store.ensure_schema(conn)
            await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"kczg.projection.verify:{projection.name}")
            for stale in await schemas.beside(conn, projection, "verify"):  # left by a killed verification
                await schemas.drop(conn, projection, stale)
            built = await schemas.built_definition(conn, projection.schema)
            if built is None:
                raise NoLiveView(f"{projection.name}: no live view in schema {projection.schema}")
            if built != projection.definition_hash():
                diff = Difference(schemas.META, {}, "definition", ("definition_hash",),
                                  {"definition_hash": built}, {"definition_hash": projection.definition_hash()})
                return VerifyResult([diff], 1)
            aside = await schemas.create(conn, projection, "verify", unlogged=True)
            try:
                return await _verify_aside(conn, pool, projection, aside, progress, limit)
            finally:
                await schemas.drop(conn, projection, aside)
    finally:
        await pool.close()


async def _verify_aside(conn: asyncpg.Connection, pool: asyncpg.Pool, projection: Projection, aside: str,
                        progress: RebuildProgress, limit: int) -> VerifyResult:
    consumer = replay_consumer(projection, aside, pool)
    try:
        await consumer.start()
        tps = sorted(consumer.kafka.assignment())
        keys = [(tp.topic, tp.partition) for tp in tps]
        records = 0
        for attempt in range(1, ATTEMPTS + 1):
            live = await offsets.load(conn, projection.name)
            targets = {tp: live.get((tp.topic, tp.partition), 0) for tp in tps}
            progress.phase("replay" if attempt == 1 else "catch-up",
                           sum([max(0, end - await consumer.kafka.position(tp)) for tp, end in targets.items()]))
            records += await replay(consumer, projection, aside, targets, exact=True, progress=progress.advance)
            async with conn.transaction():
                locked = await offsets.lock(conn, projection.name, keys)  # the live writer waits from here
                if locked != {k: live.get(k, 0) for k in keys}:
                    if attempt < ATTEMPTS:
                        continue  # it moved on meanwhile: catch up again without holding it up
                    records += await replay(consumer, projection, aside,
                                            {tp: locked[(tp.topic, tp.partition)] for tp in tps}, exact=True)
                progress.phase("compare", 0)
                total, differences = await compare(conn, projection, projection.schema, aside, limit)
                return VerifyResult(differences, total, records)
        raise AssertionError("unreachable")
    finally:
        await consumer.stop()


async def compare(conn: asyncpg.Connection, projection: Projection, live: str, rebuilt: str,
                  limit: int) -> tuple[int, list[Difference]]:
    total, found = 0, []
    for table in projection.tables:
        key = [c.name for c in table.key]
        on = " AND ".join(f"l.{k} = r.{k}" for k in key)
        source = (f"FROM {live}.{table.name} l FULL JOIN {rebuilt}.{table.name} r ON {on} "
                  "WHERE ROW(l.*) IS DISTINCT FROM ROW(r.*)")
        total += await conn.fetchval(f"SELECT count(*) {source}")
        rows = await conn.fetch(f"SELECT to_jsonb(l)::text AS live, to_jsonb(r)::text AS rebuilt {source} "
                                f"ORDER BY {', '.join(f'COALESCE(l.{k}, r.{k})' for k in key)} LIMIT $1",
                                max(0, limit - len(found)))
        found += [_difference(table.name, key, row["live"], row["rebuilt"]) for row in rows]
    return total, found


def _difference(table: str, key: list[str], live_json: str | None, rebuilt_json: str | None) -> Difference:
    live = orjson.loads(live_json) if live_json else None
    rebuilt = orjson.loads(rebuilt_json) if rebuilt_json else None
    either = live or rebuilt or {}
    ident = {k: either.get(k) for k in key}
    if live is None:
        return Difference(table, ident, "missing_in_live", (), None, rebuilt)
    if rebuilt is None:
        return Difference(table, ident, "extra_in_live", (), live, None)
    columns = tuple(c for c in live if live.get(c) != rebuilt.get(c))
    return Difference(table, ident, "differs", columns, live, rebuilt)
