"""The bounded wait on a view's stored offsets (eventlog/write/read_your_writes.py), over a stand-in offsets table."""

from __future__ import annotations

import asyncio

from eventlog.write.read_your_writes import TIMEOUTS, ViewProgress, view_reaches


class StoredOffsets:
    """`eventlog.consumer_offsets` as `offsets.load` reads it; each read moves the view on by `step`."""

    def __init__(self, next_offset: int, step: int = 0) -> None:
        self.next_offset, self.step, self.reads = next_offset, step, 0

    async def fetch(self, query: str, consumers: list[str]):
        self.reads += 1
        rows = [{"consumer": c, "topic": "kczg.publish", "partition": 0, "next_offset": self.next_offset}
                for c in consumers]
        self.next_offset += self.step
        return rows


async def test_a_view_already_there_is_asked_once():
    db = StoredOffsets(7)
    assert await view_reaches(db, "v", {("kczg.publish", 0): 7}) is True
    assert db.reads == 1


async def test_a_view_catching_up_is_waited_for():
    db = StoredOffsets(0, step=1)
    assert await view_reaches(db, "v", {("kczg.publish", 0): 3}) is True
    assert db.reads == 4


async def test_a_view_that_never_gets_there_gives_up_at_the_bound_and_is_counted():
    before = TIMEOUTS.labels("stuck")._value.get()
    db = StoredOffsets(2)
    # A partition the view has never applied counts as offset 0.
    assert await view_reaches(db, "stuck", {("kczg.publish", 0): 3, ("kczg.publish", 1): 1}, bound_s=0.05) is False
    assert TIMEOUTS.labels("stuck")._value.get() == before + 1


async def test_many_waiting_at_once_share_each_look():
    # 64 writes in flight on two views: one query per look, not one per waiter.
    db = StoredOffsets(0, step=1)
    progress = ViewProgress(db)
    waits = [progress.reaches(view, {("kczg.publish", 0): 1 + i % 3}) for i in range(64) for view in ("a", "b")]
    assert await asyncio.gather(*waits) == [True] * 128
    assert db.reads == 4  # offsets 0, 1, 2, 3: the last look finds every waiter there


async def test_a_waiter_given_up_on_is_dropped_and_the_others_still_answered():
    db = StoredOffsets(0, step=1)
    progress = ViewProgress(db)
    early = asyncio.ensure_future(progress.reaches("v", {("kczg.publish", 0): 2}))
    stuck = await progress.reaches("v", {("kczg.publish", 0): 10_000}, bound_s=0.05)
    assert (stuck, await early) == (False, True)
    await asyncio.sleep(0.1)
    assert progress._waiting == [] and progress._looking is None  # nothing left looking for the abandoned wait
