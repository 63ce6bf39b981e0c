"""The unit of work with group commit, for a kind of command that arrives many at a time (scores).

The steps are UnitOfWork's (unit_of_work.py), applied to a group: commands of one kind that arrive
while a group's transaction is in flight share the next one (eventlog/group_commit.py):

    BEGIN -> lock every aggregate of the group, in name order (unit_of_work.lock)
    -> claim every Idempotency-Key (IdempotencyKeys.claim_all) -> load every state (the kind's one query)
    -> decide each command, purely, in arrival order -> save all (the kind's statements), stage every
    outbox row (Outbox.stage) and remember every answer (IdempotencyKeys.remember_all) -> COMMIT
    -> each command's commit hooks -> publish (the outbox sends a group's rows in one produce round)
    -> answer each

The guarantees are UnitOfWork.run's, command by command: each keeps its own answer and its own refusal
(a refusal stages nothing, and under a key it is remembered); a 2xx only after the broker's ack; a
retry under the same key gets the one outcome. Two commands on one aggregate in one group are decided
in arrival order, the second on the state `evolve` gives after the first's events. A command whose
Idempotency-Key is already in the group waits for the next one (it must replay the first's answer),
and so does every later command on its aggregates. If a group's transaction fails for any reason but
a refusal (a deadlock, a database error, a bug), nothing of it was committed and each of its commands
runs again alone: one command's failure never becomes another's answer. The database away fails the
group's commands at once, as it would each of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg

from contracts.errors import DomainError
from contracts.events import Event
from contracts.topics import Topic

from .group_commit import GroupCommit
from .http_problems import DATABASE_FAILURES, DEPENDENCY_FAILURES
from .idempotency import IdempotentRequest, Reply
from .log_format import event_fields, log_context, note
from .unit_of_work import UnitOfWork, answered, database_unavailable, lock, published_keys, refusal

S, C, X = TypeVar("S"), TypeVar("C"), TypeVar("X")
Outcome = tuple[Reply, set[bytes], list[Event]]  # the answer, the partition keys to publish first, the events


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
    load: Callable[[asyncpg.Connection, Sequence[C]], Awaitable[list[S]]]  # a state per command, in one query
    decide: Callable[[S, C, X], list[Event]]                              # pure
    evolve: Callable[[S, list[Event]], S]  # the state after a command's events (for the next on its aggregate)
    save: Callable[[asyncpg.Connection, Sequence[tuple[S, list[Event]]]], Awaitable[None]]  # in order: the last wins


Item = tuple[Grouped, IdempotentRequest | None]


class GroupedUnitOfWork(Generic[S, C, X]):
    def __init__(self, uow: UnitOfWork, steps: BatchSteps[S, C, X], max_group: int = 256, in_flight: int = 2) -> None:
        self.uow, self.steps = uow, steps
        self.groups: GroupCommit[Item, Outcome] = GroupCommit(self._run_group, max_group, in_flight, take=_take)

    async def run(self, cmd: Grouped[S, C, X], idem: IdempotentRequest | None = None) -> Reply:
        with log_context():  # the decided events' ids on every line logged meanwhile, as UnitOfWork.run
            self.uow.check_writes()
            reply, published, events = await self.groups.submit((cmd, idem))
            if events:
                note(**event_fields(events[0]))
            await self.uow.publish(published)
            return reply

    async def _run_group(self, group: list[Item]) -> list[Outcome | BaseException]:
        try:
            outcomes = await self._transaction(group)
        except DATABASE_FAILURES:
            return [database_unavailable() for _ in group]
        except Exception as exc:  # noqa: BLE001 — nothing was committed; each command hears of it on its own
            if len(group) == 1 or isinstance(exc, DEPENDENCY_FAILURES):
                return [exc] * len(group)
            return [(await self._run_group([item]))[0] for item in group]
        for (cmd, _), outcome in zip(group, outcomes):
            if not isinstance(outcome, BaseException):
                self.uow.committed(cmd.command, outcome[2])
        return outcomes

    async def _transaction(self, group: list[Item]) -> list[Outcome | BaseException]:
        uow, steps = self.uow, self.steps
        outcomes: list[Any] = [None] * len(group)
        async with uow.pool.acquire() as conn, conn.transaction():
            await lock(conn, [cmd for cmd, _ in group])
            keyed = [i for i, (_, idem) in enumerate(group) if idem is not None]
            if keyed:
                for i, first in zip(keyed, await uow.keys.claim_all(conn, [group[i][1] for i in keyed])):
                    # A replay, or the refusal of a key used for another request; None: the key is this one's.
                    outcomes[i] = (first, published_keys(first), []) if isinstance(first, Reply) else first
            todo = [i for i, outcome in enumerate(outcomes) if outcome is None]
            states = await steps.load(conn, [group[i][0].command for i in todo]) if todo else []
            latest: dict[str, S] = {}  # a state as the group's earlier commands on its aggregate left it
            decided, staged, remembered = [], [], []
            for i, loaded in zip(todo, states):
                cmd, idem = group[i]
                state = latest.get(cmd.aggregates[0], loaded)
                try:
                    events = steps.decide(state, cmd.command, cmd.context)
                    reply = answered(cmd.answer(state, events), events)
                except DomainError as exc:
                    try:
                        reply, events = refusal(exc, idem), []
                    except DomainError as refused:  # not an answer to remember: this command's alone
                        outcomes[i] = refused
                        continue
                if events:
                    latest[cmd.aggregates[0]] = steps.evolve(state, events)
                    decided.append((state, events))
                    staged += [(steps.topic, e) for e in events]
                if idem is not None:
                    remembered.append((idem, reply))
                outcomes[i] = (reply, published_keys(reply), events)
            if decided:
                await steps.save(conn, decided)
            await uow.outbox.stage(conn, staged)
            await uow.keys.remember_all(conn, remembered)
        return outcomes


def _take(waiting: Sequence[Item], max_group: int) -> list[int]:
    """The next group, in arrival order: a key already in it, and anything after on that command's
    aggregates, waits for the next."""
    chosen, keys, held = [], set(), set()
    for i, (cmd, idem) in enumerate(waiting):
        if len(chosen) == max_group:
            break
        key = (idem.org, idem.key) if idem is not None else None
        if key in keys or held.intersection(cmd.aggregates):
            held.update(cmd.aggregates)
            continue
        if key is not None:
            keys.add(key)
        chosen.append(i)
    return chosen
