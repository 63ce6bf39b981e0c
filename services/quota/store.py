"""asyncpg adapter: loads the quota state a batch needs; writes what the batch's events changed."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from contracts.events import Event, QuotaRejected, QuotaReleased, UnitChannelsChanged, UnitRegistered
from contracts.topics import QUOTA
from eventlog.ddl import apply_sql_file
from eventlog.write.outbox import Outbox
from eventlog.settings import instance_name

from .domain import NominationQuota, Pool, QuotaState, UnitKey, pool_key
from .domain.registry import Registration, RegistryState


async def ensure_schema(conn: asyncpg.Connection) -> None:
    await apply_sql_file(conn, __package__, "schema.sql")

INSTANCE = instance_name()  # which process decided: the audit of a rebalance, and the proof of one in tests


async def load_state(conn: asyncpg.Connection, units: set[UnitKey], nominations: set[UUID]) -> QuotaState:
    """The channels and pools of the units in a batch, and where its nominations stand."""
    campaigns, unit_ids = [u[0] for u in units], [u[1] for u in units]
    in_units = "(campaign, unit_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))"
    unit_rows = await conn.fetch(f"SELECT campaign, unit_id, channels FROM quota.units WHERE {in_units}",
                                 campaigns, unit_ids)
    holder_rows = await conn.fetch(
        f"SELECT campaign, unit_id, list_code, domain, slot, nomination_id FROM quota.holders WHERE {in_units}",
        campaigns, unit_ids)
    nomination_rows = await conn.fetch(
        """SELECT nomination_id, unit_id, list_code, domain, status, revision, slot FROM quota.nominations
           WHERE nomination_id = ANY($1::uuid[])""", list(nominations))
    pools: dict = {}
    for r in holder_rows:
        pools.setdefault(pool_key(r["campaign"], r["unit_id"], r["list_code"], r["domain"]), {})[r["slot"]] = \
            r["nomination_id"]
    return QuotaState(
        pools={k: Pool(slots=v) for k, v in pools.items()},
        nominations={r["nomination_id"]: NominationQuota(r["unit_id"], r["list_code"], r["domain"] or None,
                                                         r["status"], r["revision"], r["slot"])
                     for r in nomination_rows},
        channels={(r["campaign"], r["unit_id"]): tuple(r["channels"]) for r in unit_rows},
    )


async def record(conn: asyncpg.Connection, outbox: Outbox, state: QuotaState, changes: list[Event],
                 decisions: list[Event]) -> None:
    """Write the batch's outcome: registry changes, the final standing of every nomination it decided
    (taken from the evolved state, so a reserve-then-release in one batch writes once), and the outbox."""
    if changes:
        await conn.executemany(  # in log order: the last change of a unit wins
            """INSERT INTO quota.units (campaign, unit_id, name, channels, updated_at)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (campaign, unit_id) DO UPDATE
               SET channels = EXCLUDED.channels, updated_at = EXCLUDED.updated_at,
                   name = CASE WHEN $6 THEN EXCLUDED.name ELSE quota.units.name END""",
            [(e.campaign, e.unit_id, getattr(e, "name", e.unit_id), list(e.channels), e.occurred_at,
              isinstance(e, UnitRegistered)) for e in changes])
    if not decisions:
        return
    last = {e.nomination_id: e for e in decisions}
    standing = [(nid, e, state.nominations[nid]) for nid, e in last.items()]
    # One statement per table over arrays (unnest): far cheaper than a row-by-row executemany.
    await conn.execute(
        """INSERT INTO quota.nominations (nomination_id, campaign, unit_id, list_code, domain, status, reason,
                                          revision, slot, updated_at, decided_by, decided_at)
           SELECT *, $11, clock_timestamp() FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                     $7::text[], $8::int[], $9::int[], $10::timestamptz[])
           ON CONFLICT (nomination_id) DO UPDATE
           SET list_code = EXCLUDED.list_code, domain = EXCLUDED.domain, status = EXCLUDED.status,
               reason = EXCLUDED.reason, revision = EXCLUDED.revision, slot = EXCLUDED.slot,
               updated_at = EXCLUDED.updated_at, decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at""",
        *_columns([(nid, e.campaign, n.unit_id, n.list_code, n.domain or "", n.status,
                    None if n.status == "reserved" else _reason(e), n.revision, n.slot, e.occurred_at)
                   for nid, e, n in standing], 10), INSTANCE)
    # Slots: drop what the touched nominations held, then write what they hold now.
    await conn.execute("DELETE FROM quota.holders WHERE nomination_id = ANY($1::uuid[])", list(last))
    held = [(e.campaign, n.unit_id, n.list_code, n.domain or "", n.slot, nid)
            for nid, e, n in standing if n.status == "reserved"]
    if held:
        await conn.execute(
            """INSERT INTO quota.holders (campaign, unit_id, list_code, domain, slot, nomination_id)
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::uuid[])""",
            *_columns(held, 6))
    await outbox.stage(conn, [(QUOTA, e) for e in decisions])


def _columns(rows: list[tuple], width: int) -> list[list]:
    return [list(column) for column in zip(*rows)] if rows else [[] for _ in range(width)]


def _reason(e: Event) -> str | None:
    return getattr(e, "reason", None) if isinstance(e, (QuotaRejected, QuotaReleased)) else None


async def load_registry(conn: asyncpg.Connection, campaign: str, unit_ids: list[str]) -> dict[str, Registration]:
    """The registry's own record of these units (read under the command's lock)."""
    rows = await conn.fetch("SELECT unit_id, name, channels FROM quota.registry WHERE campaign = $1 "
                            "AND unit_id = ANY($2::text[])", campaign, unit_ids)
    return {r["unit_id"]: Registration(r["unit_id"], r["name"], tuple(r["channels"])) for r in rows}


async def save_registry(conn: asyncpg.Connection, state: RegistryState, events: list[Event]) -> None:
    rows = [(e.campaign, e.unit_id, e.name if isinstance(e, UnitRegistered) else state[e.unit_id].name,
             list(e.channels), e.occurred_at) for e in events if isinstance(e, (UnitRegistered, UnitChannelsChanged))]
    await conn.executemany(
        """INSERT INTO quota.registry (campaign, unit_id, name, channels, updated_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (campaign, unit_id) DO UPDATE SET name = EXCLUDED.name, channels = EXCLUDED.channels,
               updated_at = EXCLUDED.updated_at""", rows)
