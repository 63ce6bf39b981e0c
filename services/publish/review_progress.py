"""Reading each target's review progress from the release facts (views/release_facts.py) into the values
the notice's readiness rule decides on (domain/readiness.py): how many nominations are still under way,
and the body's submitted results with the withdrawn among those ranked."""

from __future__ import annotations

import asyncpg

from .domain.readiness import TargetProgress
from .views.release_facts import RELEASE_FACTS

S = RELEASE_FACTS.schema
# Still under way toward the review: its content seen, not withdrawn, not screened out, not off quota.
_IN_RUNNING = f"""
SELECT coalesce(domain, '') AS domain, count(*) AS n FROM {S}.entries
WHERE campaign = $1 AND list_code = $2 AND content_event IS NOT NULL AND withdrawn_at IS NULL
  AND screening_passed IS DISTINCT FROM false AND quota_outcome IS DISTINCT FROM 'rejected'
  AND quota_outcome IS DISTINCT FROM 'released'
GROUP BY 1
"""
_RESULTS = f"""
SELECT r.domain, r.ranked,
       ARRAY(SELECT e.nomination_id FROM {S}.entries e
             WHERE e.nomination_id = ANY(r.ranked) AND e.withdrawn_at IS NOT NULL) AS withdrawn
FROM {S}.results r WHERE r.campaign = $1 AND r.list_code = $2 AND r.results_event IS NOT NULL
"""


async def target_progress(conn: asyncpg.Connection, campaign: str, list_code: str) -> dict[str | None, TargetProgress]:
    """Every target of the list with something on the log, by domain (None: the list without domains)."""
    running = {r["domain"] or None: r["n"] for r in await conn.fetch(_IN_RUNNING, campaign, list_code)}
    results = {r["domain"] or None: r for r in await conn.fetch(_RESULTS, campaign, list_code)}
    return {d: TargetProgress(d, running.get(d, 0), d in results,
                              tuple(results[d]["ranked"]) if d in results else (),
                              frozenset(results[d]["withdrawn"]) if d in results else frozenset())
            for d in running.keys() | results.keys()}
