"""The review's self-check, pure: every aggregate and rank recomputed from the scores the simulator
posted, with the plan's rule (weighted totals Σ score·weight/100 and the trimmed mean, both rounded half
up to cents — the domain's own pure functions), then compared with what the views show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from services.review.domain.aggregation import mean, trimmed_mean
from services.review.domain.scoring import weighted_total
from contracts.review_terms import Criterion


@dataclass(frozen=True)
class Expected:
    aggregate: Decimal
    raw_sum: Decimal
    rank: int


def total_of(scores: dict[str, str], plan: dict) -> Decimal:
    criteria = [Criterion(**c) for c in plan["criteria"]]
    return weighted_total({k: Decimal(v) for k, v in scores.items()}, criteria, Decimal(str(plan["score_min"])),
                          Decimal(str(plan["score_max"])))


def expected_results(plan: dict, rows: list[dict], posted: dict[tuple[str, str], Decimal],
                     problems: list[str]) -> dict[str, Expected]:
    """nomination id -> its aggregate, raw sum and rank, for every nomination in review whose seated
    experts all have a posted score (a seated expert without one is a problem)."""
    scored = []
    for row in rows:
        if not row["in_review"]:
            continue
        nid, experts = row["nomination_id"], row["experts"]
        missing = [e for e in experts if (nid, e) not in posted]
        if missing or len(experts) < plan["experts_per_item"]:
            problems.append(f"{nid}: seated {len(experts)}, no posted score from {missing}")
            continue
        totals = sorted(posted[(nid, e)] for e in experts)
        aggregate = (trimmed_mean(totals, plan["trim_min_scores"]) if plan["aggregation"] == "trimmed_mean"
                     else mean(totals))
        scored.append((nid, aggregate, sum(totals), datetime.fromisoformat(row["submitted_at"])))
    keys = {"raw_sum": lambda s: -s[2], "earliest_submission": lambda s: s[3]}
    scored.sort(key=lambda s: (-s[1], *(keys[k](s) for k in plan["tie_break"]), s[0]))
    return {nid: Expected(aggregate, raw, rank) for rank, (nid, aggregate, raw, _) in enumerate(scored, start=1)}


def compare(key: str, expected: dict[str, Expected], rows: list[dict], field: str, problems: list[str]) -> None:
    """`field`: "live" (before the results) or "prelim" (after): aggregate and rank as the view shows them."""
    shown = {r["nomination_id"]: r[field] for r in rows if r.get(field)}
    for nid in sorted(set(expected) | set(shown)):
        want, got = expected.get(nid), shown.get(nid)
        if want is None or got is None:
            problems.append(f"{key} {field} {nid}: expected {want}, view shows {got}")
        elif (Decimal(str(got["aggregate"])), int(got["rank"])) != (want.aggregate, want.rank):
            problems.append(f"{key} {field} {nid}: expected {want.aggregate} #{want.rank}, "
                            f"view shows {got['aggregate']} #{got['rank']}")
        elif "raw_sum" in got and Decimal(str(got["raw_sum"])) != want.raw_sum:
            problems.append(f"{key} {field} {nid}: raw sum {want.raw_sum}, view shows {got['raw_sum']}")
