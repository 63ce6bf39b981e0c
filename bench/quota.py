"""Quota decisions per second, one and two instances, over a pre-filled unit stream.

    python bench/quota.py [--nominations 20000] [--units 200]

Needs KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL (e.g. `eval "$(kczg stack env)"`). Each run gets a
fresh topic set and fresh databases. In the same run it measures raw aiokafka consumption of the
same topic (no decoding) as the baseline. Prints one final JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contracts.topics import NOMINATIONS  # noqa: E402
from tests.support.events import LogWriter, registered, submitted  # noqa: E402
from tests.support.isolation import isolated_env  # noqa: E402
from tests.support.processes import ServiceProcess, free_port  # noqa: E402

CHANNEL_SETS = [("national_society",), ("provincial_cast", "pilot_city_park"), ("consortium_member",)]


async def prefill(units: int, nominations: int) -> None:
    async with LogWriter() as log:
        await log.open_campaign()
        await log.unit_stream([registered(f"u{i}", *CHANNEL_SETS[i % 3]) for i in range(units)])
        batch = []
        for n in range(nominations):
            list_code, domain = ("leading_tech", "biomedicine") if n % 2 else ("emerging_enterprise", None)
            batch.append(submitted(f"u{n % units}", list_code, domain))
            if len(batch) == 5000:
                await log.unit_stream(batch)
                batch = []
        await log.unit_stream(batch)


async def raw_consume_rate(topic: str) -> float:
    consumer = AIOKafkaConsumer(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"], enable_auto_commit=False,
                                max_partition_fetch_bytes=4 << 20, fetch_max_bytes=32 << 20)
    await consumer.start()
    try:
        while not consumer.partitions_for_topic(topic):
            await consumer._client.force_metadata_update()
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        total, started = sum(ends.values()), time.perf_counter()
        seen = 0
        while seen < total:
            batch = await consumer.getmany(timeout_ms=500, max_records=10_000)
            seen += sum(len(r) for r in batch.values())
        return seen / (time.perf_counter() - started)
    finally:
        await consumer.stop()


async def decisions_rate(env: dict, instances: int, expected: int, logs: Path) -> float:
    """Start `instances` quota processes on a fresh database; rate from first decision to last."""
    db = await asyncpg.connect(env["DATABASE_URL"])
    procs = [ServiceProcess("services.quota", env, logs / f"quota-{instances}-{i}.log",
                            extra_env={"QUOTA_PORT": str(free_port()), "LOG_LEVEL": "WARNING"}).start()
             for i in range(instances)]
    try:
        first = None
        while True:
            try:
                n = await db.fetchval("SELECT count(*) FROM quota.nominations")
            except asyncpg.UndefinedTableError:
                n = 0
            now = time.perf_counter()
            if n and first is None:
                first = (now, n)
            if n >= expected:
                return (n - first[1]) / max(now - first[0], 1e-6)
            if not all(p.alive() for p in procs):
                raise RuntimeError("\n".join(p.log_tail() for p in procs))
            await asyncio.sleep(0.05)
    finally:
        for p in procs:
            p.stop()
        await db.close()


async def fresh_database(env: dict) -> dict:
    admin = await asyncpg.connect(os.environ["DATABASE_URL"])
    name = f"bench_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return {**env, "DATABASE_URL": env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"}


async def main(nominations: int, units: int) -> dict:
    stack = {k: os.environ[k] for k in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL")}
    logs = Path(tempfile.mkdtemp(prefix="bench-quota-"))
    async with isolated_env(stack) as env:
        await prefill(units, nominations)
        baseline = await raw_consume_rate(NOMINATIONS.name)
        one = await decisions_rate(await fresh_database(env), 1, nominations, logs)
        two = await decisions_rate(await fresh_database(env), 2, nominations, logs)
    return {"bench": "quota", "nominations": nominations, "decisions_per_s_1": round(one),
            "decisions_per_s_2": round(two), "baseline_consume_per_s": round(baseline),
            "ratio_1": round(one / baseline, 3)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nominations", type=int, default=20_000)
    parser.add_argument("--units", type=int, default=200)
    args = parser.parse_args()
    print(orjson.dumps(asyncio.run(main(args.nominations, args.units))).decode())
