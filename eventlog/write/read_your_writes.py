"""Read your writes: wait, bounded, until a view has applied the log as far as a write or a question reached.

A view's progress is its stored offsets (eventlog.consumer_offsets), committed with its rows, so "the view
shows everything before these positions" is one comparison that holds for every process reading the same
database, whichever instance of the view's consumer group applied them. Two uses. A write answers only
once the service's views have applied its events' partitions up to the log end seen after the broker's ack
(`WritesShown`): then the next read, by the writer or anyone, in any worker process, shows it, and reads —
the public's hot path — pay nothing. A question whose answer would be "not there" (an unregistered unit)
asks where the log ends now and waits for the view to get there before saying so (`view_reaches`). Not
chosen: every read asking the log's end (a broker round trip on every public GET), or a process
remembering its own writes' offsets (a read served by another worker process would not know them). The
bound keeps a lagging or rebuilding view from holding a request: the answer is then given as the view
stands, logged and counted in kczg_view_wait_timeouts_total.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence

from prometheus_client import Counter

from contracts.topics import Topic

from eventlog.consume import offsets
from eventlog.projection.engine import Projection
from eventlog.projection.status import LogEnds

log = logging.getLogger(__name__)

BOUND_S = float(os.environ.get("KCZG_READ_YOUR_WRITES_S", "2.5"))
# A view applies a batch within milliseconds of its fetch: look soon, then less often on a long wait.
FIRST_LOOK_S, LAST_LOOK_S = 0.005, 0.05
TIMEOUTS = Counter("kczg_view_wait_timeouts", "Waits for a view to reach a position that hit the bound "
                   "(the answer was given as the view stood)", ("view",))

Positions = dict[tuple[str, int], int]  # (topic, partition) -> the offset the view must have applied up to


class ViewProgress:
    """Every wait of a process on its views' stored offsets, answered by one look at a time: one query for
    all the views anyone waits on, however many requests wait (64 writes in flight read the offsets
    table once per look, not 64 times). `db` is a connection or a pool: anything with `fetch`."""

    def __init__(self, db) -> None:
        self.db = db
        self._waiting: list[tuple[str, Positions, asyncio.Future]] = []
        self._looking: asyncio.Task | None = None

    async def reaches(self, view: str, positions: Positions, bound_s: float = BOUND_S) -> bool:
        """True once `view` has applied the log up to `positions`; False, logged and counted, if it has not
        within `bound_s`."""
        if not positions:
            return True
        reached = asyncio.get_running_loop().create_future()
        self._waiting.append((view, positions, reached))
        if self._looking is None:
            self._looking = asyncio.create_task(self._look())
        try:
            async with asyncio.timeout(bound_s):
                return await asyncio.shield(reached)
        except TimeoutError:
            TIMEOUTS.labels(view).inc()
            log.warning("%s still behind after %.1fs: %s", view, bound_s,
                        ", ".join(f"{t}:{p} ({n})" for (t, p), n in sorted(positions.items())))
            return False
        finally:
            reached.cancel()  # no-op once answered; else (timed out, or the caller cancelled) dropped at the next look

    async def _look(self) -> None:
        pause = FIRST_LOOK_S
        try:
            while self._waiting:
                stored = await offsets.load_many(self.db, sorted({view for view, _, _ in self._waiting}))
                waiting, self._waiting = self._waiting, []
                moved = False
                for view, positions, reached in waiting:
                    if reached.done():
                        continue
                    have = stored.get(view, {})  # a partition the view has never applied is at offset 0
                    if all(have.get(key, 0) >= end for key, end in positions.items()):
                        reached.set_result(True)
                        moved = True
                    else:
                        self._waiting.append((view, positions, reached))
                if self._waiting:
                    # Views moving (a steady stream of writes): look again soon; a view stuck: less often.
                    pause = FIRST_LOOK_S if moved else min(pause * 2, LAST_LOOK_S)
                    await asyncio.sleep(pause)
        except Exception as exc:  # noqa: BLE001 — the database away: every waiter goes on as the views stand
            log.warning("could not read the views' offsets", exc_info=True)
            for _, _, reached in self._waiting:
                if not reached.done():
                    reached.set_exception(exc)
            self._waiting = []
        finally:
            self._looking = None


async def view_reaches(db, view: str, positions: Positions, bound_s: float = BOUND_S) -> bool:
    """`ViewProgress.reaches` for one question on its own (`db`: a connection or a pool)."""
    return await ViewProgress(db).reaches(view, positions, bound_s)


async def views_reach_log_end(db, log_ends: LogEnds, views: Sequence[str], topic: str, keys: Sequence[str],
                              bound_s: float = BOUND_S) -> bool:
    """`view_reaches` for each of `views`, to where the log ends now on the partitions of `keys` in `topic`,
    all within one bound. False if not reached, or the broker or database did not answer: go on as they stand."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound_s
    try:
        positions = await asyncio.wait_for(log_ends.ends_of_keys(topic, keys), bound_s)
        return all([await view_reaches(db, view, positions, max(0.0, deadline - loop.time())) for view in views])
    except Exception:  # noqa: BLE001 — a wait is a courtesy: never an error of its own
        log.warning("could not wait for %s to reach the end of %s", ", ".join(views), topic, exc_info=True)
        return False


class WritesShown:
    """Holds a write's answer until the views that read its topic have applied it: the unit of work calls it
    with the topic and partition keys of the events the broker acked. A fresh write's positions are the
    offsets its process saw acked (`Outbox.acked`: no broker round trip); a replayed answer's events may have
    been published by another process, so it asks where the log ends. The write stands whatever happens here."""

    def __init__(self, db, log_ends: LogEnds, views: Sequence[Projection], acked: Positions | None = None,
                 bound_s: float = BOUND_S) -> None:
        self.log_ends, self.views, self.acked, self.bound_s = log_ends, tuple(views), acked, bound_s
        self.progress = ViewProgress(db)

    async def __call__(self, topic: Topic, keys: Sequence[str], replayed: bool = False) -> None:
        readers = [v.name for v in self.views if topic.name in v.topic_names()]
        if not (keys and readers):
            return
        try:
            async with asyncio.timeout(self.bound_s):
                positions = await self._positions(topic.name, keys, replayed)
                await asyncio.gather(*(self.progress.reaches(view, positions, self.bound_s) for view in readers))
        except Exception:  # noqa: BLE001 — a wait is a courtesy: never an error of its own
            log.warning("could not wait for %s to show a write to %s", ", ".join(readers), topic.name, exc_info=True)

    async def _positions(self, topic: str, keys: Sequence[str], replayed: bool) -> Positions:
        if replayed or self.acked is None:
            return await self.log_ends.ends_of_keys(topic, keys)
        partitions = await self.log_ends.partitions_of_keys(topic, keys)
        positions = {tp: self.acked[tp] for tp in partitions if tp in self.acked}
        if len(positions) < len(partitions):  # sent by a relay, not this process: ask the broker
            positions = {**await self.log_ends.ends_of_keys(topic, keys), **positions}
        return positions
