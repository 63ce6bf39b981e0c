"""The simulated campaign's phases, each with its wall time and the events it put on the log (the sum of every
topic's end offsets before and after, so each service's own events count, not only the simulator's requests)."""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.topics import ALL_TOPICS
from eventlog.settings import kafka_bootstrap

PHASES = ("intake", "quota", "screening", "assignment", "scoring", "results", "final_review", "notice", "release",
          "verify")


@dataclass
class Phase:
    name: str
    seconds: float
    events: int

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class PhaseClock:
    """`async with clock.phase("scoring"): …` records one row; `rows` in the order they ran."""

    def __init__(self) -> None:
        self.rows: list[Phase] = []
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), enable_auto_commit=False)
        await self._consumer.start()
        for topic in ALL_TOPICS:
            self._partitions += [TopicPartition(topic.name, p) for p in range(topic.partitions)]

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    async def log_end(self) -> int:
        ends = await self._consumer.end_offsets(self._partitions)
        return sum(ends.values())

    @asynccontextmanager
    async def phase(self, name: str):
        assert name in PHASES, name
        before, started = await self.log_end(), time.monotonic()
        yield
        seconds = time.monotonic() - started
        self.rows.append(Phase(name, round(seconds, 2), await self.log_end() - before))

    def summary(self) -> dict[str, dict]:
        return {p.name: {"seconds": p.seconds, "events": p.events, "events_per_s": round(p.events_per_s, 1)}
                for p in self.rows}
