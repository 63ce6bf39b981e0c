"""The unit of work with group commit, for a kind of command that arrives many at a time (scores).

Commands of one kind that arrive while a group's transaction is in flight share the next one, in
five round trips to PostgreSQL however many they are:

    BEGIN -> lock every aggregate of the group (sorted) and claim every Idempotency-Key, one statement
    -> load every state (the kind's one query) -> decide each command (pure, in arrival order)
    -> save all, stage every outbox row and remember every answer, one statement -> COMMIT
    -> publish (the outbox sends the group's rows in one produce round) -> answer each

The guarantees are UnitOfWork.run's, command by command: each keeps its own answer and its own refusal
(a refusal stages nothing, and under a key it is remembered); a 2xx only after the broker's ack; a
retry under the same key gets the one outcome (a key claimed already is read back in one more
statement). Two commands on one aggregate in one group are decided in arrival order, the second on
the state `evolve` gives after the first's events. A command whose Idempotency-Key is already in the
group waits for the next one (it must replay the first's answer), and so does every later command on
its aggregates. If a group's transaction fails for any other reason than a refusal (a deadlock, a
database error), nothing of it was committed and each of its commands runs again alone: one command's
failure never becomes another's answer. A dependency away (the database unreachable, a timeout) fails
the group's commands at once, as it would each of them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

import asyncpg

from contracts.errors import DomainError
from contracts.events import Event
from contracts.topics import Topic

from .http_problems import DEPENDENCY_FAILURES, domain_problem_body
from .idempotency import IdempotentRequest, Reply
from .unit_of_work import DatabaseUnavailable, OutcomeUnknown, UnitOfWork

S, C, X = TypeVar("S"), TypeVar("C"), TypeVar("X")
Writes = tuple[Sequence[str], Sequence[Any]]  # data-modifying statements (WITH items) over parameters $1…$n, and those
_UNREACHABLE = (OSError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError)


@dataclass(frozen=True)
class Grouped(Generic[S, C, X]):
    """One command as the grouped unit of work runs it; its kind's `BatchSteps` load and save it."""

    aggregates: Sequence[str]              # locked exclusively; the first names its state within a group
    command: C
    context: X                             # outside facts, known beforehand
    answer: Callable[[S, list[Event]], Reply]
    shared: Sequence[str] = ()             # locked in shared mode


@dataclass(frozen=True)
class BatchSteps(Generic[S, C, X]):
    """How one kind of command is loaded, decided and saved many at a time."""

    topic: Topic
    load: Callable[[asyncpg.Connection, Sequence[C]], Any]  # async: a state per command, in one query, under the locks
    decide: Callable[[S, C, X], list[Event]]                # pure
    evolve: Callable[[S, list[Event]], S]   # the state after a command's events (for the next on its aggregate)
    writes: Callable[[Sequence[tuple[S, list[Event]]]], Writes]  # what saves the decided (in order: the last wins)


@dataclass
class _Pending:
    cmd: Grouped
    idem: IdempotentRequest | None
    done: asyncio.Future  # (reply, partition keys to publish) or the command's exception


class GroupedUnitOfWork(Generic[S, C, X]):
    def __init__(self, uow: UnitOfWork, steps: BatchSteps[S, C, X], max_group: int = 256, in_flight: int = 2) -> None:
        self.uow, self.steps, self.max_group, self.in_flight = uow, steps, max_group, in_flight
        self.groups = self.commands = 0  # transactions committed or failed, and their commands (tests, tuning)
        self._queue: deque[_Pending] = deque()
        self._running: set[asyncio.Task] = set()
        keys, outbox = uow.keys, uow.outbox
        self._lock_and_claim = (
            "WITH locked AS (SELECT CASE WHEN s THEN pg_advisory_xact_lock_shared(1801680487, hashtext(a)) "
            "ELSE pg_advisory_xact_lock(1801680487, hashtext(a)) END FROM unnest($1::text[], $2::bool[]) AS x(a, s) "
            f"ORDER BY a), claimed AS ({keys.claim_sql(3, 4, 5, after='(SELECT count(*) FROM locked) >= 0')}) "
            "SELECT (SELECT count(*) FROM locked) AS locks, "
            "(SELECT array_agg(org) FROM claimed) AS orgs, (SELECT array_agg(key) FROM claimed) AS keys")
        self._outbox, self._keys = outbox, keys

    async def run(self, cmd: Grouped[S, C, X], idem: IdempotentRequest | None = None) -> Reply:
        if self.uow.health is not None:
            self.uow.health.check_writes()  # the broker is known to be down: refuse now, nothing written
        pending = _Pending(cmd, idem, asyncio.get_running_loop().create_future())
        pending.done.add_done_callback(_retrieved)
        self._queue.append(pending)
        while len(self._running) < self.in_flight and self._queue:
            self._running.add(asyncio.create_task(self._drain()))
        reply, keys = await asyncio.shield(pending.done)  # cancelled (client gone): its group goes on all the same
        if keys:
            try:
                await self.uow.outbox.publish(keys)
            except Exception as exc:
                raise OutcomeUnknown("已受理，但尚未确认写入事件日志（稍后将自动补发）。请稍后使用相同的 "
                                     "Idempotency-Key 重试以获取确定结果。") from exc
        return reply

    async def _drain(self) -> None:
        try:
            while self._queue:
                await self._run_group(self._take())
        finally:  # no await between the last look at the queue and this: a new command finds a drainer
            self._running.discard(asyncio.current_task())

    def _take(self) -> list[_Pending]:
        """The next group, in arrival order: a key already in it, and anything after on that command's
        aggregates, waits for the next."""
        group, later, keys, held = [], [], set(), set()
        while self._queue and len(group) < self.max_group:
            p = self._queue.popleft()
            key = (p.idem.org, p.idem.key) if p.idem else None
            if (key is not None and key in keys) or held.intersection(p.cmd.aggregates):
                later.append(p)
                held.update(p.cmd.aggregates)
                continue
            keys.add(key)
            group.append(p)
        self._queue.extendleft(reversed(later))
        return group

    async def _run_group(self, group: list[_Pending]) -> None:
        import time as _t; _t0 = _t.perf_counter()  # TEMP
        try:
            outcomes = await self._transaction(group)
            self._txs = getattr(self, '_txs', 0) + _t.perf_counter() - _t0  # TEMP
        except Exception as exc:  # noqa: BLE001 — nothing was committed; each command hears of it on its own
            if len(group) > 1 and not isinstance(exc, DEPENDENCY_FAILURES):
                for p in group:
                    await self._run_group([p])
                return
            outcomes = [DatabaseUnavailable("数据库暂不可用，本次操作未生效，请稍后重试。")
                        if isinstance(exc, _UNREACHABLE) else exc] * len(group)
        self.groups, self.commands = self.groups + 1, self.commands + len(group)
        if self.groups % 200 == 0:  # TEMP
            import logging; logging.getLogger("grouped").warning(str(sorted((k, round(1000*v/self.groups,1)) for k,v in GroupedUnitOfWork._T.items())) + "TEMP groups %d commands %d avg %.1f tx %.1f ms", self.groups, self.commands, self.commands / self.groups, 1000*getattr(self,'_txs',0)/self.groups)
        for p, outcome in zip(group, outcomes):
            if isinstance(outcome, BaseException):
                p.done.set_exception(outcome)
            else:
                p.done.set_result(outcome)

    async def _transaction(self, group: list[_Pending]) -> list:
        steps = self.steps
        outcomes: list = [None] * len(group)
        import time as _t, collections as _c
        T = GroupedUnitOfWork.__dict__.get('_T') or _c.Counter(); GroupedUnitOfWork._T = T
        t = _t.perf_counter()
        def mark(name):
            nonlocal t
            now = _t.perf_counter(); T[name] += now - t; t = now
        async with self.uow.pool.acquire() as conn:
          mark('acquire')
          async with conn.transaction():
            mark('begin')
            keyed = [i for i, p in enumerate(group) if p.idem is not None]
            await self._lock_and_claim_all(conn, group, keyed, outcomes)
            mark('lockclaim')
            todo = [i for i, o in enumerate(outcomes) if o is None]
            states = await steps.load(conn, [group[i].cmd.command for i in todo]) if todo else []
            mark('load')
            latest: dict[str, S] = {}
            decided, staged, remembered = [], [], []
            for i, loaded in zip(todo, states):
                p = group[i]
                name = p.cmd.aggregates[0]
                state = latest.get(name, loaded)
                try:
                    events = steps.decide(state, p.cmd.command, p.cmd.context)
                    reply = replace(p.cmd.answer(state, events), event_keys=tuple(sorted({e.key for e in events})))
                except DomainError as exc:
                    if p.idem is None or exc.http_status >= 500:  # a 5xx is not an answer: a retry redoes it
                        outcomes[i] = exc
                        continue
                    reply, events = Reply(exc.http_status, domain_problem_body(exc)), []
                if events:
                    latest[name] = steps.evolve(state, events)
                    decided.append((state, events))
                    staged += [(steps.topic, e) for e in events]
                if p.idem is not None:
                    remembered.append((p.idem, reply))
                outcomes[i] = (reply, {k.encode() for k in reply.event_keys})
            mark('decide')
            if decided or remembered:
                await self._write(conn, steps.writes(decided), staged, remembered)
            mark('write')
          mark('commit')
        mark('release')
        return outcomes

    async def _lock_and_claim_all(self, conn: asyncpg.Connection, group: list[_Pending], keyed: list[int],
                                  outcomes: list) -> None:
        """Every lock in one sorted statement, and the keys claimed in it once they are held; a key claimed
        already gets its first answer (or the key's refusal) from one more statement."""
        locks: dict[str, bool] = {}
        for p in group:
            locks.update((a, True) for a in p.cmd.shared if a not in locks)
            locks.update((a, False) for a in p.cmd.aggregates)
        reqs = [group[i].idem for i in keyed]
        row = await conn.fetchrow(self._lock_and_claim, list(locks), list(locks.values()), [r.org for r in reqs],
                                  [r.key for r in reqs], [r.fingerprint for r in reqs])
        owned = set(zip(row["orgs"] or (), row["keys"] or ()))
        claimed_before = [i for i in keyed if (group[i].idem.org, group[i].idem.key) not in owned]
        if claimed_before:
            firsts = await self._keys.firsts(conn, [group[i].idem for i in claimed_before])
            for i, first in zip(claimed_before, firsts):
                # A replay: its first attempt's events may still wait in the outbox (it crashed, or is publishing).
                outcomes[i] = (first, {k.encode() for k in first.event_keys}) if isinstance(first, Reply) else first

    async def _write(self, conn: asyncpg.Connection, writes: Writes, staged: list, remembered: list) -> None:
        """The kind's writes, the outbox rows and the answers: one statement."""
        ctes, args = writes
        n = len(args)
        items = [f"w{k} AS ({sql})" for k, sql in enumerate(ctes)]
        items += [f"staged AS ({self._outbox.stage_sql(n + 1, n + 2, n + 3)})",
                  f"remembered AS ({self._keys.remember_sql(n + 4, n + 5, n + 6, n + 7, n + 8)})"]
        await conn.execute(f"WITH {', '.join(items)} SELECT 1", *args, *self._outbox.stage_args(staged),
                           *self._keys.remember_args(remembered))


def _retrieved(done: asyncio.Future) -> None:
    if not done.cancelled():
        done.exception()  # a waiter that gave up has still "seen" the failure: no never-retrieved warning
