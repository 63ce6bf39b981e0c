"""Reading the review views for the secretariat's dashboard: per target how many were collected, screened,
assigned, scored and submitted; quota use by channel; the experts still owing scores; and the figures the
charts draw (experts' totals per target, each expert's mean against the panel's, the campaign day by day).
Each is one grouped read over the one-spec view tables (indexes by campaign and target)."""

from __future__ import annotations

from datetime import date

import asyncpg

from .review_folds import REVIEW_VIEWS
from .review_tables import seated

S = REVIEW_VIEWS.schema
_SEATED = seated("p")

_FUNNEL = f"""
SELECT n.target_key,
       count(*) FILTER (WHERE n.withdrawn_at IS NULL) AS collected,
       count(*) FILTER (WHERE n.withdrawn_at IS NULL AND n.quota_outcome = 'reserved') AS holding,
       count(*) FILTER (WHERE n.withdrawn_at IS NULL AND n.quota_outcome = 'reserved'
                        AND n.screening_state IN ('passed', 'failed')) AS screened,
       count(*) FILTER (WHERE n.in_review) AS passed,
       count(*) FILTER (WHERE n.withdrawn_at IS NULL AND n.screening_state = 'returned') AS returned,
       count(*) FILTER (WHERE n.prelim_at IS NOT NULL AND n.withdrawn_at IS NULL) AS ranked,
       count(*) FILTER (WHERE n.decided_at IS NOT NULL AND n.withdrawn_at IS NULL) AS decided
FROM {S}.nominations n WHERE n.campaign = $1 AND n.revision IS NOT NULL GROUP BY 1"""
_FUNNEL_COUNTS = ("collected", "holding", "screened", "passed", "returned", "ranked", "decided")


async def stamp(conn: asyncpg.Connection) -> int:
    """Moves whenever the views apply a record: what a drawn dashboard is valid for."""
    return await conn.fetchval("SELECT coalesce(sum(next_offset), 0) FROM eventlog.consumer_offsets "
                               "WHERE consumer = $1", REVIEW_VIEWS.name)


async def funnel(conn: asyncpg.Connection, campaign: str) -> dict[str, dict[str, int]]:
    """Per target key: collected (not withdrawn), holding a slot, screened, passed into review, returned for
    correction, ranked in preliminary results, decided in final review."""
    return {r["target_key"]: {k: r[k] for k in _FUNNEL_COUNTS} for r in await conn.fetch(_FUNNEL, campaign)}


async def quota_by_channel(conn: asyncpg.Connection, campaign: str) -> list[dict]:
    """Per channel the nominations of its units holding a slot, released and refused; a unit in several channels
    stacks their quotas, so its nominations count under each of its channels. Channel '' : none recorded."""
    rows = await conn.fetch(
        f"SELECT coalesce(c.channel, '') AS channel, "
        "count(*) FILTER (WHERE n.quota_outcome = 'reserved' AND n.withdrawn_at IS NULL) AS reserved, "
        "count(*) FILTER (WHERE n.quota_outcome = 'released' OR n.withdrawn_at IS NOT NULL) AS released, "
        "count(*) FILTER (WHERE n.quota_outcome = 'rejected') AS rejected, count(DISTINCT n.unit_id) AS units "
        f"FROM {S}.nominations n LEFT JOIN LATERAL unnest(n.channels) AS c(channel) ON true "
        "WHERE n.campaign = $1 AND n.revision IS NOT NULL GROUP BY 1 ORDER BY 1", campaign)
    return [dict(r) for r in rows]


async def owing_experts(conn: asyncpg.Connection, campaign: str, limit: int = 50) -> list[dict]:
    """The experts with seats still to score, most owed first: expert, target, owed and scored."""
    rows = await conn.fetch(
        f"SELECT p.expert_id, n.target_key, count(*) FILTER (WHERE p.scored_at IS NULL) AS owed, "
        f"count(*) FILTER (WHERE p.scored_at IS NOT NULL) AS scored FROM {S}.panel p "
        f"JOIN {S}.nominations n ON n.nomination_id = p.nomination_id "
        f"WHERE n.campaign = $1 AND n.in_review AND {_SEATED} GROUP BY 1, 2 "
        "HAVING count(*) FILTER (WHERE p.scored_at IS NULL) > 0 ORDER BY owed DESC, p.expert_id, n.target_key LIMIT $2",
        campaign, limit)
    return [dict(r) for r in rows]


async def totals(conn: asyncpg.Connection, target_key: str) -> list:
    """Every seated expert's weighted total on the target's nominations in review."""
    return [r[0] for r in await conn.fetch(
        f"SELECT p.total FROM {S}.panel p JOIN {S}.nominations n ON n.nomination_id = p.nomination_id "
        f"WHERE n.target_key = $1 AND n.in_review AND {_SEATED} AND p.total IS NOT NULL", target_key)]


async def leniency(conn: asyncpg.Connection, target_key: str) -> list[dict]:
    """Per expert of the target: how many scored, their mean total and the mean of the panels' means on the
    same nominations (leniency: the difference), most lenient first."""
    rows = await conn.fetch(
        f"WITH scored AS (SELECT p.expert_id, p.nomination_id, p.total FROM {S}.panel p "
        f"JOIN {S}.nominations n ON n.nomination_id = p.nomination_id "
        f"WHERE n.target_key = $1 AND n.in_review AND {_SEATED} AND p.total IS NOT NULL), "
        "panels AS (SELECT nomination_id, avg(total) AS mean FROM scored GROUP BY 1) "
        "SELECT s.expert_id, count(*) AS scored, round(avg(s.total), 2) AS mean, round(avg(m.mean), 2) AS panel_mean "
        "FROM scored s JOIN panels m USING (nomination_id) GROUP BY 1 "
        "ORDER BY avg(s.total) - avg(m.mean) DESC, s.expert_id", target_key)
    return [{**dict(r), "leniency": r["mean"] - r["panel_mean"]} for r in rows]


async def by_day(conn: asyncpg.Connection, campaign: str) -> list[tuple[date, int, int, int]]:
    """Per Beijing day: nominations submitted, screened, and expert scores recorded that day."""
    day = "(({col}) AT TIME ZONE 'Asia/Shanghai')::date"
    rows = await conn.fetch(
        f"SELECT d, sum(sub)::int, sum(scr)::int, sum(sco)::int FROM ("
        f"  SELECT {day.format(col='submitted_at')} AS d, 1 AS sub, 0 AS scr, 0 AS sco FROM {S}.nominations "
        "   WHERE campaign = $1 AND submitted_at IS NOT NULL "
        f"  UNION ALL SELECT {day.format(col='screened_at')}, 0, 1, 0 FROM {S}.nominations "
        "   WHERE campaign = $1 AND screened_at IS NOT NULL AND screening_passed IS NOT NULL "
        f"  UNION ALL SELECT {day.format(col='p.scored_at')}, 0, 0, 1 FROM {S}.panel p "
        f"   JOIN {S}.nominations n ON n.nomination_id = p.nomination_id "
        f"   WHERE n.campaign = $1 AND p.scored_at IS NOT NULL AND {_SEATED}"
        ") t GROUP BY d ORDER BY d", campaign)
    return [tuple(r) for r in rows]
