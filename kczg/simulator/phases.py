"""The simulated campaign's phases, each with its wall time and the events it put on the log (the sum of every
topic's end offsets before and after, so each service's own events count, not only the simulator's requests)."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.topics import ALL_TOPICS
from eventlog.settings import kafka_bootstrap

PHASES = ("intake", "quota", "screening", "assignment", "scoring", "results", "final_review", "notice", "release",
          "verify", "matching", "mail")


@dataclass
class Phase:
    name: str
    seconds: float
    events: int
    cpu_s: dict[str, float] = field(default_factory=dict)  # CPU seconds each process used, when a probe is given

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class PhaseClock:
    """`async with clock.phase("scoring"): …` records one row; `rows` in the order they ran."""

    def __init__(self, cpu_probe: Callable[[], dict[str, float]] | None = None) -> None:
        self.cpu_probe = cpu_probe  # e.g. each service's CPU seconds so far (bench/simulate_stack.py knows the pids)
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
        before, started, cpu = await self.log_end(), time.monotonic(), self._cpu()
        yield
        seconds = time.monotonic() - started
        used = {k: round(v - cpu[k], 2) for k, v in self._cpu().items()}
        self.rows.append(Phase(name, round(seconds, 2), await self.log_end() - before, used))

    def _cpu(self) -> dict[str, float]:
        return self.cpu_probe() if self.cpu_probe else {}

    def summary(self) -> dict[str, dict]:
        return {p.name: {"seconds": p.seconds, "events": p.events, "events_per_s": round(p.events_per_s, 1),
                         **({"cpu_s": p.cpu_s} if p.cpu_s else {})} for p in self.rows}
