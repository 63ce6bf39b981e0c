"""Compare a service's tables in two databases row by row: the live ones and those restored from the log.

Rows are matched by key (the primary key unless the table names another unique one) and compared as
PostgreSQL values compare: numerics by value, timestamps by instant, json by content (decoded). The
operational columns a table excludes (which process, when) are left out of both sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import asyncpg
import orjson

from eventlog.verify.projections import Difference


@dataclass(frozen=True)
class StateTable:
    name: str                        # schema.table
    exclude: tuple[str, ...] = ()    # operational columns: not a function of the log
    key: tuple[str, ...] = ()        # default: the primary key


@dataclass
class TableComparison:
    table: str
    live_rows: int
    rebuilt_rows: int
    differing: int = 0
    differences: list[Difference] = field(default_factory=list)  # the first few, in key order
    excluded: tuple[str, ...] = ()


async def json_as_values(conn: asyncpg.Connection) -> None:
    """Connection init: json and jsonb read as decoded values, so key order and spacing never differ."""
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads,
                                  schema="pg_catalog")


async def compare_tables(live: asyncpg.Connection, rebuilt: asyncpg.Connection, tables: tuple[StateTable, ...],
                         limit: int) -> list[TableComparison]:
    return [await compare_table(live, rebuilt, t, limit) for t in tables]


async def compare_table(live: asyncpg.Connection, rebuilt: asyncpg.Connection, table: StateTable,
                        limit: int) -> TableComparison:
    key = table.key or await _primary_key(rebuilt, table.name)
    columns = [c for c in await _columns(rebuilt, table.name) if c not in table.exclude]
    ours, theirs = await _rows(live, table.name, columns, key), await _rows(rebuilt, table.name, columns, key)
    result = TableComparison(table.name, len(ours), len(theirs), excluded=table.exclude)
    for k in sorted(ours.keys() | theirs.keys(), key=_sortable):
        a, b = ours.get(k), theirs.get(k)
        if a == b:
            continue
        result.differing += 1
        if len(result.differences) < limit:
            result.differences.append(_difference(table.name, dict(zip(key, map(_plain, k))), a, b))
    return result


async def _primary_key(conn: asyncpg.Connection, table: str) -> tuple[str, ...]:
    rows = await conn.fetch("""SELECT a.attname FROM pg_index i
                               JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true
                               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                               WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.n""", table)
    if not rows:
        raise ValueError(f"{table} has no primary key: name its key")
    return tuple(r["attname"] for r in rows)


async def _columns(conn: asyncpg.Connection, table: str) -> list[str]:
    schema, name = table.split(".")
    return [r["column_name"] for r in await conn.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 "
        "ORDER BY ordinal_position", schema, name)]


async def _rows(conn: asyncpg.Connection, table: str, columns: list[str], key: tuple[str, ...]) -> dict[tuple, dict]:
    try:
        rows = await conn.fetch(f"SELECT {', '.join(columns)} FROM {table}")
    except asyncpg.UndefinedTableError:  # the service never ran against this database: it holds nothing
        return {}
    return {tuple(r[k] for k in key): dict(r) for r in rows}


def _sortable(key: tuple) -> tuple:
    # Values of one column share a type; mixed ones (a NULL) still sort, numbers before the rest.
    return tuple((0, v, "") if isinstance(v, (int, Decimal)) else (1, 0, str(v)) for v in key)


def _difference(table: str, key: dict, live: dict | None, rebuilt: dict | None) -> Difference:
    if live is None:
        return Difference(table, key, "missing_in_live", (), None, _shown(rebuilt))
    if rebuilt is None:
        return Difference(table, key, "extra_in_live", (), _shown(live), None)
    columns = tuple(c for c in live if live[c] != rebuilt.get(c))
    return Difference(table, key, "differs", columns, _shown(live), _shown(rebuilt))


def _shown(row: dict | None) -> dict | None:
    return None if row is None else {c: _plain(v) for c, v in row.items()}


def _plain(value):
    """A value as it prints: uuids, instants and numerics as text, the rest as they are."""
    if isinstance(value, (UUID, datetime, date, Decimal)):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
