"""The terms a review is filed in, shared by the campaign's review defaults and the review events.

One `Criterion` for both: a campaign file's default criteria and a body's filed plan use the same
type, so a plan can start as a copy of the defaults. Nothing here imports the campaign or the events.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.codes import Code, Name

Aggregation = Literal["mean", "trimmed_mean", "zscore_mean"]
# How far a nomination's expert totals diverge: `range` max − min; `trimmed_range` max − min once one
# highest and one lowest are dropped (with the plan's trim_min_scores totals or more, else range);
# `range_without_outlier` the spread after dropping one outlier (the highest or the lowest, whichever
# leaves the smaller spread; three totals or more, else range).
DivergenceMeasure = Literal["range", "trimmed_range", "range_without_outlier"]
# Applied in the order given, after the aggregate: the higher raw sum, then the earlier submission.
TieBreak = Literal["raw_sum", "earliest_submission"]
DEFAULT_TIE_BREAK: tuple[TieBreak, ...] = ("raw_sum", "earliest_submission")
# 同单位 / 合作关系 / 亲属 / 利益相关 / 其他, and `automatic`: found by rule, not declared.
ConflictReason = Literal["same_organisation", "collaboration", "relative", "interest", "other", "automatic"]

# Scores, aggregates and thresholds: exact decimals with at most two places. Written as JSON strings
# ("87.50") so no reader rounds them through a float; JSON numbers are read too (older events).
Points = Annotated[Decimal, Field(max_digits=12, decimal_places=2, allow_inf_nan=False)]


class Criterion(BaseModel):
    """One evaluation criterion (评价指标) with its weight in whole percent; a set sums to 100."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Code
    name: Name
    weight: Annotated[int, Field(ge=1, le=100)]
    # What the expert weighs under it, shown beside its score on the sheet; "" on plans filed before it existed.
    description: str = Field("", max_length=500)


def weight_problem(criteria: Iterable[Criterion]) -> str | None:
    """Why a criteria set is not a whole (duplicate codes, weights not summing to 100), or None."""
    criteria = tuple(criteria)
    codes = [c.code for c in criteria]
    if len(set(codes)) != len(codes):
        return "评价指标代码重复（duplicate criterion code）"
    if criteria and sum(c.weight for c in criteria) != 100:
        return "评价指标权重之和须为 100（weights must sum to 100）"
    return None
