"""Reading many partitions for a bulk replay in the order their records were written.

The facts about one nomination sit on several topics (its submission, then its quota decision,
scores, a decision), written close in time. A batch that folds every partition up to the same
instant holds most of a row's facts, so the row is written once instead of once per batch that saw
a piece of it: the rows written, not the records read, are what a replay's database work costs.

The reader fetches ahead from the partitions furthest behind in time, holds what it fetched, and
hands out records no later than the earliest partition it is still reading (the horizon): from
each partition a contiguous run, so a batch still commits a prefix of every partition.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from operator import attrgetter

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from eventlog.consume.consumer import Records, StoredOffsetConsumer

# One fetch brings megabytes per partition: the consumer's buffers stay full while we fold. A short
# long-poll: other requests on the connection (end offsets at a phase change) never wait behind it.
BULK_FETCH = dict(max_partition_fetch_bytes=8 * 1024 * 1024, fetch_max_bytes=64 * 1024 * 1024, fetch_max_wait_ms=100)
# How far ahead in time (ms) a partition is read before the slowest catches up: memory, not order.
ALIGN_WINDOW_MS = int(os.environ.get("KCZG_REPLAY_ALIGN_MS", "1000"))
_timestamp = attrgetter("timestamp")
_END_OF_TIME = 2**63 - 1  # every partition read to its target: all that is held goes


class TimeOrderedReader:
    """Records of `targets`' partitions up to each target, handed out roughly in Kafka timestamp order.

    exact: nothing at or beyond a target is read (a verification compares at precise positions).
    """

    def __init__(self, consumer: StoredOffsetConsumer, targets: dict[TopicPartition, int], exact: bool) -> None:
        self.consumer, self.targets, self.exact = consumer, targets, exact
        self.open: set[TopicPartition] = set(targets)  # still short of their target
        # Fetched, not yet handed out, per partition: the records, their timestamps, the first not handed out.
        self._held: dict[TopicPartition, tuple[list[ConsumerRecord], list[int], int]] = {}
        self._front: dict[TopicPartition, int] = {}  # timestamp of the last record fetched, per partition

    async def start(self) -> None:
        self.open = await unfinished(self.consumer, self.targets, self.exact)

    @property
    def done(self) -> bool:
        return not self.open and not self._held

    async def read(self, limit: int, timeout_ms: int = 100) -> Records:
        """Up to about `limit` records; empty when nothing came within `timeout_ms`."""
        if ready := self._release(limit):
            return ready
        if self.open:
            got = await self.consumer.fetch(timeout_ms=timeout_ms, max_records=limit,
                                            partitions=_time_aligned(self.open, self._front))
            if self.exact:
                got = cut_at_targets(self.consumer, got, self.targets)
            for tp, recs in got.items():
                if recs:
                    held, times, first = self._held.get(tp, ((), (), 0))
                    self._held[tp] = ([*held[first:], *recs], [*times[first:], *map(_timestamp, recs)], 0)
                    self._front[tp] = recs[-1].timestamp
            self.open = await unfinished(self.consumer, {tp: self.targets[tp] for tp in self.open}, self.exact)
        return self._release(limit)

    def _release(self, limit: int) -> Records:
        if not self._held:
            return {}
        # Records after the horizon wait: a partition still being read may yet bring earlier ones.
        horizon = min((self._front.get(tp, -1) for tp in self.open), default=_END_OF_TIME)
        cut = self._cut(horizon, limit)
        out = {}
        for tp, (held, times, first) in list(self._held.items()):
            end = bisect_right(times, cut, first)
            if end > first:
                out[tp] = held[first:end]
                if end == len(held):
                    del self._held[tp]
                else:
                    self._held[tp] = (held, times, end)
        return out

    def _cut(self, horizon: int, limit: int) -> int:
        """The latest instant up to `horizon` with about `limit` held records at or before it."""
        def count(at: int) -> int:
            return sum(bisect_right(times, at, first) - first for _, times, first in self._held.values())

        if count(horizon) <= limit:
            return horizon
        low = min(times[first] for _, times, first in self._held.values())
        if count(low) >= limit:
            return low  # one instant holds more than the limit: it goes out whole
        while horizon - low > 1:  # count(low) < limit < count(horizon)
            middle = (low + horizon) // 2
            if count(middle) <= limit:
                low = middle
            else:
                horizon = middle
        return low


def _time_aligned(open_tps: set[TopicPartition], front: dict[TopicPartition, int]) -> list[TopicPartition]:
    """The partitions to read next: none far ahead in time of the slowest one."""
    known = [front[tp] for tp in open_tps if tp in front]
    if not known:
        return sorted(open_tps)
    horizon = min(known) + ALIGN_WINDOW_MS
    return sorted(tp for tp in open_tps if front.get(tp, horizon) <= horizon)


async def unfinished(consumer: StoredOffsetConsumer, targets: dict[TopicPartition, int], exact: bool) -> set:
    """The partitions short of their target; exact: those at it are paused (nothing read beyond)."""
    kafka = consumer.kafka
    left = set()
    for tp, target in targets.items():
        if await kafka.position(tp) < target:
            left.add(tp)
            if exact and tp in kafka.paused():
                kafka.resume(tp)
        elif exact:
            kafka.pause(tp)  # at its target: fetch nothing more for it
    return left


def cut_at_targets(consumer: StoredOffsetConsumer, got: Records, targets: dict[TopicPartition, int]) -> Records:
    """`got` without the records at or beyond each partition's target (state verification replays use it too)."""
    kafka = consumer.kafka
    for tp, recs in got.items():
        target = targets.get(tp, 0)
        if recs and recs[-1].offset >= target:
            got[tp] = [r for r in recs if r.offset < target]
            kafka.seek(tp, target)  # the position is exactly the target, whatever was fetched beyond it
            kafka.pause(tp)
    return {tp: recs for tp, recs in got.items() if recs}
