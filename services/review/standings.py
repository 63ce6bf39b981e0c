"""Where a target's nominations stand before the results are submitted: the aggregate, divergence and
rank the plan's method gives the totals recorded so far, computed with the domain's own arithmetic
(domain/aggregation.py) so the live view and the submitted PrelimScored can never disagree."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from contracts.campaign import Campaign

from .domain.aggregation import AggregationPlan, NominationScores, score_target


def live_results(target: dict | None, rows: list[dict[str, Any]], campaign: Campaign) -> list[dict[str, Any]]:
    """`rows` (review_queries.target_nominations) with live aggregate, spread, divergent and rank added
    for every nomination whose scores are all in, ranked among those; the submitted result wins once
    there is one."""
    plan = (target or {}).get("plan")
    if not plan:
        return rows
    threshold = plan.get("divergence_threshold")
    aggregation = AggregationPlan(plan["aggregation"], int(plan["trim_min_scores"]),
                                  Decimal(str(threshold)) if threshold is not None else
                                  campaign.review.divergence_threshold, tuple(plan["tie_break"]))
    complete = [NominationScores(r["nomination_id"], {e: Decimal(str(t)) for e, t in r["totals"].items()},
                                 _instant(r.get("submitted_at")))
                for r in rows if r["in_review"] and r["totals"] and r["scores_received"] >= r["scores_expected"] > 0]
    live = {x.nomination_id: x for x in score_target(aggregation, complete)} if complete else {}
    out = []
    for r in rows:
        result = live.get(r["nomination_id"])
        out.append({**r, "live": None if result is None else {
            "aggregate": str(result.aggregate), "raw_sum": str(result.raw_sum), "spread": str(result.spread),
            "divergent": result.divergent, "rank": result.rank}})
    return out


def _instant(value) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
