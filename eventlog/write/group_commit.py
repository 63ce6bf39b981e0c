"""Group commit: work that arrives while a group is in flight joins the next group, so many requests
share one transaction (one round of statements, one WAL flush) instead of each paying for its own.

`GroupCommit(run)` queues the items `submit` is given; up to `in_flight` groups run at once, each
`run(items) -> outcomes` (a result or an exception per item, in order; `if_cancelled` what they
hear when the process stops mid-group, else they are cancelled too). `take` chooses which of the
waiting items (in arrival order) form the next group; by default the first `max_group`. A submitter
that gives up (cancelled: its client went away) leaves its item in its group all the same.

Users: the unit of work (unit_of_work.py), every command of every service; and the rows of the one
exception left, brand-new nominations without an Idempotency-Key (services/intake/group_commit.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T, R = TypeVar("T"), TypeVar("R")
Take = Callable[[Sequence[T], int], list[int]]  # (waiting items, max_group) -> the next group's indexes, ascending


def first_ones(waiting: Sequence[T], max_group: int) -> list[int]:
    return list(range(min(len(waiting), max_group)))


class GroupCommit(Generic[T, R]):
    def __init__(self, run: Callable[[list[T]], Awaitable[Sequence[R | BaseException]]], max_group: int = 256,
                 in_flight: int = 1, take: Take = first_ones, if_cancelled: Callable[[], R] | None = None) -> None:
        self.run, self.max_group, self.in_flight, self.take = run, max_group, in_flight, take
        self.if_cancelled = if_cancelled  # a group cancelled (shutting down): its waiters get this, else are cancelled
        self.groups = self.items = 0  # groups run and their items (tests, tuning)
        self._waiting: list[tuple[T, asyncio.Future]] = []
        self._running: set[asyncio.Task] = set()

    async def submit(self, item: T) -> R:
        done = asyncio.get_running_loop().create_future()
        done.add_done_callback(_retrieved)
        self._waiting.append((item, done))
        self._start_drainers()
        return await asyncio.shield(done)

    def _start_drainers(self) -> None:
        while len(self._running) < self.in_flight and self._waiting:
            self._running.add(asyncio.create_task(self._drain()))

    async def _drain(self) -> None:
        try:
            while self._waiting:
                try:
                    chosen = set(self.take([item for item, _ in self._waiting], self.max_group))
                except Exception as exc:  # noqa: BLE001 — a bug choosing: every waiter hears it, none hangs
                    waiting, self._waiting = self._waiting, []
                    for _, done in waiting:
                        if not done.done():
                            done.set_exception(exc)
                    continue
                group = [w for i, w in enumerate(self._waiting) if i in chosen]
                self._waiting = [w for i, w in enumerate(self._waiting) if i not in chosen]
                await self._run([item for item, _ in group], [done for _, done in group])
        finally:  # no await between the last look at the queue and this: a new item finds a drainer
            self._running.discard(asyncio.current_task())

    async def _run(self, items: list[T], waiters: list[asyncio.Future]) -> None:
        outcomes: Sequence | None = None  # stays None when cancelled (shutting down)
        try:
            outcomes = await self.run(items)
        except Exception as exc:  # noqa: BLE001 — `run` gives each item its own outcome; this is all of theirs
            outcomes = [exc] * len(items)
        finally:
            self.groups, self.items = self.groups + 1, self.items + len(items)
            for i, done in enumerate(waiters):
                if done.done():
                    continue
                if outcomes is None and self.if_cancelled is None:
                    done.cancel()
                elif outcomes is None:
                    done.set_result(self.if_cancelled())
                elif isinstance(outcomes[i], BaseException):
                    done.set_exception(outcomes[i])
                else:
                    done.set_result(outcomes[i])


def _retrieved(done: asyncio.Future) -> None:
    if not done.cancelled():
        done.exception()  # a waiter that gave up has still "seen" the failure: no never-retrieved warning
