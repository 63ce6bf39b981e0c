"""Verify a service's own state is a function of the log: replay every topic it reads from offset 0 into a
fresh scratch database through its restore, and compare that database's tables with the live ones.

The live side may still be moving: the comparison waits until the live consumers stored offsets at
the replay's targets and no outbox holds events not yet on the log, and afterwards checks that the
log did not grow and no outbox filled meanwhile. If it did, the replay catches up and compares again
(up to ATTEMPTS times); a result that still differs then says it could not settle.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
from aiokafka import TopicPartition

from contracts.topics import Topic

from eventlog.consume import offsets
from eventlog.consume.consumer import ApplyFn
from eventlog.verify.scratch_database import scratch_database
from eventlog.settings import database_url
from eventlog.verify.state_compare import StateTable, TableComparison, compare_tables, json_as_values
from eventlog.verify.state_replay import prepare, replay_to, restore_consumer

ATTEMPTS = 3
SETTLE_POLL_S = 0.1
# Shared by every service, and bookkeeping rather than state: where each consumer is in the log, and
# which schema set-ups ran (eventlog/ddl.py).
SHARED = ((("eventlog.consumer_offsets",), "each consumer's position in the log"),
          (("eventlog.ddl_applied",), "which schema set-ups ran"))


@dataclass(frozen=True)
class ServiceState:
    """What a service keeps, and how it is restored from the log (each service's restore.py has one)."""

    service: str                                              # also its schema and its outbox's
    topics: tuple[Topic, ...]                                 # every topic its state is made from
    tables: tuple[StateTable, ...]
    set_up: Callable[[asyncpg.Connection], Awaitable[None]]   # its schema, empty
    apply: ApplyFn                                            # records in, restored rows out (from_events)
    not_compared: tuple[tuple[tuple[str, ...], str], ...]     # (tables, why they are no function of the log)
    consumers: tuple[tuple[str, tuple[Topic, ...]], ...] = () # live consumers writing these tables
    init: Callable[[asyncpg.Connection], Awaitable[None]] | None = None  # the service's connection init

    def covered(self) -> set[str]:
        return {t.name for t in self.tables} | {name for names, _ in self.not_compared for name in names}


@dataclass
class StateResult:
    service: str
    tables: list[TableComparison] = field(default_factory=list)
    records: int = 0                                  # records replayed
    attempts: int = 0
    unsettled: list[str] = field(default_factory=list)  # why the live side may not have been still
    uncovered: list[str] = field(default_factory=list)  # tables of the service neither compared nor excluded
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.uncovered and self.differing == 0

    @property
    def differing(self) -> int:
        return sum(t.differing for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.rebuilt_rows for t in self.tables)


async def verify_states(states: list[ServiceState], dsn: str | None = None, *, limit: int = 5,
                        settle_timeout_s: float = 30.0) -> list[StateResult]:
    """Each service in turn, restored into one scratch database (each its own schema, as live)."""
    dsn = dsn or database_url()
    async with scratch_database("state_verify", dsn) as scratch:
        return [await _verify(s, dsn, scratch, limit, settle_timeout_s) for s in states]


async def _verify(state: ServiceState, dsn: str, scratch: str, limit: int, settle_timeout_s: float) -> StateResult:
    started = time.monotonic()
    pool = await asyncpg.create_pool(scratch, min_size=1, max_size=2, init=state.init)
    live = await asyncpg.connect(dsn)
    rebuilt = await asyncpg.connect(scratch)
    consumer = restore_consumer(state.service, [t.name for t in state.topics], state.apply, pool)
    result = StateResult(state.service)
    try:
        await json_as_values(live)
        await json_as_values(rebuilt)
        async with pool.acquire() as conn:
            await state.set_up(conn)
            await prepare(conn)
        result.uncovered = sorted((await _tables(live, state.service) | await _tables(rebuilt, state.service))
                                  - state.covered())
        await consumer.start()
        for attempt in range(1, ATTEMPTS + 1):
            result.attempts, targets = attempt, await consumer.end_offsets()
            result.records += await replay_to(consumer, targets)
            unsettled = await _settle(live, state, targets, settle_timeout_s)
            result.tables = await compare_tables(live, rebuilt, state.tables, limit)
            unsettled += await _pending_outbox(live, state) + _moved(targets, await consumer.end_offsets())
            result.unsettled = list(dict.fromkeys(unsettled))
            if result.ok or not unsettled:
                break
            settle_timeout_s = min(settle_timeout_s, 5.0)  # caught up once: later rounds wait less
    finally:
        await consumer.stop()
        await rebuilt.close()
        await live.close()
        await pool.close()
    result.seconds = time.monotonic() - started
    return result


async def _settle(live: asyncpg.Connection, state: ServiceState, targets: dict[TopicPartition, int],
                  timeout_s: float) -> list[str]:
    """Wait until the live consumers reached the targets and the outbox is empty; what still is not, after."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        behind = [f"{name} is {lag:,} record(s) behind the replay's targets"
                  for name, topics in state.consumers if (lag := await _lag(live, name, topics, targets))]
        waiting = behind + await _pending_outbox(live, state)
        if not waiting or asyncio.get_running_loop().time() > deadline:
            return waiting
        await asyncio.sleep(SETTLE_POLL_S)


async def _lag(live: asyncpg.Connection, consumer: str, topics: tuple[Topic, ...],
               targets: dict[TopicPartition, int]) -> int:
    try:
        stored = await offsets.load(live, consumer)
    except asyncpg.UndefinedTableError:
        stored = {}
    names = {t.name for t in topics}
    return sum(max(0, end - stored.get((tp.topic, tp.partition), 0)) for tp, end in targets.items()
               if tp.topic in names)


async def _tables(conn: asyncpg.Connection, schema: str) -> set[str]:
    return {f"{schema}.{r['table_name']}" for r in await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema)}


async def _pending_outbox(live: asyncpg.Connection, state: ServiceState) -> list[str]:
    try:
        pending = await live.fetchval(f"SELECT count(*) FROM {state.service}.outbox")
    except asyncpg.UndefinedTableError:
        return []
    return [f"{state.service}.outbox holds {pending:,} event(s) not yet on the log"] if pending else []


def _moved(targets: dict[TopicPartition, int], ends: dict[TopicPartition, int]) -> list[str]:
    grown = sum(ends.get(tp, end) - end for tp, end in targets.items())
    return [f"the log grew by {grown:,} record(s) during the comparison"] if grown else []
