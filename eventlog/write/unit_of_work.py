"""The one way a command becomes events, every command in groups.

    lock the aggregates -> check the Idempotency-Keys -> load the state -> gather the outside facts
    -> decide (pure) -> save state + outbox rows + the answers, in one PostgreSQL transaction
    -> publish the outbox rows (idempotent producer, acks=all) -> answer

A service describes a command as a `Command` (its own load, context, decide, save and answer steps);
the order of the steps is this module's. Commands that arrive while a group's transaction is in flight
share the next one (group_commit.py): one BEGIN/COMMIT, one lock statement, one claim of their keys,
one outbox insert, one WAL flush and one produce round for the group, instead of one of each per command.

    BEGIN -> lock every aggregate of the group, in name order (`lock`)
    -> claim every Idempotency-Key (IdempotencyKeys.claim_all)
    -> each command in arrival order: load, gather, decide, save (a kind with `BatchSteps`, scores:
       a run of them loaded in one query and saved in one statement, grouped_unit_of_work.py)
    -> stage every outbox row (Outbox.stage), remember every answer (IdempotencyKeys.remember_all) -> COMMIT
    -> each command's commit hooks -> publish (the outbox sends a group's rows in one produce round)
    -> answer each

The guarantees are those of a command alone, command by command: each keeps its own answer and its own
refusal (a refusal stages nothing, and under a key it is remembered); a 2xx only once the broker acked
its events — if that cannot be confirmed the answer says the outcome is unknown and the outbox relay
publishes them later, so a retry under the same key gets the one outcome. Two commands on one aggregate
in one group are decided in arrival order, the second on the state the first saved. A command whose
Idempotency-Key is already in the group waits for the next one (it must replay the first's answer), and
so does every later command on its aggregates; a command that decides in a worker process (`offload`)
runs in a group of its own. If a group's transaction fails for any reason but a refusal (a deadlock, a
database error, a bug, a refusal raised while saving), nothing of it was committed and each of its
commands runs again alone: one command's failure never becomes another's answer. The database away
fails the group's commands at once, as it would each of them.

The named uses beyond the services' routes: consumers that decide (quota) run the same steps inside the
stored-offset consumer's transaction (consumer_decisions.py: its offset rows are the lock and the
idempotency record), and the campaign CLI runs its commands through a UnitOfWork of its own
(kczg/campaign_cli.py).
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

from eventlog.write import offload
from eventlog.write.group_commit import GroupCommit
from eventlog.failures import DATABASE_FAILURES, DEPENDENCY_FAILURES
from eventlog.http.problem_details import domain_problem_body
from eventlog.write.idempotency import IdempotencyKeys, IdempotentRequest, Reply
from eventlog.log_format import event_fields, log_context, note
from eventlog.write.outbox import Outbox

log = logging.getLogger(__name__)
CommitHook = Callable[[list[Event]], None]
ShownFn = Callable[[Topic, Sequence[str], bool], Awaitable[None]]  # (topic, keys, replayed): waits until the views show a write

S, C, X = TypeVar("S"), TypeVar("C"), TypeVar("X")
Outcome = tuple[Reply, set[bytes], list[Event]]  # the answer, the partition keys to publish first, the events

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


@dataclass(frozen=True)
class Item:
    """A command waiting for its group: a `Command`, or one of a kind with `BatchSteps` (`batch`)."""

    cmd: Any
    idem: IdempotentRequest | None
    batch: Any = None  # grouped_unit_of_work.BatchSteps of the command's kind, if it has them


class SaveRefused(Exception):
    """A refusal raised while saving: the command's writes may be half done, so its group rolls back."""


class UnitOfWork:
    def __init__(self, pool: asyncpg.Pool, outbox: Outbox, keys: IdempotencyKeys, health=None,
                 max_group: int = 256, in_flight: int = 2) -> None:
        self.pool, self.outbox, self.keys, self.health = pool, outbox, keys, health
        self.on_commit: list[CommitHook] = []  # told each command's events once committed (a service's counters)
        self.shown: ShownFn | None = None      # read_your_writes.WritesShown of a service that reads its views
        self.groups: GroupCommit[Item, Outcome] = GroupCommit(self._run_group, max_group, in_flight, take=_take)

    async def ensure_schema(self, conn: asyncpg.Connection) -> None:
        await self.outbox.ensure_schema(conn)
        await self.keys.ensure_schema(conn)

    async def run(self, cmd: Command[S, C, X], idem: IdempotentRequest | None = None, batch: Any = None) -> Reply:
        """Run `cmd` (with the `BatchSteps` of its kind, if any) in the next group; its own answer."""
        with log_context():  # the decided events' ids, once known, on every line logged meanwhile
            self.check_writes()
            item = Item(cmd, idem, batch)
            reply, published, events = await self.groups.submit(item)
            if events:
                note(**event_fields(events[0]))
            await self.publish(published)
            # A replay's too (its first answer may not have waited); not a kind that answers before its views.
            if self.shown is not None and reply.event_keys and getattr(batch, "waits_for_views", True):
                await self.shown(_topic(item), reply.event_keys, not events)
            return reply

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

    async def _run_group(self, group: list[Item]) -> list[Outcome | BaseException]:
        try:
            outcomes = await self._transaction(group)
        except DATABASE_FAILURES as exc:
            failure = database_unavailable()
            failure.__cause__ = exc
            return [failure for _ in group]
        except Exception as exc:  # noqa: BLE001 — nothing was committed; each command hears of it on its own
            if len(group) > 1 and not isinstance(exc, DEPENDENCY_FAILURES):
                return [(await self._run_group([item]))[0] for item in group]
            if isinstance(exc, SaveRefused):
                exc = exc.__cause__
            return [exc] * len(group)
        for item, outcome in zip(group, outcomes):
            if not isinstance(outcome, BaseException) and outcome[2]:
                with log_context():  # logged with the command's event ids, as in its own request
                    note(**event_fields(outcome[2][0]))
                    self.committed(item.cmd.command, outcome[2])
        return outcomes

    async def _transaction(self, group: list[Item]) -> list[Outcome | BaseException]:
        outcomes: list[Any] = [None] * len(group)
        async with self.pool.acquire() as conn, conn.transaction():
            await lock(conn, [item.cmd for item in group])
            keyed = [i for i, item in enumerate(group) if item.idem is not None]
            if keyed:
                for i, first in zip(keyed, await self.keys.claim_all(conn, [group[i].idem for i in keyed])):
                    # A replay, or the refusal of a key used for another request; None: the key is this one's.
                    outcomes[i] = (first, published_keys(first), []) if isinstance(first, Reply) else first
            staged: list[tuple[Topic, Event]] = []
            remembered: list[tuple[IdempotentRequest, Reply]] = []
            for run in _runs(group, [i for i, outcome in enumerate(outcomes) if outcome is None]):
                batch = group[run[0]].batch
                if batch is None:
                    decided = [await self._decide_one(conn, group[run[0]])]
                else:
                    decided = await batch.decide_run(conn, [group[i] for i in run])
                for i, (outcome, events) in zip(run, decided):
                    outcomes[i] = outcome
                    if isinstance(outcome, BaseException):
                        continue
                    staged += [(_topic(group[i]), e) for e in events]
                    if group[i].idem is not None:
                        remembered.append((group[i].idem, outcome[0]))
            await self.outbox.stage(conn, staged)
            await self.keys.remember_all(conn, remembered)
        return outcomes

    async def _decide_one(self, conn: asyncpg.Connection,
                          item: Item) -> tuple[Outcome | BaseException, list[Event]]:
        """One `Command` within its group's transaction: its outcome and the events to stage."""
        cmd = item.cmd
        try:
            state = await cmd.load(conn)
            context: Any = await cmd.gather(conn, state) if cmd.gather else cmd.context
            if cmd.offload:
                events = await offload.in_worker(cmd.decide, state, cmd.command, context)
            else:
                events = cmd.decide(state, cmd.command, context)
        except DomainError as exc:
            return refused(exc, item.idem), []
        try:
            await cmd.save(conn, state, events)
        except DomainError as exc:
            raise SaveRefused() from exc
        try:
            reply = answered(cmd.answer(state, events), events)
        except DomainError as exc:
            raise SaveRefused() from exc  # the events are saved: an answer refusing them must undo them
        return (reply, published_keys(reply), events), events


def _topic(item: Item) -> Topic:
    return item.batch.topic if item.batch is not None else item.cmd.topic


def _runs(group: Sequence[Item], todo: list[int]) -> list[list[int]]:
    """`todo` in arrival order, as runs decided together: each `Command` alone, and consecutive commands
    of one batch kind together (loaded in one query; each run saves before the next loads)."""
    runs: list[list[int]] = []
    for i in todo:
        batch = group[i].batch
        if runs and batch is not None and group[runs[-1][0]].batch is batch:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _take(waiting: Sequence[Item], max_group: int) -> list[int]:
    """The next group, in arrival order: a key already in it, and anything after on that command's
    aggregates, waits for the next; a command decided in a worker process runs in a group of its own."""
    chosen, keys, held = [], set(), set()
    for i, item in enumerate(waiting):
        if len(chosen) == max_group:
            break
        alone, aggregates = getattr(item.cmd, "offload", False), getattr(item.cmd, "aggregates", ())
        key = (item.idem.org, item.idem.key) if item.idem is not None else None
        if key in keys or held.intersection(aggregates) or (alone and chosen):
            held.update(aggregates)
            continue
        if key is not None:
            keys.add(key)
        chosen.append(i)
        if alone:
            break
    return chosen


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


def refused(exc: DomainError, idem: IdempotentRequest | None) -> Outcome | DomainError:
    """A refusal as a command's outcome within a group: its answer, or the error it alone hears."""
    try:
        reply = refusal(exc, idem)
    except DomainError as alone:
        return alone
    return reply, set(), []


def published_keys(reply: Reply) -> set[bytes]:
    """What must be published before `reply` is given: a replay's too (its first attempt's events may
    still wait in the outbox — it crashed, or is publishing now)."""
    return {k.encode() for k in reply.event_keys}


def database_unavailable() -> DatabaseUnavailable:
    return DatabaseUnavailable("数据库暂不可用，本次操作未生效，请稍后重试。")
