"""Review progress per target, for a body and for the secretariat's view of the whole campaign.

Counts are of nominations in review (quota held, screening passed, not withdrawn) and of the scores of
their seated experts; the target's row says how far the plan and the results are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import asyncpg

from .review_folds import REVIEW_VIEWS
from .review_tables import seated

S = REVIEW_VIEWS.schema
_SEATED = seated("p")

_PROGRESS = f"""
WITH seats AS (
  SELECT n.target_key, n.nomination_id,
         count(p.expert_id) FILTER (WHERE {_SEATED}) AS expected,
         count(p.expert_id) FILTER (WHERE {_SEATED} AND p.scored_at IS NOT NULL) AS received
  FROM {S}.nominations n LEFT JOIN {S}.panel p ON p.nomination_id = n.nomination_id
  WHERE n.campaign = $1 AND n.target_key = ANY($2::text[]) AND n.in_review
  GROUP BY 1, 2)
SELECT s.target_key, count(*) AS in_review, count(*) FILTER (WHERE s.expected > 0) AS assigned,
       count(*) FILTER (WHERE s.expected >= t.experts_per_item) AS fully_assigned,
       count(*) FILTER (WHERE s.expected > 0 AND s.received >= s.expected) AS fully_scored,
       sum(s.received)::bigint AS scores_received, sum(s.expected)::bigint AS scores_expected
FROM seats s LEFT JOIN {S}.targets t ON t.target_key = s.target_key GROUP BY 1"""
_COUNTS = ("in_review", "assigned", "fully_assigned", "fully_scored", "scores_received", "scores_expected")


async def body_progress(conn: asyncpg.Connection, campaign: str, targets: Sequence[str]) -> list[dict]:
    """Per target, in the order given: nominations in review, assigned and fully scored, scores received
    and expected, whether the plan is filed and confirmed and the results are submitted (and flagged late)."""
    counts = {r["target_key"]: r for r in await conn.fetch(_PROGRESS, campaign, list(targets))}
    states = {r["target_key"]: r for r in await conn.fetch(
        f"SELECT target_key, plan_event_id, confirmed_plan_event_id, experts_per_item, results_submitted_at, "
        f"results_late, plan_extends, receipt_plan_event_id, receipt_returned FROM {S}.targets "
        "WHERE target_key = ANY($1::text[])", list(targets))}
    progress = []
    for key in targets:
        c, s = counts.get(key), states.get(key)
        filed = s is not None and s["plan_event_id"] is not None
        progress.append({"target_key": key, **{k: c[k] if c else 0 for k in _COUNTS},
                         "experts_per_item": s["experts_per_item"] if s else None, "plan_filed": filed,
                         "plan_confirmed": filed and s["confirmed_plan_event_id"] == s["plan_event_id"],
                         "plan_receipt": _receipt(s) if filed else None,
                         "results_submitted": s is not None and s["results_submitted_at"] is not None,
                         "results_submitted_at": s["results_submitted_at"] if s else None,
                         "results_late": bool(s and s["results_late"])})
    return progress


def _receipt(s) -> str:
    """The secretariat's receipt of the plan in force (as plan_queries.receipt_of reads it): pending, acknowledged
    or returned."""
    if s["receipt_plan_event_id"] is None or s["receipt_plan_event_id"] not in (s["plan_event_id"], s["plan_extends"]):
        return "pending"
    return "returned" if s["receipt_returned"] else "acknowledged"


async def campaign_progress(conn: asyncpg.Connection, campaign: str, due_at: datetime,
                            targets: Mapping[str, Sequence[str]]) -> dict:
    """Every target of the campaign (target key -> its bodies' codes, from the campaign definition) with
    its progress; `late`: submitted at or after `due_at`; `missing`: not submitted. A joint target's plan is
    in force once confirmed, a single body's once filed."""
    rows = await body_progress(conn, campaign, list(targets))
    for row in rows:
        bodies = list(targets[row["target_key"]])
        row["bodies"] = bodies
        row["plan_in_force"] = row["plan_filed"] and (len(bodies) < 2 or row["plan_confirmed"])
        row["late"] = row["results_submitted"] and row["results_submitted_at"] >= due_at
        row["missing"] = not row["results_submitted"]
    return {"campaign": campaign, "due_at": due_at, "targets": rows,
            "late": [r["target_key"] for r in rows if r["late"]],
            "missing": [r["target_key"] for r in rows if r["missing"]]}
