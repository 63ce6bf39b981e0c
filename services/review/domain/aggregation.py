"""A target's (list/domain's) preliminary result, pure: aggregates, divergence and ranks from expert totals.

Methods: `mean`; `trimmed_mean` (去掉一个最高分和一个最低分, once there are `trim_min_scores` totals);
`zscore_mean` (each expert standardised over what that expert scored in this target, mapped back onto
the scale by the panel's grand mean and std). Arithmetic is Decimal in scoring.ARITHMETIC; aggregates
are quantized to cents once, at the end; raw sums and spreads are exact sums of cent totals.
Ranks are 1..n, unique: aggregate descending, then the plan's tie-break keys, then the nomination id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Literal

from contracts.errors import DomainError
from services.review.domain.scoring import ARITHMETIC, Criterion, as_decimal, to_cents, weighted_total

if TYPE_CHECKING:  # a value handed in, never a clock read here
    from datetime import datetime

__all__ = ["AggregationPlan", "Criterion", "Leniency", "NominationResult", "NominationScores", "leniency", "mean",
           "score_target", "spread", "trimmed_mean", "weighted_total", "zscore_means"]

Method = Literal["mean", "trimmed_mean", "zscore_mean"]
TieBreak = Literal["raw_sum", "earliest_submission"]
TIE_BREAKS: dict[str, str] = {"raw_sum": "原始总分高者在前", "earliest_submission": "提交时间早者在前"}


@dataclass(frozen=True)
class AggregationPlan:
    method: Method = "trimmed_mean"
    trim_min_scores: int = 5                            # fewer totals than this: plain mean
    divergence_threshold: Decimal = Decimal(20)         # the measure above this flags re-review
    tie_break: tuple[TieBreak, ...] = ("raw_sum",)      # then the nomination id, always
    divergence_measure: str = "range"                   # contracts.review_terms.DivergenceMeasure


@dataclass(frozen=True)
class NominationScores:
    nomination_id: str
    totals: Mapping[str, Decimal]       # expert id -> that expert's weighted total
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class NominationResult:
    nomination_id: str
    aggregate: Decimal
    raw_sum: Decimal
    expert_count: int
    totals: tuple[tuple[str, Decimal], ...]   # by expert id, kept beside the aggregate
    spread: Decimal                           # the plan's divergence measure
    divergent: bool
    rank: int


def mean(totals: Iterable[Decimal]) -> Decimal:
    """The plain mean in cents."""
    values = sorted(totals)
    with localcontext(ARITHMETIC):
        return to_cents(sum(values) / len(values))


def trimmed_mean(totals: Iterable[Decimal], trim_min_scores: int = 5) -> Decimal:
    """Drop one highest and one lowest once there are `trim_min_scores` totals; else the plain mean."""
    values = sorted(totals)
    return mean(values[1:-1] if len(values) >= trim_min_scores else values)


def spread(totals: Iterable[Decimal], measure: str = "range", trim_min_scores: int = 5) -> Decimal:
    """How far the totals diverge, by the plan's measure (contracts.review_terms.DivergenceMeasure)."""
    values = sorted(totals)
    with localcontext(ARITHMETIC):
        if measure == "trimmed_range" and len(values) >= trim_min_scores:
            return values[-2] - values[1]
        if measure == "range_without_outlier" and len(values) >= 3:
            return min(values[-1] - values[1], values[-2] - values[0])
        return values[-1] - values[0]


def zscore_means(panel: Mapping[str, Mapping[str, Decimal]]) -> dict[str, Decimal]:
    """nomination -> grand_mean + grand_std·(its mean z), z per expert over what that expert scored here."""
    by_expert: dict[str, dict[str, Decimal]] = {}
    for nomination, totals in sorted(panel.items()):
        for expert, total in sorted(totals.items()):
            by_expert.setdefault(expert, {})[nomination] = total
    with localcontext(ARITHMETIC):
        z: dict[str, list[Decimal]] = {n: [] for n in sorted(panel)}
        for expert, scored in sorted(by_expert.items()):
            centre, std = _mean_and_std(list(scored.values()))
            for nomination, total in scored.items():  # one score or no spread: the expert says nothing relative
                z[nomination].append((total - centre) / std if std else Decimal(0))
        grand_mean, grand_std = _mean_and_std([t for n in sorted(panel) for _, t in sorted(panel[n].items())])
        return {n: to_cents(grand_mean + grand_std * (sum(zs) / len(zs))) for n, zs in z.items()}


@dataclass(frozen=True)
class Leniency:
    """One expert's scoring against the panel's: their mean, spread and the gap to the panel's mean."""
    expert_id: str
    count: int
    mean: Decimal
    std: Decimal
    gap: Decimal                          # mean − the panel's mean: above 0 lenient, below 0 strict
    z: tuple[tuple[str, Decimal], ...]    # nomination -> z of the expert's total, as zscore_means takes it


def leniency(panel: Mapping[str, Mapping[str, Decimal]]) -> tuple[dict[str, Leniency], Decimal]:
    """Each expert's leniency over what they scored here (the same z as `zscore_means`), and the panel's mean."""
    by_expert: dict[str, dict[str, Decimal]] = {}
    for nomination, totals in sorted(panel.items()):
        for expert, total in sorted(totals.items()):
            by_expert.setdefault(expert, {})[nomination] = total
    if not by_expert:
        return {}, Decimal(0)
    with localcontext(ARITHMETIC):
        grand_mean, _ = _mean_and_std([t for n in sorted(panel) for _, t in sorted(panel[n].items())])
        out = {}
        for expert, scored in sorted(by_expert.items()):
            centre, std = _mean_and_std(list(scored.values()))
            out[expert] = Leniency(expert, len(scored), to_cents(centre), to_cents(std), to_cents(centre - grand_mean),
                                   tuple((n, to_cents((t - centre) / std if std else Decimal(0)))
                                         for n, t in sorted(scored.items())))
        return out, to_cents(grand_mean)


def _mean_and_std(values: list[Decimal]) -> tuple[Decimal, Decimal]:
    with localcontext(ARITHMETIC):
        centre = sum(values) / len(values)
        return centre, (sum((v - centre) ** 2 for v in values) / len(values)).sqrt()  # population std


def score_target(plan: AggregationPlan, nominations: Iterable[NominationScores]) -> tuple[NominationResult, ...]:
    """Every nomination of one target, aggregated, checked for divergence and ranked; in rank order."""
    nominations = sorted(nominations, key=lambda n: n.nomination_id)
    _check(plan, nominations)
    totals = {n.nomination_id: {e: as_decimal(t, f"专家 {e} 的总分") for e, t in sorted(n.totals.items())}
              for n in nominations}
    if plan.method == "zscore_mean":
        aggregates = zscore_means(totals)
    elif plan.method == "trimmed_mean":
        aggregates = {n: trimmed_mean(t.values(), plan.trim_min_scores) for n, t in totals.items()}
    else:
        aggregates = {n: mean(t.values()) for n, t in totals.items()}
    rows = []
    for n in nominations:
        values = list(totals[n.nomination_id].values())
        with localcontext(ARITHMETIC):
            raw_sum = sum(sorted(values))
        rows.append((n, aggregates[n.nomination_id], raw_sum,
                     spread(values, plan.divergence_measure, plan.trim_min_scores)))
    rows.sort(key=lambda row: _rank_key(plan, *row[:3]))
    return tuple(NominationResult(n.nomination_id, aggregate, raw_sum, len(totals[n.nomination_id]),
                                  tuple(totals[n.nomination_id].items()), apart,
                                  apart > plan.divergence_threshold, rank)
                 for rank, (n, aggregate, raw_sum, apart) in enumerate(rows, start=1))


def _rank_key(plan: AggregationPlan, nomination: NominationScores, aggregate: Decimal, raw_sum: Decimal) -> tuple:
    keys = {"raw_sum": lambda: -raw_sum, "earliest_submission": lambda: nomination.submitted_at}
    return (-aggregate, *(keys[k]() for k in plan.tie_break), nomination.nomination_id)


def _check(plan: AggregationPlan, nominations: list[NominationScores]) -> None:
    if plan.divergence_measure not in ("range", "trimmed_range", "range_without_outlier"):
        raise DomainError(f"未知的分歧度量“{plan.divergence_measure}”。", code="plan_invalid", field="divergence_measure")
    if plan.method not in ("mean", "trimmed_mean", "zscore_mean"):
        raise DomainError(f"未知的汇总方法“{plan.method}”。", code="plan_invalid", field="method")
    if plan.trim_min_scores < 3:
        raise DomainError("去掉最高分和最低分至少需要 3 个分数。", code="plan_invalid", field="trim_min_scores")
    if as_decimal(plan.divergence_threshold, "分歧阈值") < 0:
        raise DomainError("分歧阈值不能为负数。", code="plan_invalid", field="divergence_threshold")
    unknown = [k for k in plan.tie_break if k not in TIE_BREAKS]
    if unknown or len(set(plan.tie_break)) < len(plan.tie_break):
        choices = "、".join(f"{code}（{name}）" for code, name in TIE_BREAKS.items())
        raise DomainError(f"并列排序规则须为不重复的 {choices}。", code="tie_break_invalid", field="tie_break")
    repeated = sorted(i for i, times in Counter(n.nomination_id for n in nominations).items() if times > 1)
    if repeated:
        raise DomainError(f"推荐对象重复：{'、'.join(repeated)}。", code="duplicate_id",
                          errors=[{"nomination_id": i} for i in repeated])
    unscored = [n.nomination_id for n in nominations if not n.totals]
    if unscored:
        raise DomainError(f"{len(unscored)} 个推荐对象尚无专家评分，无法汇总排序。", code="nomination_unscored",
                          errors=[{"nomination_id": i} for i in unscored])
    if "earliest_submission" in plan.tie_break:
        untimed = [n.nomination_id for n in nominations if n.submitted_at is None]
        if untimed:
            raise DomainError(f"并列按提交时间排序，但 {len(untimed)} 个推荐对象缺少提交时间。",
                              code="submission_time_missing", errors=[{"nomination_id": i} for i in untimed])
