"""A bulk replay reads partitions in the order their records were written, each partition in order, each record once."""

from __future__ import annotations

import asyncio

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from eventlog.projection.reader import TimeOrderedReader

A, B, C = (TopicPartition("t", p) for p in range(3))


class FakeKafka:
    """The part of AIOKafkaConsumer a reader uses: positions, pausing, seeking."""

    def __init__(self) -> None:
        self.positions: dict[TopicPartition, int] = {}
        self._paused: set[TopicPartition] = set()

    async def position(self, tp: TopicPartition) -> int:
        return self.positions.get(tp, 0)

    def paused(self) -> set[TopicPartition]:
        return self._paused

    def pause(self, *tps: TopicPartition) -> None:
        self._paused.update(tps)

    def resume(self, *tps: TopicPartition) -> None:
        self._paused.difference_update(tps)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.positions[tp] = offset


class FakeConsumer:
    """Serves each partition's log `per_fetch` records at a time, as a broker's fetches would."""

    def __init__(self, logs: dict[TopicPartition, list[int]], per_fetch: int) -> None:
        self.kafka = FakeKafka()
        self.logs = {tp: [ConsumerRecord(tp.topic, tp.partition, offset, ts, 0, b"k", b"v", None, 1, 1, ())
                          for offset, ts in enumerate(times)] for tp, times in logs.items()}
        self.per_fetch = per_fetch
        self.fetched_from: list[list[TopicPartition]] = []

    async def fetch(self, timeout_ms: int, max_records: int, partitions) -> dict:
        self.fetched_from.append(sorted(partitions))
        got = {}
        for tp in partitions:
            if tp in self.kafka.paused():
                continue
            start = self.kafka.positions.get(tp, 0)
            recs = self.logs[tp][start:start + min(self.per_fetch, max_records)]
            if recs:
                got[tp] = recs
                self.kafka.positions[tp] = start + len(recs)
        return got


def read_all(consumer: FakeConsumer, targets: dict, limit: int, exact: bool = False) -> list[list]:
    async def run() -> list[list]:
        reader, chunks = TimeOrderedReader(consumer, targets, exact), []
        await reader.start()
        while not reader.done:
            got = await reader.read(limit)
            assert got, "a reader with records left hands some out"
            chunks.append(got)
        return chunks
    return asyncio.run(run())


def test_partitions_come_out_in_write_order_each_record_once():
    # Three partitions written at interleaved instants (ms), one of them with a burst at one instant.
    logs = {A: [1, 4, 7, 10, 13, 16], B: [2, 5, 8, 11, 14, 17], C: [3, 3, 3, 3, 20, 21]}
    chunks = read_all(FakeConsumer(logs, per_fetch=4), {tp: len(t) for tp, t in logs.items()}, limit=3)
    # Each partition's records in offset order, none twice, none missing.
    for tp, times in logs.items():
        assert [r.offset for chunk in chunks for r in chunk.get(tp, [])] == list(range(len(times)))
    # Never a record handed out before an earlier-written one still held: chunks follow the clock.
    latest = [max(r.timestamp for recs in chunk.values() for r in recs) for chunk in chunks]
    earliest = [min(r.timestamp for recs in chunk.values() for r in recs) for chunk in chunks]
    assert all(latest[i] <= earliest[i + 1] for i in range(len(chunks) - 1))
    assert sum(len(recs) for chunk in chunks for recs in chunk.values()) == 18


def test_a_clock_going_backwards_delays_nothing_for_ever():
    # B's producer clock stepped back: its records still all come out, in offset order.
    logs = {A: [10, 20, 30, 40], B: [35, 5, 6, 50]}
    chunks = read_all(FakeConsumer(logs, per_fetch=2), {A: 4, B: 4}, limit=2)
    assert [r.offset for chunk in chunks for r in chunk.get(B, [])] == [0, 1, 2, 3]
    assert [r.offset for chunk in chunks for r in chunk.get(A, [])] == [0, 1, 2, 3]


def test_exact_targets_hand_out_nothing_at_or_beyond_them():
    logs = {A: [1, 2, 3, 4, 5], B: [1, 2, 3, 4, 5]}
    consumer = FakeConsumer(logs, per_fetch=5)
    chunks = read_all(consumer, {A: 2, B: 4}, limit=100, exact=True)
    assert [r.offset for chunk in chunks for r in chunk.get(A, [])] == [0, 1]
    assert [r.offset for chunk in chunks for r in chunk.get(B, [])] == [0, 1, 2, 3]
    assert consumer.kafka.positions == {A: 2, B: 4}  # positioned exactly at the targets
