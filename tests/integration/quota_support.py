"""Running quota instances as processes and reading their outcome, for the quota integration tests."""

from __future__ import annotations

import asyncio
import collections

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment

from contracts.events import QuotaRejected, QuotaReleased, QuotaReserved, decode_event
from contracts.topics import NOMINATIONS, QUOTA
from eventlog.settings import consumer_group, kafka_bootstrap
from tests.support.intake import distinct_events
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
    await wait_quota(db_url, f"{expected} nominations decided", lambda: decided_at_least(db_url, expected),
                     *instances, timeout=timeout)
    await wait_outbox_empty(db_url, timeout)


async def decided_at_least(db_url: str, expected: int) -> bool:
    return await decided(db_url) >= expected


async def wait_quota(db_url: str, what: str, check, *instances: ServiceProcess, timeout: float,
                     interval: float = 0.1) -> None:
    """Until the async `check()` holds; at the deadline, or as soon as one of `instances` has exited,
    fail with what was missing: decisions so far and by whom, the partitions each instance held, each
    partition's stored offset against its log end, and the instances' log tails."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        exited = [i for i in instances if not i.alive()]
        if exited or loop.time() > deadline:
            why = f"{_name(exited[0])} exited" if exited else f"not within {timeout:.0f}s"
            raise AssertionError(f"waiting for {what}: {why}\n{await quota_report(db_url, *instances)}")
        await asyncio.sleep(interval)


async def group_holdings(group: str | None = None) -> tuple[str, dict[str, list[int]]]:
    """The quota group's state as the broker has it, and the partitions each member holds, by instance
    (a quota consumer's client id is quota-<instance>)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap())
    await admin.start()
    try:
        (response,) = await admin.describe_consumer_groups([group or consumer_group("quota")])
    finally:
        await admin.close()
    (described,) = response.to_object()["groups"]
    held: dict[str, list[int]] = {}
    for member in described["members"]:
        raw = member["member_assignment"]
        parts = ConsumerProtocolMemberAssignment.decode(raw).partitions() if raw else []
        held.setdefault(member["client_id"].removeprefix("quota-"), []).extend(sorted(tp.partition for tp in parts))
    return described["state"], held


async def each_holds_partitions(*names: str) -> bool:
    """The group has settled (as the broker has it) with exactly these instances, each holding partitions."""
    state, held = await group_holdings()
    return state == "Stable" and set(held) == set(names) and all(held.values())


async def quota_report(db_url: str, *instances: ServiceProcess) -> str:
    """What the quota instances have done so far, for a failure message (never raises)."""
    lines = []
    try:
        lines.append(f"decided: {await decided(db_url)}; by instance, in order of taking over: "
                     f"{await deciders(db_url)}")
    except Exception as exc:  # noqa: BLE001 — a report, not a check
        lines.append(f"decided: unknown ({exc!r})")
    try:
        state, held = await group_holdings()
        lines.append(f"group {consumer_group('quota')}: {state}; partitions held: {held}")
    except Exception as exc:  # noqa: BLE001
        lines.append(f"group: unknown ({exc!r})")
    try:
        lines.append(f"{NOMINATIONS.name} partition: (stored offset, log end): {await unit_stream_progress(db_url)}")
    except Exception as exc:  # noqa: BLE001
        lines.append(f"offsets: unknown ({exc!r})")
    try:
        lines.append(await database_sessions(db_url, instances))
    except Exception as exc:  # noqa: BLE001
        lines.append(f"sessions: unknown ({exc!r})")
    for i in instances:
        state = "alive" if i.alive() else f"exited with {i.proc.returncode if i.proc else None}"
        lines.append(f"--- {_name(i)} ({state}), {i.log_path}:\n{i.log_tail()}")
    return "\n".join(lines)


async def database_sessions(db_url: str, instances=()) -> str:
    """pg_stat_activity and pg_locks of the test's database, each backend named by the instance whose
    socket it serves: who holds which lock, who waits for whom, who sits idle in a transaction."""
    owners = {port: _name(i) for i in instances if i.proc for port in local_ports(i.proc.pid)}
    conn = await asyncpg.connect(db_url)
    try:
        sessions = await conn.fetch(
            """SELECT pid, client_port, state, wait_event_type, wait_event, pg_blocking_pids(pid) AS blocked_by,
                      round(extract(epoch FROM now() - xact_start)::numeric, 1) AS xact_s,
                      round(extract(epoch FROM now() - state_change)::numeric, 1) AS state_s, left(query, 100) AS query
               FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY pid""")
        locks = await conn.fetch(
            """SELECT l.pid, l.locktype, l.relation::regclass::text AS relation, l.mode, l.granted,
                      l.transactionid::text AS xid
               FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
               WHERE a.datname = current_database() AND l.pid <> pg_backend_pid()
                 AND (NOT l.granted OR l.locktype IN ('tuple', 'transactionid')
                      OR l.mode IN ('RowShareLock', 'RowExclusiveLock', 'AccessExclusiveLock'))
               ORDER BY l.pid, l.granted, l.locktype""")
    finally:
        await conn.close()
    lines = ["pg_stat_activity (pid, whose, state, waiting on, blocked by, in transaction s, in state s, query):"]
    lines += [f"  {r['pid']} {owners.get(r['client_port'], 'test/other')} {r['state']} "
              f"{r['wait_event_type'] or ''}:{r['wait_event'] or ''} {list(r['blocked_by'])} {r['xact_s']} "
              f"{r['state_s']} {r['query']!r}" for r in sessions]
    lines.append("pg_locks (pid, type, relation, mode, granted, xid):")
    lines += [f"  {r['pid']} {r['locktype']} {r['relation'] or ''} {r['mode']} {r['granted']} {r['xid'] or ''}"
              for r in locks]
    return "\n".join(lines)


def local_ports(pid: int) -> set[int]:
    """The local TCP ports of `pid`'s sockets (Linux /proc): which of the database's clients it is."""
    import os

    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return set()
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


async def unit_stream_progress(db_url: str) -> dict[int, tuple[int, int]]:
    """Per partition of the unit stream: the quota consumer's stored offset and the log end."""
    ends = await end_offsets(NOMINATIONS.name)
    conn = await asyncpg.connect(db_url)
    try:
        rows = await conn.fetch("SELECT partition, next_offset FROM eventlog.consumer_offsets "
                                "WHERE consumer = 'quota' AND topic = $1", NOMINATIONS.name)
    except asyncpg.UndefinedTableError:
        rows = []
    finally:
        await conn.close()
    stored = {r["partition"]: r["next_offset"] for r in rows}
    return {p: (stored.get(p, 0), end) for p, end in sorted(ends.items())}


def _name(instance: ServiceProcess) -> str:
    return f"quota instance {instance.extra_env.get('KCZG_INSTANCE', instance.log_path.stem)}"


async def decisions_on_the_log() -> list:
    """Distinct decision events on the quota topic: a re-relayed outbox row repeats an event id, and must be
    the same record byte for byte (distinct_events fails on two different records under one id)."""
    return distinct_events(await read_topic(QUOTA.name), QuotaReserved, QuotaRejected, QuotaReleased)


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
            if not (pending := await conn.fetchval("SELECT count(*) FROM quota.outbox")):
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"outbox never drained: {pending} decisions still not on the log after {timeout:.0f}s")
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
