"""Reads of the quota state the decider keeps (a projection of the unit stream): a unit's quota use."""

from __future__ import annotations

import asyncpg

from contracts.campaign import Campaign


async def unit_exists(conn: asyncpg.Connection, campaign: str, unit_id: str) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM quota.units WHERE campaign = $1 AND unit_id = $2",
                                    campaign, unit_id))


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
    pools = []
    for ranking_list in campaign.lists:
        if ranking_list.separately_organised:
            continue
        for domain in ranking_list.domains or (None,):
            code = domain.code if domain else None
            limit = campaign.quota_limit(ranking_list.code, code, unit["channels"]) or 0
            held = holders.get((ranking_list.code, code or ""), [])
            pools.append({"list_code": ranking_list.code, "list_name": ranking_list.name, "domain": code,
                          "domain_name": domain.name if domain else None, "limit": limit, "used": len(held),
                          "remaining": max(limit - len(held), 0), "holders": held})
    return {"campaign": campaign.code, "unit_id": unit_id, "name": unit["name"],
            "channels": list(unit["channels"]), "pools": pools}
