"""Weighted totals, aggregation methods, divergence and ranking: worked by hand, then against an exact reference."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.errors import DomainError
from kczg.simulator.review import reference
from services.review.domain.aggregation import (
    AggregationPlan, Criterion, NominationScores, leniency, mean, score_target, trimmed_mean, weighted_total,
    zscore_means,
)

CRITERIA = (Criterion(code="innovation", name="创新性", weight=30), Criterion(code="advancement", name="先进性", weight=30),
            Criterion(code="industrial_value", name="产业价值", weight=25), Criterion(code="social_benefit", name="社会效益", weight=15))
T0 = datetime(2022, 10, 20, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def scores(innovation="85", advancement="90", industrial_value="78.5", social_benefit="88") -> dict[str, D]:
    return {"innovation": D(innovation), "advancement": D(advancement), "industrial_value": D(industrial_value),
            "social_benefit": D(social_benefit)}


# --- weighted totals ----------------------------------------------------------------------------


def test_weighted_total_rounds_half_up_once() -> None:
    # 85·30 + 90·30 + 78.5·25 + 88·15 = 2550 + 2700 + 1962.5 + 1320 = 8532.5; /100 = 85.325 -> 85.33 (half up)
    assert weighted_total(scores(), CRITERIA, D(0), D(100)) == D("85.33")
    assert str(weighted_total(scores("100", "100", "100", "100"), CRITERIA, D(0), D(100))) == "100.00"
    assert str(weighted_total(scores("0", "0", "0", "0"), CRITERIA, 0, 100)) == "0.00"


def test_a_missing_criterion_is_named() -> None:
    partial = scores()
    del partial["social_benefit"]
    with pytest.raises(DomainError) as refused:
        weighted_total(partial, CRITERIA, D(0), D(100))
    assert refused.value.code == "criterion_missing" and "“社会效益”（social_benefit）" in refused.value.message
    assert refused.value.errors == [{"criterion": "social_benefit", "name": "社会效益"}]


def test_an_unknown_criterion_is_named() -> None:
    with pytest.raises(DomainError) as refused:
        weighted_total(scores() | {"beauty": D(50)}, CRITERIA, D(0), D(100))
    assert refused.value.code == "criterion_unknown" and "beauty" in refused.value.message


@pytest.mark.parametrize("bad", ["100.01", "-0.5", "101"])
def test_a_score_outside_the_range_is_named_with_the_range(bad: str) -> None:
    with pytest.raises(DomainError) as refused:
        weighted_total(scores(advancement=bad), CRITERIA, D(0), D(100))
    assert refused.value.code == "score_out_of_range"
    assert "0–100" in refused.value.message and "“先进性”（advancement）" in refused.value.message
    assert refused.value.errors[0] == {"criterion": "advancement", "name": "先进性", "score": bad, "min": "0",
                                       "max": "100"}


def test_the_range_bounds_themselves_are_allowed() -> None:
    assert weighted_total(scores("0", "100", "0", "100"), CRITERIA, D(0), D(100)) == D("45.00")


@pytest.mark.parametrize("value", [85.0, D("NaN"), D("Infinity"), "85", True])
def test_floats_and_non_numbers_are_refused(value) -> None:
    with pytest.raises(DomainError) as refused:
        weighted_total(scores() | {"innovation": value}, CRITERIA, D(0), D(100))
    assert refused.value.code == "score_invalid"


@pytest.mark.parametrize("criteria", [
    (Criterion(code="a", name="甲", weight=50), Criterion(code="b", name="乙", weight=40)),
    (Criterion(code="a", name="甲", weight=50), Criterion(code="a", name="甲", weight=50)),
    (Criterion(code="a", name="甲", weight=100), Criterion.model_construct(code="b", name="乙", weight=0)),
])
def test_criteria_must_be_distinct_and_weigh_100_percent(criteria) -> None:
    with pytest.raises(DomainError) as refused:
        weighted_total({c.code: D(50) for c in criteria}, criteria, D(0), D(100))
    assert refused.value.code == "criteria_invalid"


# --- methods, by hand ---------------------------------------------------------------------------


def test_mean_worked() -> None:
    # (80.00 + 80.00 + 80.01) / 3 = 80.00333… -> 80.00; (80.00 + 80.01) / 2 = 80.005 -> 80.01 (half up)
    assert mean([D("80.00"), D("80.00"), D("80.01")]) == D("80.00")
    assert mean([D("80.00"), D("80.01")]) == D("80.01")


def test_trimmed_mean_worked() -> None:
    seven = [D(x) for x in ("92.00", "88.50", "86.00", "85.50", "84.00", "60.00", "95.00")]
    # drop 95.00 and 60.00: (92 + 88.5 + 86 + 85.5 + 84) / 5 = 436 / 5 = 87.20
    assert trimmed_mean(seven) == D("87.20")
    # four totals, fewer than 5: plain mean (92 + 88.5 + 86 + 60) / 4 = 326.5 / 4 = 81.625 -> 81.63
    assert trimmed_mean(seven[:3] + [D(60)]) == D("81.63")
    # with the threshold lowered to 4, the same four drop 92 and 60: (88.5 + 86) / 2 = 87.25
    assert trimmed_mean(seven[:3] + [D(60)], trim_min_scores=4) == D("87.25")


def test_zscore_mean_worked() -> None:
    panel = {"n1": {"A": D(80), "B": D(60)}, "n2": {"A": D(70), "B": D(60)}, "n3": {"A": D(90), "C": D(75)}}
    # A: mean 80, population std sqrt(200/3) = 8.16497; z = 0, -1.224745, +1.224745
    # B: 60 and 60, std 0 -> z 0 for both; C: one score -> z 0
    # mean z: n1 (0 + 0)/2 = 0; n2 (-1.224745 + 0)/2 = -0.612372; n3 (1.224745 + 0)/2 = +0.612372
    # grand: 80 70 90 60 60 75 -> mean 72.5, squares 56.25 6.25 306.25 156.25 156.25 6.25 = 687.5,
    #        std sqrt(687.5 / 6) = 10.704360; 10.704360 · 0.612372 = 6.555055
    # n1 72.50; n2 72.5 - 6.555055 = 65.944945 -> 65.94; n3 72.5 + 6.555055 = 79.055055 -> 79.06
    assert zscore_means(panel) == {"n1": D("72.50"), "n2": D("65.94"), "n3": D("79.06")}


# --- the whole target ---------------------------------------------------------------------------


def nomination(nid: str, *totals: str, at: int = 0) -> NominationScores:
    return NominationScores(nid, {f"e{i}": D(t) for i, t in enumerate(totals)}, T0 + timedelta(minutes=at))


def test_score_target_keeps_raw_totals_and_flags_divergence() -> None:
    plan = AggregationPlan(method="trimmed_mean", divergence_threshold=D(20))
    results = score_target(plan, [nomination("b", "70", "90", "80", "85", "75"),
                                  nomination("a", "70", "90.01", "80", "85", "75")])
    by_id = {r.nomination_id: r for r in results}
    assert by_id["b"].spread == D(20) and not by_id["b"].divergent    # exactly at the threshold: not above
    assert by_id["a"].spread == D("20.01") and by_id["a"].divergent
    # a: drop 90.01 and 70 -> (80 + 85 + 75)/3 = 80.00; raw 400.01. b: the same 80.00; raw 400.00
    assert by_id["a"].aggregate == by_id["b"].aggregate == D("80.00")
    assert [r.nomination_id for r in results] == ["a", "b"] and [r.rank for r in results] == [1, 2]
    assert by_id["a"].raw_sum == D("400.01") and by_id["a"].expert_count == 5
    assert by_id["a"].totals == (("e0", D("70")), ("e1", D("90.01")), ("e2", D("80")), ("e3", D("85")),
                                 ("e4", D("75")))


def order(plan: AggregationPlan, *nominations: NominationScores) -> list[str]:
    return [r.nomination_id for r in score_target(plan, nominations)]


def test_ties_break_by_raw_sum_then_nomination_id() -> None:
    plan = AggregationPlan(method="mean", tie_break=("raw_sum",))
    # all mean 80.00; raw sums 160, 240, 240: the two 240s then by id
    assert order(plan, nomination("x", "80", "80"), nomination("z", "80", "80", "80"),
                 nomination("y", "80", "80", "80")) == ["y", "z", "x"]


def test_ties_break_by_earliest_submission() -> None:
    plan = AggregationPlan(method="mean", tie_break=("earliest_submission",))
    assert order(plan, nomination("a", "80", "80", "80", at=5), nomination("b", "80", "80", at=1)) == ["b", "a"]
    plan = AggregationPlan(method="mean", tie_break=("earliest_submission", "raw_sum"))
    assert order(plan, nomination("a", "80", at=1), nomination("b", "80", "80", at=1),
                 nomination("c", "80", at=0)) == ["c", "b", "a"]
    # no declared key at all: the nomination id alone, never chance
    no_keys = AggregationPlan(method="mean", tie_break=())
    assert order(no_keys, nomination("b", "80"), nomination("a", "80")) == ["a", "b"]


@pytest.mark.parametrize("plan, given, code", [
    (AggregationPlan(tie_break=("coin_toss",)), [nomination("a", "80")], "tie_break_invalid"),
    (AggregationPlan(tie_break=("raw_sum", "raw_sum")), [nomination("a", "80")], "tie_break_invalid"),
    (AggregationPlan(method="median"), [nomination("a", "80")], "plan_invalid"),
    (AggregationPlan(trim_min_scores=2), [nomination("a", "80")], "plan_invalid"),
    (AggregationPlan(divergence_threshold=D(-1)), [nomination("a", "80")], "plan_invalid"),
    (AggregationPlan(), [nomination("a", "80"), nomination("a", "70")], "duplicate_id"),
    (AggregationPlan(), [nomination("a", "80"), NominationScores("b", {})], "nomination_unscored"),
    (AggregationPlan(tie_break=("earliest_submission",)), [NominationScores("a", {"e": D(1)})],
     "submission_time_missing"),
    (AggregationPlan(), [NominationScores("a", {"e": 80.5})], "score_invalid"),
])
def test_bad_plans_and_inputs_are_refused(plan, given, code) -> None:
    with pytest.raises(DomainError) as refused:
        score_target(plan, given)
    assert refused.value.code == code


# --- properties against an exact reference ------------------------------------------------------
# The reference (kczg/simulator/review/reference.py) works in fractions.Fraction, keeps square roots exact
# and rounds once, half up, to cents; it imports nothing of services.review. The simulator checks the
# services' aggregates with it too.


def test_the_reference_rounds_half_up_once() -> None:
    assert reference.cents(Fraction(80005, 1000)) == D("80.01")
    assert reference.cents(Fraction(80004999, 10**6)) == D("80.00")
    assert reference.cents(Fraction(-5, 1000)) == D("-0.01")       # half away from zero, as ROUND_HALF_UP
    assert reference.mean_of([D("80.00"), D("80.01")]) == D("80.01")
    assert reference.trimmed_mean_of([D(x) for x in ("92", "88.5", "86", "85.5", "84", "60", "95")], 5) == D("87.20")


def test_the_reference_zscore_is_exact_where_the_roots_cancel_and_settled_where_they_do_not() -> None:
    # e0 and e1 each score the two nominations 0.01 apart, opposite ways: every z is ±1 and the means cancel,
    # so both aggregates are the grand mean 0.005 exactly: half up gives 0.01 (half even would give 0.00).
    crossed = {"a": {"e0": D("0.01"), "e1": D("0.00")}, "b": {"e0": D("0.00"), "e1": D("0.01")}}
    assert reference.zscore_means_of(crossed) == {"a": D("0.01"), "b": D("0.01")}
    # the worked example above: irrational, settled by bounds
    panel = {"n1": {"A": D(80), "B": D(60)}, "n2": {"A": D(70), "B": D(60)}, "n3": {"A": D(90), "C": D(75)}}
    assert reference.zscore_means_of(panel) == {"n1": D("72.50"), "n2": D("65.94"), "n3": D("79.06")}


def exact(method: str, panel: dict[str, dict[str, D]], trim_min: int) -> dict[str, D]:
    if method == "zscore_mean":
        return reference.zscore_means_of(panel)
    if method == "trimmed_mean":
        return {n: reference.trimmed_mean_of(t.values(), trim_min) for n, t in panel.items()}
    return {n: reference.mean_of(t.values()) for n, t in panel.items()}


cents = st.integers(0, 10_000).map(lambda c: D(c).scaleb(-2))


@st.composite
def panels(draw) -> dict[str, dict[str, D]]:
    experts = [f"e{i}" for i in range(draw(st.integers(1, 12)))]
    out = {}
    for n in range(draw(st.integers(1, 20))):
        chosen = draw(st.lists(st.sampled_from(experts), min_size=1, max_size=len(experts), unique=True))
        out[f"n{n:02d}"] = {e: draw(cents) for e in chosen}
    return out


@settings(max_examples=300, deadline=None)
@given(panels(), st.sampled_from(["mean", "trimmed_mean", "zscore_mean"]), st.integers(3, 7))
def test_aggregates_equal_the_exact_reference(panel, method, trim_min) -> None:
    plan = AggregationPlan(method=method, trim_min_scores=trim_min)
    results = score_target(plan, [NominationScores(n, t) for n, t in panel.items()])
    expected = exact(method, panel, trim_min)
    assert {r.nomination_id: r.aggregate for r in results} == expected
    for r in results:
        totals = [Fraction(t) for t in panel[r.nomination_id].values()]
        assert Fraction(r.raw_sum) == sum(totals) and r.expert_count == len(totals)
        assert Fraction(r.spread) == max(totals) - min(totals)


@settings(max_examples=200, deadline=None)
@given(panels(), st.sampled_from(["mean", "trimmed_mean", "zscore_mean"]), st.randoms(use_true_random=False))
def test_ranks_follow_the_declared_order_and_replay_to_the_same_bytes(panel, method, rng: random.Random) -> None:
    plan = AggregationPlan(method=method, tie_break=("raw_sum", "earliest_submission"))
    given_ = [NominationScores(n, t, T0 + timedelta(seconds=rng.randint(0, 3))) for n, t in panel.items()]
    results = score_target(plan, given_)
    assert [r.rank for r in results] == list(range(1, len(results) + 1))
    keys = [(-r.aggregate, -r.raw_sum, next(g.submitted_at for g in given_ if g.nomination_id == r.nomination_id),
             r.nomination_id) for r in results]
    assert keys == sorted(keys)
    shuffled = [NominationScores(g.nomination_id, dict(rng.sample(list(g.totals.items()), len(g.totals))),
                                 g.submitted_at) for g in rng.sample(given_, len(given_))]
    assert repr(score_target(plan, shuffled)) == repr(results)


def test_leniency_is_each_experts_mean_against_the_panels_with_the_same_z_as_the_zscore_mean():
    panel = {"n1": {"a": D("90"), "b": D("70")}, "n2": {"a": D("80"), "b": D("60")},
             "n3": {"c": D("75")}}
    experts, panel_mean = leniency(panel)
    # The panel's mean of all five totals is 75: a scores 10 above it, b 10 below, c (one score) at it.
    assert panel_mean == D("75.00")
    assert {e: (x.count, x.mean, x.std, x.gap) for e, x in experts.items()} == {
        "a": (2, D("85.00"), D("5.00"), D("10.00")),
        "b": (2, D("65.00"), D("5.00"), D("-10.00")),
        "c": (1, D("75.00"), D("0.00"), D("0.00"))}
    assert experts["a"].z == (("n1", D("1.00")), ("n2", D("-1.00")))
    assert experts["c"].z == (("n3", D("0.00")),)  # one score says nothing relative, as in zscore_means
    assert leniency({}) == ({}, D(0))
