"""One expert's total for one nomination: weighted criteria, in fixed decimals.

All review arithmetic runs in ARITHMETIC (34 significant digits, every trap on) and results are
quantized to cents with ROUND_HALF_UP (四舍五入) at defined steps only, so a replay of the same
scores gives the same bytes on any machine. Floats are refused, never converted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import (ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow,
                     localcontext)

from contracts.errors import DomainError
from contracts.review_terms import Criterion  # the one Criterion: code, name, weight in whole percent

ARITHMETIC = Context(prec=34, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def to_cents(value: Decimal) -> Decimal:
    """The one rounding step: two places, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=ARITHMETIC)


def as_decimal(value: object, what: str) -> Decimal:
    """A finite Decimal (ints welcome); floats and NaN are refused so no binary rounding creeps in."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise DomainError(f"{what}须为十进制数，收到 {value!r}。", code="score_invalid")
    number = Decimal(value)
    if not number.is_finite():
        raise DomainError(f"{what}须为有限数值，收到 {value}。", code="score_invalid")
    return number


def check_criteria(criteria: Sequence[Criterion]) -> None:
    """Refuse a criteria set whose codes repeat, or whose weights are not positive or do not sum to 100."""
    codes = [c.code for c in criteria]
    if len(set(codes)) < len(codes):
        raise DomainError("评分指标编号重复。", code="criteria_invalid", errors=[{"code": c} for c in codes])
    if any(isinstance(c.weight, bool) or not isinstance(c.weight, int) or c.weight <= 0 for c in criteria):
        raise DomainError("评分指标权重须为正整数（百分比）。", code="criteria_invalid")
    if sum(c.weight for c in criteria) != 100:
        raise DomainError(f"评分指标权重合计须为 100%，现为 {sum(c.weight for c in criteria)}%。",
                          code="criteria_invalid")


def weighted_total(scores: Mapping[str, Decimal], criteria: Sequence[Criterion], score_min: Decimal,
                   score_max: Decimal) -> Decimal:
    """Σ score·weight/100 over the criteria, quantized to cents; every criterion scored, within range."""
    check_criteria(criteria)
    low, high = as_decimal(score_min, "分数下限"), as_decimal(score_max, "分数上限")
    by_code = {c.code: c for c in criteria}
    unknown = sorted(set(scores) - set(by_code))
    if unknown:
        raise DomainError(f"评分指标 {'、'.join(unknown)} 不在本评审方案中。", code="criterion_unknown",
                          field="scores", errors=[{"criterion": code} for code in unknown])
    missing = [c for c in criteria if c.code not in scores]
    if missing:
        raise DomainError(f"缺少评分指标 {_names(missing)} 的分数。", code="criterion_missing", field="scores",
                          errors=[{"criterion": c.code, "name": c.name} for c in missing])
    values = {c.code: as_decimal(scores[c.code], f"指标“{c.name}”的分数") for c in criteria}
    outside = [c for c in criteria if not low <= values[c.code] <= high]
    if outside:
        detail = "；".join(f"“{c.name}”（{c.code}）为 {values[c.code]}" for c in outside)
        raise DomainError(f"分数须在 {low}–{high} 之间：{detail}。", code="score_out_of_range", field="scores",
                          errors=[{"criterion": c.code, "name": c.name, "score": str(values[c.code]),
                                   "min": str(low), "max": str(high)} for c in outside])
    with localcontext(ARITHMETIC):
        return to_cents(sum(values[c.code] * c.weight for c in criteria) / HUNDRED)


def _names(criteria: Sequence[Criterion]) -> str:
    return "、".join(f"“{c.name}”（{c.code}）" for c in criteria)
