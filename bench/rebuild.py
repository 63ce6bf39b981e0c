"""Rebuild benchmark: write N realistic events to a fresh topic set, then measure in the same run
raw aiokafka consumption of those topics and a full rebuild of the ranking views.

    python bench/rebuild.py                 # 1,000,000 events
    python bench/rebuild.py --events 100000
    python bench/rebuild.py --projection review.views --projection review.audit   # each on the same log

Prints progress to stderr and one final JSON line to stdout:
{"bench": "rebuild", "events": …, "rebuild_events_per_s": …, "raw_consume_per_s": …, "ratio": …}
(the first projection's figures); with several projections also "projections": each one's events/s, its
ratio to raw consumption of its topics and to the first projection's rate.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable as a script from anywhere

import asyncpg  # noqa: E402
import typer  # noqa: E402
from aiokafka import AIOKafkaConsumer, TopicPartition  # noqa: E402
from aiokafka.admin import AIOKafkaAdminClient  # noqa: E402
from aiokafka.partitioner import DefaultPartitioner  # noqa: E402

from bench.event_mix import EventMix, encode, validate_sample  # noqa: E402
from eventlog.admin import create_topics  # noqa: E402
from eventlog.projection.replay import BATCH_RECORDS  # noqa: E402
from eventlog.write.producer import event_producer  # noqa: E402
from eventlog.projection.replay import BULK_FETCH  # noqa: E402
from eventlog.settings import database_url, kafka_bootstrap  # noqa: E402


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


async def produce(events: int) -> float:
    """Write the events as Kafka producers would (keyed, murmur2-partitioned), in big batches."""
    records = list(EventMix().events(events))
    validate_sample(records)
    prefix = os.environ["KCZG_TOPIC_PREFIX"]
    producer = event_producer(linger_ms=20, max_batch_size=1024 * 1024)
    await producer.start()
    started = time.perf_counter()
    try:
        partitioner, partitions, batches, sent = DefaultPartitioner(), {}, {}, []
        for topic, key, value in map(encode, records):
            topic = prefix + topic
            if topic not in partitions:
                partitions[topic] = sorted(await producer.partitions_for(topic))
            where = (topic, partitioner(key, partitions[topic], partitions[topic]))
            batch = batches.get(where) or batches.setdefault(where, producer.create_batch())
            if batch.append(key=key, value=value, timestamp=None) is None:  # full: send it, start another
                sent.append(await producer.send_batch(batch, where[0], partition=where[1]))
                batches[where] = batch = producer.create_batch()
                batch.append(key=key, value=value, timestamp=None)
        for (topic, partition), batch in batches.items():
            sent.append(await producer.send_batch(batch, topic, partition=partition))
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
    return time.perf_counter() - started


async def raw_consume(topics: list[str]) -> tuple[int, float]:
    """Every record of `topics` from offset 0, nothing done with them: the ceiling for any consumer."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), enable_auto_commit=False,
                                isolation_level="read_committed", **BULK_FETCH)
    await consumer.start()
    try:
        tps = []
        for topic in topics:
            while not consumer.partitions_for_topic(topic):
                await consumer._client.force_metadata_update()
            tps += [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        total, seen = sum(ends.values()), 0
        started = time.perf_counter()
        while seen < total:
            for records in (await consumer.getmany(timeout_ms=100, max_records=50_000)).values():
                seen += len(records)
        return seen, time.perf_counter() - started
    finally:
        await consumer.stop()


def named(name: str):
    """A projection by name, from the services that keep projections."""
    import importlib

    for module in ("services.publish.views", "services.review.views"):
        for projection in importlib.import_module(module).PROJECTIONS:
            if projection.name == name:
                return projection
    raise typer.BadParameter(f"unknown projection {name!r}")


async def full_rebuild(batch_records: int, projection) -> tuple[int, float]:
    from eventlog.projection.rebuild import RebuildProgress, rebuild

    started = time.perf_counter()

    class Phases(RebuildProgress):
        def phase(self, name: str, total: int) -> None:
            say(f"rebuild phase {name} at {time.perf_counter() - started:.2f}s" + (f": {total:,} records" if total else ""))

    result = await rebuild(projection, progress=Phases(), batch_records=batch_records)
    return result.records, time.perf_counter() - started


async def bench(events: int, batch_records: int, keep: bool, names: tuple[str, ...] = ("publish.rankings",)) -> dict:
    tag = uuid.uuid4().hex[:8]
    admin_url = database_url()
    db = f"bench_{tag}"
    conn = await asyncpg.connect(admin_url)
    await conn.execute(f'CREATE DATABASE "{db}"')
    await conn.close()
    os.environ["KCZG_TOPIC_PREFIX"] = f"bench{tag}."
    os.environ["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + f"/{db}"
    projections = [named(n) for n in names]
    runs = []  # (projection, raw events, raw s, rebuilt events, rebuild s)
    try:
        await create_topics()
        say(f"writing {events:,} events to topics bench{tag}.*")
        produce_s = await produce(events)
        # Let the broker's freshly written segments reach the disk first: write-back of a gigabyte of
        # dirty pages would otherwise compete for the CPUs with whatever runs next.
        await asyncio.to_thread(os.sync)
        for projection in projections:
            say(f"wrote in {produce_s:.1f}s; raw consumption of {projection.name}'s topics …")
            raw_n, raw_s = await raw_consume(projection.topic_names())
            say(f"raw: {raw_n:,} in {raw_s:.2f}s; rebuild {projection.name} …")
            rebuilt_n, rebuild_s = await full_rebuild(batch_records, projection)
            say(f"rebuild: {rebuilt_n:,} in {rebuild_s:.2f}s")
            runs.append((projection, raw_n, raw_s, rebuilt_n, rebuild_s))
    finally:
        if not keep:
            await _clean_up(admin_url, db, f"bench{tag}.")
    _, raw_n, raw_s, rebuilt_n, rebuild_s = runs[0]
    rebuild_rate, raw_rate = rebuilt_n / rebuild_s, raw_n / raw_s
    out = {"bench": "rebuild", "projection": projections[0].name, "events": rebuilt_n,
           "rebuild_events_per_s": round(rebuild_rate), "raw_consume_per_s": round(raw_rate),
           "ratio": round(rebuild_rate / raw_rate, 3), "rebuild_s": round(rebuild_s, 2),
           "raw_consume_s": round(raw_s, 2), "cpus": os.cpu_count()}
    if len(runs) > 1:
        out["projections"] = [{"name": p.name, "events": n, "rebuild_events_per_s": round(n / s),
                               "ratio_to_raw": round((n / s) / (rn / rs), 3),
                               "ratio_to_first": round((n / s) / rebuild_rate, 3)} for p, rn, rs, n, s in runs]
    return out


async def _clean_up(admin_url: str, db: str, prefix: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    finally:
        await conn.close()
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap())
    await admin.start()
    try:
        await admin.delete_topics([t for t in await admin.list_topics() if t.startswith(prefix)])
    finally:
        await admin.close()


def main(events: int = typer.Option(1_000_000, help="How many events to write and rebuild."),
         batch_records: int = typer.Option(BATCH_RECORDS, help="Records folded per rebuild transaction (the service's own by default)."),
         keep: bool = typer.Option(False, help="Keep the database and topics afterwards."),
         projection: list[str] = typer.Option(["publish.rankings"], help="Projection(s) to rebuild, in turn, on one log.")
         ) -> None:
    print(json.dumps(asyncio.run(bench(events, batch_records, keep, tuple(projection)))))


if __name__ == "__main__":
    typer.run(main)
