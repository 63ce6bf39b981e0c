"""Proof that a refused request changed nothing: every topic's end offsets and every table of the
test's database (row count and an md5 over the rows, table by table), compared before and after.

Each test has its own database, so "every table outside PostgreSQL's own schemas" is exactly the
services' schemas (intake, quota, review, review_views, publish, publish_facts, eventlog, ...)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from eventlog.settings import database_url
from tests.support.intake import OffsetWatch

# Tables that legitimately change with no request at all (background bookkeeping), by name.
IGNORED: frozenset[str] = frozenset()


@dataclass(frozen=True)
class State:
    offsets: dict[tuple[str, int], int]
    tables: dict[str, tuple[int, str | None]]  # "schema.table" -> (rows, md5 of the rows)

    def differences(self, later: State) -> list[str]:
        """What changed from this state to `later`, one line each."""
        out = [f"topic {t}[{p}] end {self.offsets.get((t, p))} -> {n}"
               for (t, p), n in sorted(later.offsets.items()) if self.offsets.get((t, p)) != n]
        for name in sorted(self.tables.keys() | later.tables.keys()):
            before, after = self.tables.get(name), later.tables.get(name)
            if before != after:
                out.append(f"table {name}: {_rows(before)} -> {_rows(after)}")
        return out


def _rows(value: tuple[int, str | None] | None) -> str:
    return "absent" if value is None else f"{value[0]} rows (md5 {value[1] or '-'})"


class Unchanged:
    """`async with Unchanged() as watch: before = await watch.state(); ...; assert not before.differences(await
    watch.state())` — one Kafka client and one database connection for the whole block."""

    def __init__(self, ignored: frozenset[str] = IGNORED) -> None:
        self.ignored = ignored

    async def __aenter__(self) -> Unchanged:
        self._offsets = await OffsetWatch().__aenter__()
        self._conn = await asyncpg.connect(database_url())
        return self

    async def __aexit__(self, *exc) -> None:
        await self._conn.close()
        await self._offsets.__aexit__(*exc)

    async def tables(self) -> dict[str, tuple[int, str | None]]:
        names = [f"{r['s']}.{r['t']}" for r in await self._conn.fetch(
            "SELECT table_schema AS s, table_name AS t FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') "
            "ORDER BY 1, 2")]
        names = [n for n in names if n not in self.ignored]
        if not names:
            return {}
        # One round trip for every table: its row count and an md5 of its rows in a fixed order.
        parts = [f"SELECT '{n}' AS name, count(*) AS n, md5(string_agg(t::text, '' ORDER BY t::text)) AS sum "
                 f"FROM {_quoted(n)} t" for n in names]
        rows = await self._conn.fetch(" UNION ALL ".join(parts))
        return {r["name"]: (r["n"], r["sum"]) for r in rows}

    async def state(self) -> State:
        return State(await self._offsets.ends(), await self.tables())

    async def consumers_behind(self, ends: dict[tuple[str, int], int]) -> list[str]:
        """Every stored consumer offset (deciders, projections) short of its partition's end."""
        try:
            rows = await self._conn.fetch("SELECT consumer, topic, partition, next_offset FROM eventlog.consumer_offsets")
        except asyncpg.UndefinedTableError:
            return []
        return [f"{r['consumer']} {r['topic']}[{r['partition']}] at {r['next_offset']} of {ends[key]}"
                for r in rows if (key := (r["topic"], r["partition"])) in ends and r["next_offset"] < ends[key]]


def _quoted(name: str) -> str:
    schema, table = name.split(".", 1)
    return f'"{schema}"."{table}"'


async def settled(timeout_s: float = 90, quiet_s: float = 0.6) -> State:
    """Until nothing moves: every outbox drained, every stored consumer offset at its partition's end, and
    every table the same over `quiet_s` (projections and deciders are eventually consistent). The state."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    async with Unchanged() as watch:
        last = None
        while True:
            state = await watch.state()
            pending = sum(n for name, (n, _) in state.tables.items() if name.endswith(".outbox"))
            behind = await watch.consumers_behind(state.offsets)
            if not pending and not behind and last is not None and not last.differences(state):
                return state
            if asyncio.get_running_loop().time() > deadline:
                moving = last.differences(state)[:5] if last else "?"
                raise AssertionError(f"never settled: {pending} outbox rows; behind: {behind[:5]}; moving: {moving}")
            last = state
            await asyncio.sleep(quiet_s)


class Quietly:
    """Requests that must change nothing, checked a batch at a time: one look at every topic and table per
    `every` requests instead of one per request (a state look costs more than most refusals). A batch that
    changed something is sent again, request by request, each looked at alone, to name the one that did; if
    none does it again, the batch is named. Either way the change is reported, and the next batch starts
    from the settled state, so what one request set going is never the next one's doing.

        async with Unchanged() as watch:
            quietly = Quietly(watch, await settled())
            for case in cases:
                r = await quietly.send(case.name, lambda: client.request(...))   # the answer, to check
            failures += await quietly.finish()
    """

    def __init__(self, watch: Unchanged, before: State, every: int = 32) -> None:
        self.watch, self.before, self.every = watch, before, every
        self.batch: list[tuple[str, Callable[[], Awaitable]]] = []  # (name, send) since the last look
        self.changes: list[str] = []

    async def send(self, name: str, send: Callable[[], Awaitable]):
        answer = await send()
        self.batch.append((name, send))
        if len(self.batch) >= self.every:
            await self._look()
        return answer

    async def finish(self) -> list[str]:
        """Looks at the last batch; every change found, one line each, naming its request."""
        if self.batch:
            await self._look()
        return self.changes

    async def _look(self) -> None:
        batch, self.batch = self.batch, []
        after = await self.watch.state()
        changes = self.before.differences(after)
        if changes:
            after = await settled()
            named = False
            for name, send in batch:
                await send()
                now = await self.watch.state()
                if again := after.differences(now):
                    self.changes += [f"{name} changed {change}" for change in again]
                    named, now = True, await settled()
                after = now
            if not named:
                names = ", ".join(name for name, _ in batch)
                self.changes += [f"one of [{names}] changed {change}" for change in changes]
        self.before = after
