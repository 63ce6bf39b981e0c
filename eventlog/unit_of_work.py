"""The one way a command becomes events.

    lock the aggregate -> check the Idempotency-Key -> load its state -> gather the outside facts
    -> decide (pure) -> save state + outbox rows + the answer, in one PostgreSQL transaction
    -> publish the outbox rows (idempotent producer, acks=all) -> answer

A service describes a command as a `Command` (its own load, context, decide, save and answer steps);
the order of the steps is this module's. The 2xx is given only once the broker acked the events;
if that cannot be confirmed the answer says the outcome is unknown, and the outbox relay publishes
the events later — a retry with the same Idempotency-Key then gets the one outcome. A refusal
(DomainError) from any step is an answer too: nothing is staged, and under a key it is remembered.

A kind of command that arrives many at a time (scores) runs through the same steps in groups, many
commands to a transaction: grouped_unit_of_work.py, with the pieces below (`lock`, `answered`,
`refusal`, `committed`, `publish`, IdempotencyKeys.claim_all / remember_all) shared, not copied.

Consumers that decide (quota) run the same steps inside the stored-offset consumer's transaction:
its offset rows are the lock and the idempotency record, `Outbox.stage` holds the decisions, and
`Outbox.publish` after the commit sends them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

import asyncpg

from contracts.errors import DomainError
from contracts.events import Event
from contracts.topics import Topic

from .http_problems import DATABASE_FAILURES, domain_problem_body
from .idempotency import IdempotencyKeys, IdempotentRequest, Reply
from .log_format import event_fields, log_context, note
from . import offload
from .outbox import Outbox

log = logging.getLogger(__name__)
CommitHook = Callable[[list[Event]], None]
ShownFn = Callable[[Topic, Sequence[str]], Awaitable[None]]  # waits until the service's views show a write

S, C, X = TypeVar("S"), TypeVar("C"), TypeVar("X")

# Aggregates are locked with transaction-scoped advisory locks, so a brand-new aggregate (no row yet)
# is locked like any other; a hash collision only makes two commands wait for each other.
# Shared locks let many commands on one part of an aggregate run side by side (scores on one review
# target) while a command on the whole waits for them all. Every lock is taken in one order, by name.
_LOCK = ("SELECT CASE WHEN s THEN pg_advisory_xact_lock_shared(1801680487, hashtext(a)) "
         "ELSE pg_advisory_xact_lock(1801680487, hashtext(a)) END "
         "FROM unnest($1::text[], $2::bool[]) AS x(a, s) ORDER BY a")


class OutcomeUnknown(DomainError):
    """Committed, but the broker's ack was not seen in time: the events will still be published."""

    code = "outcome_unknown"
    http_status = 503


class DatabaseUnavailable(DomainError):
    code = "database_unavailable"
    http_status = 503


@dataclass(frozen=True)
class Command(Generic[S, C, X]):
    """One command as the unit of work runs it. `decide(state, command, context) -> events` is pure."""

    aggregates: Sequence[str]                                    # locked exclusively
    command: C
    topic: Topic
    load: Callable[[asyncpg.Connection], Awaitable[S]]           # read under the lock
    decide: Callable[[S, C, X], list[Event]]
    save: Callable[[asyncpg.Connection, S, list[Event]], Awaitable[None]]
    answer: Callable[[S, list[Event]], Reply]
    context: X | None = None                                               # outside facts known beforehand,
    gather: Callable[[asyncpg.Connection, S], Awaitable[X]] | None = None  # or read under the lock
    shared: Sequence[str] = ()                                             # locked in shared mode
    offload: bool = False  # decide costs seconds of CPU: run it in a worker process (offload.py), not on the loop


class UnitOfWork:
    def __init__(self, pool: asyncpg.Pool, outbox: Outbox, keys: IdempotencyKeys, health=None) -> None:
        self.pool, self.outbox, self.keys, self.health = pool, outbox, keys, health
        self.on_commit: list[CommitHook] = []  # told each command's events once committed (a service's counters)
        self.shown: ShownFn | None = None      # read_your_writes.WritesShown of a service that reads its views

    async def ensure_schema(self, conn: asyncpg.Connection) -> None:
        await self.outbox.ensure_schema(conn)
        await self.keys.ensure_schema(conn)

    async def run(self, cmd: Command[S, C, X], idem: IdempotentRequest | None = None) -> Reply:
        with log_context():  # the decided events' ids, once known, on every line logged meanwhile
            return await self._run(cmd, idem)

    async def _run(self, cmd: Command[S, C, X], idem: IdempotentRequest | None) -> Reply:
        self.check_writes()
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                await lock(conn, [cmd])
                reply, published, events = await self._decided(conn, cmd, idem)
        except DATABASE_FAILURES as exc:
            raise database_unavailable() from exc
        self.committed(cmd.command, events)
        await self.publish(published)
        if self.shown is not None and reply.event_keys:  # a replay's too: its first answer may not have waited
            await self.shown(cmd.topic, reply.event_keys)
        return reply

    # The steps around the transaction, shared with the grouped unit of work (grouped_unit_of_work.py).

    def check_writes(self) -> None:
        if self.health is not None:
            self.health.check_writes()  # the broker is known to be down: refuse now, nothing written

    def committed(self, command: Any, events: Sequence[Event]) -> None:
        """Tell the commit hooks of a command's events, once they are committed."""
        if events:
            log.debug("%s committed: %s", type(command).__name__, ", ".join(e.type for e in events))
            for hook in self.on_commit:
                try:
                    hook(list(events))
                except Exception:  # noqa: BLE001 — a counter must never fail a committed command
                    log.exception("commit hook failed")

    async def publish(self, keys: set[bytes]) -> None:
        """Publish the pending outbox rows of partition `keys` before the answer is given."""
        if keys:
            try:
                await self.outbox.publish(keys)
            except Exception as exc:
                raise OutcomeUnknown("已受理，但尚未确认写入事件日志（稍后将自动补发）。请稍后使用相同的 "
                                     "Idempotency-Key 重试以获取确定结果。") from exc

    async def _decided(self, conn: asyncpg.Connection, cmd: Command[S, C, X],
                       idem: IdempotentRequest | None) -> tuple[Reply, set[bytes], list[Event]]:
        """The answer, the partition keys whose outbox rows must be published before it is given, and the
        events decided now (none for a replay or a refusal)."""
        if idem is not None and (replay := await self.keys.claim(conn, idem)) is not None:
            return replay, published_keys(replay), []
        try:
            state = await cmd.load(conn)
            context: Any = await cmd.gather(conn, state) if cmd.gather else cmd.context
            if cmd.offload:
                events = await offload.in_worker(cmd.decide, state, cmd.command, context)
            else:
                events = cmd.decide(state, cmd.command, context)
            if events:
                note(**event_fields(events[0]))
            await cmd.save(conn, state, events)
            await self.outbox.stage(conn, [(cmd.topic, e) for e in events])
            reply = answered(cmd.answer(state, events), events)
        except DomainError as exc:
            reply, events = refusal(exc, idem), []
        if idem is not None:
            await self.keys.remember(conn, idem, reply)
        return reply, published_keys(reply), events


async def lock(conn: asyncpg.Connection, cmds: Sequence[Command | Any]) -> None:
    """Lock every aggregate of `cmds` (each command's `aggregates` exclusively, its `shared` in shared
    mode unless another of them locks it exclusively) in one statement, in name order."""
    locks: dict[str, bool] = {}
    for cmd in cmds:
        locks.update((a, True) for a in cmd.shared if a not in locks)
        locks.update((a, False) for a in cmd.aggregates)
    await conn.execute(_LOCK, list(locks), list(locks.values()))


def answered(reply: Reply, events: Sequence[Event]) -> Reply:
    """A command's answer, naming the partition keys of its events (what a replay must see published)."""
    return replace(reply, event_keys=tuple(sorted({e.key for e in events})))


def refusal(exc: DomainError, idem: IdempotentRequest | None) -> Reply:
    """A refusal as the command's answer (remembered under its key); raised again when it is none: without
    a key, or a 5xx — a retry redoes the command."""
    if idem is None or exc.http_status >= 500:
        raise exc
    return Reply(exc.http_status, domain_problem_body(exc))


def published_keys(reply: Reply) -> set[bytes]:
    """What must be published before `reply` is given: a replay's too (its first attempt's events may
    still wait in the outbox — it crashed, or is publishing now)."""
    return {k.encode() for k in reply.event_keys}


def database_unavailable() -> DatabaseUnavailable:
    return DatabaseUnavailable("数据库暂不可用，本次操作未生效，请稍后重试。")
