"""Running quota instances as processes and reading their outcome, for the quota integration tests."""

from __future__ import annotations

import asyncio
import collections

import asyncpg

from contracts.events import QuotaRejected, QuotaReleased, QuotaReserved, decode_event
from contracts.topics import QUOTA
from tests.support.kafka import end_offsets, read_topic
from tests.support.processes import ServiceProcess, free_port


def start_quota(env: dict, log_path, **extra: str) -> ServiceProcess:
    return ServiceProcess("services.quota", env, log_path,
                          extra_env={"QUOTA_PORT": str(free_port()), **extra}).start()


async def decided(db_url: str) -> int:
    conn = await asyncpg.connect(db_url)
    try:
        return await conn.fetchval("SELECT count(*) FROM quota.nominations")
    except asyncpg.UndefinedTableError:
        return 0
    finally:
        await conn.close()


async def wait_decided(db_url: str, expected: int, *instances: ServiceProcess, timeout: float = 180) -> None:
    """Until `expected` nominations are decided and every decision is on the log."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (n := await decided(db_url)) < expected:
        if asyncio.get_running_loop().time() > deadline:
            tails = "\n".join(i.log_tail() for i in instances)
            raise AssertionError(f"only {n} of {expected} decided\n{tails}")
        await asyncio.sleep(0.2)
    await wait_outbox_empty(db_url, timeout)


async def decisions_on_the_log() -> list:
    """Distinct decision events on the quota topic (a re-relayed outbox row repeats an event id)."""
    events = [decode_event(v) for v in await read_topic(QUOTA.name)]
    return list({e.event_id: e for e in events if isinstance(e, (QuotaReserved, QuotaRejected, QuotaReleased))}
                .values())


def reserved_per_unit(decisions: list) -> collections.Counter:
    counts = collections.Counter()
    for e in decisions:
        if isinstance(e, QuotaReserved):
            counts[e.unit_id] += 1
        elif isinstance(e, QuotaReleased):
            counts[e.unit_id] -= 1
    return counts


async def wait_caught_up(db_url: str, consumer: str, topic: str, timeout: float = 60) -> None:
    """Until `consumer`'s stored offsets reach the current end of every partition of `topic`."""
    wanted = {p: end for p, end in (await end_offsets(topic)).items() if end > 0}
    conn = await asyncpg.connect(db_url)
    try:
        for _ in range(int(timeout / 0.2)):
            rows = await conn.fetch("SELECT partition, next_offset FROM eventlog.consumer_offsets "
                                    "WHERE consumer = $1 AND topic = $2", consumer, topic)
            stored = {r["partition"]: r["next_offset"] for r in rows}
            if all(stored.get(p, 0) >= end for p, end in wanted.items()):
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"{consumer} did not catch up with {topic}: {stored} < {wanted}")
    finally:
        await conn.close()


async def wait_outbox_empty(db_url: str, timeout: float = 60) -> None:
    """Until the quota outbox is drained: every committed decision is on the log."""
    conn = await asyncpg.connect(db_url)
    try:
        for _ in range(int(timeout / 0.2)):
            if not await conn.fetchval("SELECT count(*) FROM quota.outbox"):
                return
            await asyncio.sleep(0.2)
        raise AssertionError("outbox never drained")
    finally:
        await conn.close()


async def deciders(db_url: str) -> list[tuple[str, int]]:
    """(instance, decisions) in the order the instances took over."""
    conn = await asyncpg.connect(db_url)
    try:
        rows = await conn.fetch("SELECT decided_by, count(*) AS n, min(decided_at) AS first FROM quota.nominations "
                                "GROUP BY 1 ORDER BY 3")
        return [(r["decided_by"], r["n"]) for r in rows]
    except asyncpg.UndefinedTableError:
        return []
    finally:
        await conn.close()
