"""Consume topics with offsets stored in PostgreSQL, in the same transaction as the effects.

The handler gets, per poll, the new records of every partition and a connection inside
an open transaction. Offsets advance only if that transaction commits, so a record's effect
happens exactly once whatever the redeliveries, crashes and rebalances.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import ConsumerRecord

from eventlog.http import metrics
from eventlog.consume import offsets
from eventlog.consume.deadletter import DeadLetter, send_dead_letters
from eventlog.write.producer import EventPublisher
from eventlog.settings import kafka_bootstrap

log = logging.getLogger(__name__)

# How long a batch's transaction may sit idle (its process frozen: SIGSTOP, a stalled VM) before PostgreSQL
# ends it. Its offset rows stay locked until then, so the partition's new owner waits at most this long,
# never forever; longer than the group's 10 s session, the broker has moved the partition by then.
HOLD_LIMIT = "15s"

Records = dict[TopicPartition, list[ConsumerRecord]]
# apply(conn, records) runs inside the transaction and returns the poison records it refused.
ApplyFn = Callable[[asyncpg.Connection, Records], Awaitable[list[DeadLetter]]]
AfterCommitFn = Callable[[Records], Awaitable[None]]


@dataclass
class ConsumerSpec:
    name: str                       # owner of the stored offsets, e.g. "quota" or "view:nomination_status"
    topics: Sequence[str]
    apply: ApplyFn
    after_commit: AfterCommitFn | None = None
    group_id: str | None = None     # None: read every partition alone (rebuilds, single-instance views)
    max_records: int = 2000
    consumer_overrides: dict = field(default_factory=dict)


class _SeekToStored(ConsumerRebalanceListener):
    def __init__(self, runner: "StoredOffsetConsumer") -> None:
        self._runner = runner

    async def on_partitions_revoked(self, revoked) -> None:  # offsets live in PostgreSQL: nothing to flush
        pass

    async def on_partitions_assigned(self, assigned) -> None:
        await self._runner.seek_to_stored(list(assigned))


class StoredOffsetConsumer:
    def __init__(self, spec: ConsumerSpec, pool: asyncpg.Pool, dead_letters: EventPublisher,
                 bootstrap: str | None = None) -> None:
        self.spec = spec
        self.pool = pool
        self.dead_letters = dead_letters
        self.applied = 0
        self.applied_to: dict[TopicPartition, int] = {}  # the stored offset of each partition, as last known
        self._lag_series: set[tuple[str, ...]] = set()
        self._must_rewind: set[TopicPartition] = set()
        settings = dict(
            bootstrap_servers=bootstrap or kafka_bootstrap(),
            group_id=spec.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_partition_fetch_bytes=4 * 1024 * 1024,
            fetch_max_bytes=32 * 1024 * 1024,
        )
        settings.update(spec.consumer_overrides)  # overrides may replace any default above
        self._consumer = AIOKafkaConsumer(**settings)

    @property
    def kafka(self) -> AIOKafkaConsumer:
        return self._consumer

    async def start(self) -> None:
        async with self.pool.acquire() as conn:
            await offsets.ensure_schema(conn)
        await self._consumer.start()
        if self.spec.group_id:
            self._consumer.subscribe(list(self.spec.topics), listener=_SeekToStored(self))
        else:
            tps = [TopicPartition(t, p) for t in self.spec.topics
                   for p in sorted(await self._partitions_of(t))]
            self._consumer.assign(tps)
            await self.seek_to_stored(tps)
        metrics.report_at_scrape(self)

    async def _partitions_of(self, topic: str) -> set[int]:
        for _ in range(100):
            parts = self._consumer.partitions_for_topic(topic)
            if parts:
                return parts
            await self._consumer._client.force_metadata_update()  # aiokafka has no public wait-for-metadata
            if self._consumer.partitions_for_topic(topic):
                continue  # known now: no need to wait
            await asyncio.sleep(0.1)
        raise RuntimeError(f"topic {topic} has no partitions; run `kczg topics create`")

    async def stop(self) -> None:
        metrics.forget(self)
        for labels in self._lag_series:
            metrics.remove_series(metrics.CONSUMER_LAG, labels)
        self._lag_series = set()
        await self._consumer.stop()

    async def report_metrics(self) -> None:
        """kczg_consumer_lag_records of the partitions this instance holds: log end minus stored offset."""
        assigned = list(self._consumer.assignment())
        ends = await self._consumer.end_offsets(assigned) if assigned else {}
        series = set()
        for tp, end in ends.items():
            labels = (self.spec.name, self.spec.group_id or "", tp.topic, str(tp.partition))
            metrics.CONSUMER_LAG.labels(*labels).set(max(0, end - self.applied_to.get(tp, 0)))
            series.add(labels)
        for gone in self._lag_series - series:  # revoked in a rebalance: another instance reports it now
            metrics.remove_series(metrics.CONSUMER_LAG, gone)
        self._lag_series = series

    async def seek_to_stored(self, tps: list[TopicPartition]) -> None:
        async with self.pool.acquire() as conn:
            stored = await offsets.load(conn, self.spec.name)
        unseen = []
        for tp in tps:
            position = stored.get((tp.topic, tp.partition))
            self.applied_to[tp] = position or 0  # unseen: from the start (topics keep every record)
            if position is None:
                unseen.append(tp)
            else:
                self._consumer.seek(tp, position)
        if unseen:  # one call: each call waits for a fetch round
            await self._consumer.seek_to_beginning(*unseen)

    async def poll_once(self, timeout_ms: int = 500) -> int:
        """Fetch one batch and apply it in one transaction; returns the number of records applied."""
        batch = await self.fetch(timeout_ms)
        if not batch:
            return 0
        applied = await self.commit(batch)
        if self.spec.after_commit:
            await self.spec.after_commit(batch)
        return applied

    async def fetch(self, timeout_ms: int = 500, max_records: int | None = None,
                    partitions: Sequence[TopicPartition] = ()) -> Records:
        """The next records of `partitions` (default: every assigned, unpaused one); nothing applied yet."""
        if self._must_rewind:
            # Never fetch past records whose effect was not committed.
            await self.seek_to_stored([tp for tp in self._must_rewind if tp in self._consumer.assignment()])
            self._must_rewind.clear()
        return await self._consumer.getmany(*partitions, timeout_ms=timeout_ms,
                                            max_records=max_records or self.spec.max_records)

    async def commit(self, batch: Records, apply: ApplyFn | None = None) -> int:
        """Apply `batch` (with `apply`, default the spec's) and store the offsets, in one transaction."""
        try:
            applied = await self._apply(batch, apply or self.spec.apply)
        except Exception:
            # Nothing committed: rewind so the same records come again once the cause is gone — every
            # assigned partition, not only this batch's: a failure may be the database having restarted,
            # and what it stored is then all that counts.
            log.exception("%s: batch failed, rewinding to stored offsets", self.spec.name,
                          extra={"consumer": self.spec.name,
                                 "partitions": sorted(f"{tp.topic}:{tp.partition}" for tp in batch)})
            self._must_rewind.update(batch)
            self._must_rewind.update(self._consumer.assignment())
            raise
        self.applied += applied
        return applied

    async def _apply(self, batch: Records, apply: ApplyFn) -> int:
        keys = sorted((tp.topic, tp.partition) for tp in batch)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(f"SET LOCAL idle_in_transaction_session_timeout = '{HOLD_LIMIT}'")
            stored = await offsets.lock(conn, self.spec.name, keys)
            # Skip what this consumer already applied (a redelivery, or another instance won the race).
            fresh = {tp: [r for r in recs if r.offset >= stored[(tp.topic, tp.partition)]]
                     for tp, recs in batch.items()}
            fresh = {tp: recs for tp, recs in fresh.items() if recs}
            for tp in batch:
                self.applied_to[tp] = max(self.applied_to.get(tp, 0), stored[(tp.topic, tp.partition)])
            if not fresh:
                return 0
            letters = await apply(conn, fresh)
            if letters:
                await send_dead_letters(self.dead_letters, self.spec.name, letters)
            ends = {tp: recs[-1].offset + 1 for tp, recs in fresh.items()}
            await offsets.store(conn, self.spec.name, {(tp.topic, tp.partition): end for tp, end in ends.items()})
        self.applied_to.update(ends)  # committed
        return sum(len(r) for r in fresh.values())

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.1
        while not stop.is_set():
            try:
                await self.poll_once()
                backoff = 0.1
            except Exception:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def lag(self) -> dict[TopicPartition, int]:
        assigned = list(self._consumer.assignment())
        if not assigned:
            return {}
        ends = await self._consumer.end_offsets(assigned)
        return {tp: ends[tp] - await self._consumer.position(tp) for tp in assigned}

    async def end_offsets(self) -> dict[TopicPartition, int]:
        """Where the log ends now on every assigned partition: the target of a catch-up run."""
        assigned = list(self._consumer.assignment())
        return dict(await self._consumer.end_offsets(assigned)) if assigned else {}

    async def reached(self, targets: dict[TopicPartition, int]) -> bool:
        return all([await self._consumer.position(tp) >= end for tp, end in targets.items()])

    async def run_until(self, targets: dict[TopicPartition, int], stop: asyncio.Event | None = None) -> None:
        """Catch-up mode: apply batches until every partition reached `targets` (e.g. `end_offsets()`
        captured at start), then return. Errors propagate: the caller decides whether to retry."""
        while not await self.reached(targets):
            if stop is not None and stop.is_set():
                return
            await self.poll_once(timeout_ms=200)
