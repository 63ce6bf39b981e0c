"""The review's aggregates worked out exactly, independent of services.review: rationals (Fraction) throughout,
rounded once to cents, half up (四舍五入), as scoring.py states the rule.

A z-score aggregate holds square roots. It is kept exact as rational + Σ c·√r over radicands no two of which are
rational multiples of each other (r·r' not a square) and none a square: such roots are linearly independent
over the rationals, so the value is either that rational exactly, or irrational — never on a half-cent — and
bounds of growing precision settle its cents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from math import floor, isqrt

Radicals = dict[Fraction, Fraction]   # radicand -> its coefficient


def cents(value: Fraction) -> Decimal:
    """Two places, half up (away from zero), as ROUND_HALF_UP."""
    magnitude = floor(abs(value) * 100 + Fraction(1, 2))
    return Decimal(magnitude if value >= 0 else -magnitude).scaleb(-2)


def weighted_total_of(scores: Mapping[str, str | Decimal], weights: Mapping[str, int]) -> Decimal:
    """One expert's total: Σ score·weight/100 over the criteria (weights in whole percent), rounded once."""
    return cents(sum((Fraction(scores[code]) * weight for code, weight in weights.items()), Fraction(0)) / 100)


def mean_of(totals: Iterable[Decimal]) -> Decimal:
    values = [Fraction(t) for t in totals]
    return cents(sum(values, Fraction(0)) / len(values))


def trimmed_mean_of(totals: Iterable[Decimal], trim_min_scores: int) -> Decimal:
    """Drop one highest and one lowest once there are `trim_min_scores` totals."""
    values = sorted(totals)
    return mean_of(values[1:-1] if len(values) >= trim_min_scores else values)


def spread_of(totals: Iterable[Decimal], measure: str = "range", trim_min_scores: int = 5) -> Decimal:
    """How far one nomination's expert totals diverge, by the plan's declared measure: `range` highest minus
    lowest; `trimmed_range` the same once one highest and one lowest are set aside (with `trim_min_scores` totals
    or more); `range_without_outlier` the smaller range left by setting aside the highest or the lowest (three
    totals or more). Fewer totals than a measure needs: the plain range."""
    values = sorted(Fraction(t) for t in totals)
    if measure == "trimmed_range" and len(values) >= trim_min_scores:
        values = values[1:-1]
    elif measure == "range_without_outlier" and len(values) >= 3:
        return cents(min(values[-1] - values[1], values[-2] - values[0]))
    return cents(values[-1] - values[0])


def zscore_means_of(panel: Mapping[str, Mapping[str, Decimal]]) -> dict[str, Decimal]:
    """nomination -> grand mean + grand std · (the mean of its experts' z), each expert's z over what that expert
    scored in the panel (population std; one score or none apart: z 0)."""
    by_expert: dict[str, dict[str, Fraction]] = {}
    for nomination, totals in panel.items():
        for expert, total in totals.items():
            by_expert.setdefault(expert, {})[nomination] = Fraction(total)
    grand_mean, grand_variance = _mean_and_variance([Fraction(t) for ts in panel.values() for t in ts.values()])
    out = {}
    for nomination, totals in panel.items():
        rational, radicals = grand_mean, {}
        for expert in totals:
            centre, variance = _mean_and_variance(list(by_expert[expert].values()))
            if variance and grand_variance:  # z·grand std = (t − centre)·√(grand variance / variance)
                weight = (by_expert[expert][nomination] - centre) / len(totals)
                rational = _add_root(rational, radicals, weight, grand_variance / variance)
        out[nomination] = _cents_of_surd(rational, radicals)
    return out


def _mean_and_variance(values: list[Fraction]) -> tuple[Fraction, Fraction]:
    centre = sum(values, Fraction(0)) / len(values)
    return centre, sum(((v - centre) ** 2 for v in values), Fraction(0)) / len(values)


def _square_root(value: Fraction) -> Fraction | None:
    """√value when it is rational (a reduced fraction: numerator and denominator both squares), else None."""
    top, bottom = isqrt(value.numerator), isqrt(value.denominator)
    return Fraction(top, bottom) if top * top == value.numerator and bottom * bottom == value.denominator else None


def _add_root(rational: Fraction, radicals: Radicals, coefficient: Fraction, radicand: Fraction) -> Fraction:
    """rational + Σ radicals + coefficient·√radicand, the roots kept independent; returns the new rational part."""
    root = _square_root(radicand)
    if root is not None:
        return rational + coefficient * root
    for known in radicals:
        ratio = _square_root(radicand * known)   # √radicand = √(radicand·known)/known · √known
        if ratio is not None:
            radicals[known] += coefficient * ratio / known
            return rational
    radicals[radicand] = coefficient
    return rational


def _cents_of_surd(rational: Fraction, radicals: Radicals) -> Decimal:
    terms = [(c, r) for r, c in radicals.items() if c]
    if not terms:
        return cents(rational)
    bits = 64
    while bits <= 1 << 14:  # irrational, so never on a half-cent: finer bounds always settle it
        low = high = rational
        for coefficient, radicand in terms:
            scaled = radicand.numerator * radicand.denominator << (2 * bits)  # √(n/d) = √(n·d)/d
            floor_root = Fraction(isqrt(scaled), radicand.denominator << bits)
            ceiling_root = floor_root + Fraction(1, radicand.denominator << bits)
            ends = (coefficient * floor_root, coefficient * ceiling_root)
            low, high = low + min(ends), high + max(ends)
        if cents(low) == cents(high):
            return cents(low)
        bits *= 2
    raise ArithmeticError(f"cannot settle the cents of {rational} + {terms}")
