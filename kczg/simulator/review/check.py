"""The review's self-check, pure: every total, aggregate and rank recomputed from the scores the simulator
posted, with the plan's rule — weighted totals Σ score·weight/100, then the plan's method (mean, trimmed mean
or z-score per expert), each rounded half up to cents — worked exactly by reference.py, which shares no code
with the review service; then compared with what the service answered and its views show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kczg.simulator.review.reference import mean_of, trimmed_mean_of, weighted_total_of, zscore_means_of


@dataclass(frozen=True)
class Expected:
    aggregate: Decimal
    raw_sum: Decimal
    rank: int


def total_of(scores: dict[str, str], plan: dict) -> Decimal:
    return weighted_total_of(scores, {c["code"]: int(c["weight"]) for c in plan["criteria"]})


def aggregates(plan: dict, panel: dict[str, dict[str, Decimal]]) -> dict[str, Decimal]:
    """nomination id -> its aggregate under the plan's method, over the target's whole panel."""
    if plan["aggregation"] == "zscore_mean":
        return zscore_means_of(panel)
    if plan["aggregation"] == "trimmed_mean":
        return {nid: trimmed_mean_of(totals.values(), int(plan["trim_min_scores"])) for nid, totals in panel.items()}
    return {nid: mean_of(totals.values()) for nid, totals in panel.items()}


def expected_results(plan: dict, rows: list[dict], posted: dict[tuple[str, str], Decimal],
                     problems: list[str]) -> dict[str, Expected]:
    """nomination id -> its aggregate, raw sum and rank, for every nomination in review whose seated
    experts all have a posted score (a seated expert without one is a problem)."""
    panel, submitted = {}, {}
    for row in rows:
        if not row["in_review"]:
            continue
        nid, experts = row["nomination_id"], row["experts"]
        missing = [e for e in experts if (nid, e) not in posted]
        if missing or len(experts) < plan["experts_per_item"]:
            problems.append(f"{nid}: seated {len(experts)}, no posted score from {missing}")
            continue
        panel[nid] = {e: posted[(nid, e)] for e in experts}
        submitted[nid] = datetime.fromisoformat(row["submitted_at"])
    aggregate = aggregates(plan, panel) if panel else {}
    scored = [(nid, aggregate[nid], sum(totals.values()), submitted[nid]) for nid, totals in panel.items()]
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
