"""asyncpg adapter: loads the quota state a batch needs and records decisions with their outbox rows."""

from __future__ import annotations

from importlib import resources
from uuid import UUID

import asyncpg

from contracts.events import Event, QuotaRejected, QuotaReserved, encode_event
from contracts.topics import QUOTA

from .domain import Pool, QuotaState, pool_key


async def ensure_schema(conn: asyncpg.Connection) -> None:
    await conn.execute(resources.files(__package__).joinpath("schema.sql").read_text())


async def load_state(conn: asyncpg.Connection, units: set[tuple[str, str]], nominations: set[UUID]) -> QuotaState:
    """The pools of the units in a batch and which of its nominations were decided before."""
    campaigns = [u[0] for u in units]
    unit_ids = [u[1] for u in units]
    holder_rows = await conn.fetch(
        """SELECT campaign, unit_id, list_code, domain, slot, nomination_id FROM quota.holders
           WHERE (campaign, unit_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))""",
        campaigns, unit_ids,
    )
    pools: dict = {}
    for r in holder_rows:
        key = pool_key(r["campaign"], r["unit_id"], r["list_code"], r["domain"])
        pools.setdefault(key, {})[r["slot"]] = r["nomination_id"]
    decided_rows = await conn.fetch(
        "SELECT nomination_id, outcome FROM quota.decisions WHERE nomination_id = ANY($1::uuid[])",
        list(nominations),
    )
    return QuotaState(
        pools={k: Pool(slots=v) for k, v in pools.items()},
        decided={r["nomination_id"]: r["outcome"] for r in decided_rows},
    )


async def record(conn: asyncpg.Connection, events: list[Event]) -> None:
    decisions, holders = [], []
    for e in events:
        if isinstance(e, QuotaReserved):
            decisions.append((e.nomination_id, e.campaign, e.unit_id, e.list_code, e.domain or "", "reserved",
                              None, e.event_id, e.occurred_at))
            holders.append((e.campaign, e.unit_id, e.list_code, e.domain or "", e.slot, e.nomination_id))
        elif isinstance(e, QuotaRejected):
            decisions.append((e.nomination_id, e.campaign, e.unit_id, e.list_code, e.domain or "", "rejected",
                              e.reason, e.event_id, e.occurred_at))
    if decisions:
        await conn.executemany(
            """INSERT INTO quota.decisions (nomination_id, campaign, unit_id, list_code, domain, outcome, reason,
                                            event_id, decided_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)""",
            decisions,
        )
    if holders:
        await conn.executemany(
            """INSERT INTO quota.holders (campaign, unit_id, list_code, domain, slot, nomination_id)
               VALUES ($1,$2,$3,$4,$5,$6)""",
            holders,
        )
    if events:
        await conn.executemany(
            "INSERT INTO quota.outbox (topic, key, value) VALUES ($1, $2, $3)",
            [(QUOTA.name, e.key.encode(), encode_event(e)) for e in events],
        )


# Only one relay at a time publishes, so one unit's decisions reach Kafka in decision order.
RELAY_LOCK = 0x6B637A67_71756F74  # "kczgquot"


async def relay_outbox(conn: asyncpg.Connection, publish, limit: int = 5000) -> int:
    """Publish pending outbox rows (awaiting every ack), then delete them. Returns rows relayed."""
    async with conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", RELAY_LOCK):
            return 0
        rows = await conn.fetch("SELECT seq, topic, key, value FROM quota.outbox ORDER BY seq LIMIT $1", limit)
        if not rows:
            return 0
        await publish([(r["topic"], r["key"], r["value"]) for r in rows])
        await conn.execute("DELETE FROM quota.outbox WHERE seq = ANY($1::bigint[])", [r["seq"] for r in rows])
        return len(rows)
