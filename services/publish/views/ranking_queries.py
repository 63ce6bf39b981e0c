"""Reading the ranking views: filtered, paged nomination lists and campaign progress.

Only nominations whose content has arrived are shown (a quota decision or a score can land
before the submission it is about). A nomination's channels are the ones its submission carried,
else (older submissions) its unit's; `channels` in a row stays the unit's own set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from .rankings import RANKINGS

S = RANKINGS.schema
_FROM = (f"FROM {S}.nominations n LEFT JOIN {S}.units u ON u.campaign = n.campaign AND u.unit_id = n.unit_id "
         "WHERE n.revision IS NOT NULL")
_CHANNELS = "COALESCE(n.submitted_channels, u.channels, '{}')"
# Each nomination counts once, so by_channel sums to the total: under its channel when it was
# recommended under one, under "multiple" when under several (a unit in several channels: which one
# "earned" the slot is not a fact the log holds), under "none" when no channel is known.
_BUCKET = (f"CASE cardinality({_CHANNELS}) WHEN 0 THEN 'none' WHEN 1 THEN ({_CHANNELS})[1] "
           "ELSE 'multiple' END")
_BY_CHANNEL = (f"SELECT {_BUCKET} AS channel, count(*) AS n {_FROM} AND n.campaign = $1 GROUP BY 1")
# Per list and domain: by preliminary rank where there is one, then by recommending unit
# (the order the published lists use), then by submission.
_ORDER = ("ORDER BY n.list_code, n.domain NULLS FIRST, n.prelim_rank NULLS LAST, n.unit_id, n.submitted_at, "
          "n.nomination_id")
_COLUMNS = ("n.nomination_id::text AS nomination_id, n.campaign, n.list_code, n.domain, n.title, n.unit_id, "
            "u.name AS unit_name, COALESCE(u.channels, '{}') AS channels, "
            f"{_CHANNELS} AS nomination_channels, n.status, n.revision, n.submitted_at, "
            "n.withdrawn_at, n.screening_passed, n.quota_outcome, n.quota_slot, n.quota_limit, n.quota_used, "
            "n.quota_reason, n.prelim_aggregate, n.prelim_raw_sum, n.prelim_rank, n.prelim_expert_count, "
            "n.prelim_method, n.recommended_rank, n.recommended_late, n.selected, n.decision_note, n.published_at")


@dataclass(frozen=True)
class NominationFilter:
    campaign: str | None = None
    list_code: str | None = None
    domain: str | None = None
    unit_id: str | None = None
    channel: str | None = None
    status: str | None = None
    nomination_id: str | None = None
    # Who may see what (domain/access.py): one unit's own, or the (campaign, list, domain) a body reviews.
    own_unit: str | None = None
    targets: tuple[tuple[str, str, str], ...] | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses, args = [], []
        for column, value in (("n.campaign", self.campaign), ("n.list_code", self.list_code),
                              ("n.domain", self.domain), ("n.unit_id", self.unit_id), ("n.status", self.status),
                              ("n.unit_id", self.own_unit)):
            if value is not None:
                args.append(value)
                clauses.append(f"{column} = ${len(args)}")
        if self.nomination_id is not None:
            args.append(self.nomination_id)
            clauses.append(f"n.nomination_id = ${len(args)}::uuid")
        if self.channel is not None:
            args.append(self.channel)
            clauses.append(f"${len(args)} = ANY({_CHANNELS})")
        if self.targets is not None:
            args += [[t[0] for t in self.targets], [t[1] for t in self.targets], [t[2] for t in self.targets]]
            n = len(args)
            clauses.append(f"(n.campaign, n.list_code, coalesce(n.domain, '')) IN (SELECT * FROM "
                           f"unnest(${n - 2}::text[], ${n - 1}::text[], ${n}::text[]))")
        return "".join(f" AND {c}" for c in clauses), args


async def nominations(conn: asyncpg.Connection, where: NominationFilter, page: int,
                      page_size: int) -> tuple[int, list[dict]]:
    clause, args = where.where()
    total = await conn.fetchval(f"SELECT count(*) {_FROM}{clause}", *args)
    rows = await conn.fetch(f"SELECT {_COLUMNS} {_FROM}{clause} {_ORDER} LIMIT {int(page_size)} "
                            f"OFFSET {int((page - 1) * page_size)}", *args)
    return total, [dict(r) for r in rows]


async def nomination(conn: asyncpg.Connection, where: NominationFilter) -> dict | None:
    clause, args = where.where()
    row = await conn.fetchrow(f"SELECT {_COLUMNS} {_FROM}{clause}", *args)
    return dict(row) if row else None


async def campaign_progress(conn: asyncpg.Connection, campaign: str) -> dict:  # the secretariat's
    """Counts by list, domain, channel and status, and submissions per day (Beijing time)."""
    groups = await conn.fetch(f"SELECT n.list_code, n.domain, n.status, count(*) AS n {_FROM} AND n.campaign = $1 "
                              "GROUP BY 1, 2, 3", campaign)
    channels = await conn.fetch(_BY_CHANNEL, campaign)
    days = await conn.fetch(f"SELECT (n.submitted_at AT TIME ZONE 'Asia/Shanghai')::date AS day, count(*) AS n {_FROM} "
                            "AND n.campaign = $1 AND n.submitted_at IS NOT NULL GROUP BY 1 ORDER BY 1", campaign)
    progress: dict[str, Any] = {"campaign": campaign, "total": sum(r["n"] for r in groups),
                                "by_list": {}, "by_domain": {}, "by_status": {}, "by_list_domain_status": [],
                                "by_channel": {r["channel"]: r["n"] for r in channels},
                                "submissions_per_day": [{"date": r["day"].isoformat(), "count": r["n"]} for r in days]}
    for r in groups:
        for key, value in (("by_list", r["list_code"]), ("by_domain", r["domain"] or "-"), ("by_status", r["status"])):
            progress[key][value] = progress[key].get(value, 0) + r["n"]
        progress["by_list_domain_status"].append({"list_code": r["list_code"], "domain": r["domain"],
                                                  "status": r["status"], "count": r["n"]})
    return progress
