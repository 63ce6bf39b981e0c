"""Kinds of command that arrive many at a time (scores) and load many states in one query: their
`BatchSteps`, an optimisation of the unit of work's one path (unit_of_work.py), not a second path.

Within a group's transaction (locked, keys claimed by the unit of work), a run of consecutive commands
of one kind is loaded in one query, decided each in arrival order — two on one aggregate, the second on
the state `evolve` gives after the first's events — and saved in one statement; their outbox rows and
answers join the group's. The guarantees are the unit of work's, command by command: each keeps its
own answer and its own refusal (a refusal stages nothing, and under a key it is remembered).

    scores = GroupedUnitOfWork(ws.uow, SCORES)    # the unit of work, told the kind's steps
    reply = await scores.run(score_step(...), idem)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg

from contracts.errors import DomainError
from contracts.events import Event
from contracts.topics import Topic

from eventlog.write.group_commit import GroupCommit
from eventlog.write.idempotency import IdempotentRequest, Reply
from eventlog.write.unit_of_work import Item, Outcome, UnitOfWork, answered, published_keys, refused

S, C, X = TypeVar("S"), TypeVar("C"), TypeVar("X")


@dataclass(frozen=True)
class Grouped(Generic[S, C, X]):
    """One command of a kind with `BatchSteps`, as the unit of work runs it."""

    aggregates: Sequence[str]              # locked exclusively; the first names its state within a run
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
    # False: the answer is given once the broker acked, before the service's views show it (read_your_writes.py)
    waits_for_views: bool = True

    async def decide_run(self, conn: asyncpg.Connection,
                         run: Sequence[Item]) -> list[tuple[Outcome | BaseException, list[Event]]]:
        """A run of this kind's commands within a group's transaction: each one's outcome and events to stage."""
        states = await self.load(conn, [item.cmd.command for item in run])
        latest: dict[str, Any] = {}  # a state as the run's earlier commands on its aggregate left it
        decided, results = [], []
        for item, loaded in zip(run, states):
            cmd = item.cmd
            state = latest.get(cmd.aggregates[0], loaded)
            try:
                events = self.decide(state, cmd.command, cmd.context)
                reply = answered(cmd.answer(state, events), events)
            except DomainError as exc:
                results.append((refused(exc, item.idem), []))
                continue
            if events:
                latest[cmd.aggregates[0]] = self.evolve(state, events)
                decided.append((state, events))
            results.append(((reply, published_keys(reply), events), events))
        if decided:
            await self.save(conn, decided)
        return results


class GroupedUnitOfWork(Generic[S, C, X]):
    """The unit of work for one kind with `BatchSteps`: `run` is UnitOfWork.run with the kind's steps."""

    def __init__(self, uow: UnitOfWork, steps: BatchSteps[S, C, X]) -> None:
        self.uow, self.steps = uow, steps

    @property
    def groups(self) -> GroupCommit:
        """The unit of work's queue, which this kind's commands share with every other command."""
        return self.uow.groups

    async def run(self, cmd: Grouped[S, C, X], idem: IdempotentRequest | None = None) -> Reply:
        return await self.uow.run(cmd, idem, batch=self.steps)

