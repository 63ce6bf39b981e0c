"""Reads of the quota state the decider keeps (a projection of the unit stream): a unit's quota use."""

from __future__ import annotations

import asyncpg

from contracts.campaign import Campaign
from contracts.quota_use import unit_quota_use


async def unit_usage(conn: asyncpg.Connection, campaign: Campaign, unit_id: str) -> dict | None:
    """Limit, used, remaining and the slot holders of every pool the unit can nominate to."""
    unit = await conn.fetchrow("SELECT name, channels FROM quota.units WHERE campaign = $1 AND unit_id = $2",
                               campaign.code, unit_id)
    if unit is None:
        return None
    holders: dict[tuple[str, str], list[dict]] = {}
    for r in await conn.fetch(
            """SELECT list_code, domain, slot, nomination_id FROM quota.holders
               WHERE campaign = $1 AND unit_id = $2 ORDER BY slot""", campaign.code, unit_id):
        holders.setdefault((r["list_code"], r["domain"]), []).append(
            {"slot": r["slot"], "nomination_id": str(r["nomination_id"])})
    return unit_quota_use(campaign, unit_id, unit["channels"], {k: len(v) for k, v in holders.items()},
                     lambda pool: {"holders": holders.get(pool, [])}, name=unit["name"])
