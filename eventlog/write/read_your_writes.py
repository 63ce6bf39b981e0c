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


async def view_reaches(db, view: str, positions: Positions, bound_s: float = BOUND_S) -> bool:
    """Return True once `view` (its consumer name) has applied the log up to `positions`; False, logged and
    counted, if it has not within `bound_s`. `db` is a connection or a pool: anything with `fetch`."""
    if not positions:
        return True
    deadline, pause = asyncio.get_running_loop().time() + bound_s, FIRST_LOOK_S
    while True:
        stored = await offsets.load(db, view)
        behind = {key: end - stored.get(key, 0) for key, end in positions.items() if stored.get(key, 0) < end}
        if not behind:
            return True
        if asyncio.get_running_loop().time() >= deadline:
            TIMEOUTS.labels(view).inc()
            log.warning("%s still behind after %.1fs: %s", view, bound_s,
                        ", ".join(f"{t}:{p} by {n}" for (t, p), n in sorted(behind.items())))
            return False
        await asyncio.sleep(pause)
        pause = min(pause * 2, LAST_LOOK_S)


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
    with the topic and partition keys of the events the broker acked. The write stands whatever happens here."""

    def __init__(self, db, log_ends: LogEnds, views: Sequence[Projection], bound_s: float = BOUND_S) -> None:
        self.db, self.log_ends, self.views, self.bound_s = db, log_ends, tuple(views), bound_s

    async def __call__(self, topic: Topic, keys: Sequence[str]) -> None:
        readers = [v.name for v in self.views if topic.name in v.topic_names()]
        if keys and readers:
            await views_reach_log_end(self.db, self.log_ends, readers, topic.name, keys, self.bound_s)
