"""The simulated review's pure parts: seeded choices, scores within range, and a self-check that catches
a view disagreeing with the recomputation."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

from kczg.simulator.review.check import compare, expected_results, total_of
from kczg.simulator.review.plan import declarations, roster, scores, screening_failures, zscore_target
from kczg.simulator.review.reference import spread_of, weighted_total_of
from kczg.simulator.review.scenario_plan import conflicted_pair, divergent_pick, re_review_target, returned

PLAN = {"criteria": [{"code": "innovation", "name": "创新性", "weight": 30},
                     {"code": "advancement", "name": "先进性", "weight": 25},
                     {"code": "industrial_value", "name": "产业价值", "weight": 30},
                     {"code": "social_benefit", "name": "社会效益", "weight": 15}],
        "score_min": "0", "score_max": "100", "experts_per_item": 3, "aggregation": "trimmed_mean",
        "trim_min_scores": 5, "tie_break": ["raw_sum", "earliest_submission"]}
AT = "2022-10-20T02:00:00+00:00"


def test_seeded_choices_repeat_and_fit_the_plan():
    ids = [f"n{i:03d}" for i in range(300)]
    assert screening_failures(ids, 7) == screening_failures(ids, 7) and len(screening_failures(ids, 7)) == 6
    assert len(screening_failures(ids[:10], 7)) == 1 and screening_failures([], 7) == {}
    experts = roster("tag", 3, 350, ["模拟推荐单位00001", "模拟推荐单位00002", "模拟推荐单位00003"], 7)
    assert len(experts) == 82 + 3 + 2 and len({e.expert_id for e in experts}) == len(experts)
    assert sum(e.affiliation.startswith("模拟推荐单位") for e in experts) == 2
    panel = {f"n{i}": [f"e{j}" for j in range(7)] for i in range(100)}
    declared = declarations(panel, 7, "key")
    assert len(declared) == 3 and all(e in panel[n] for n, e, _, _ in declared)
    one = scores(PLAN["criteria"], 0, 100, "n1", "e1", 7)
    assert one == scores(PLAN["criteria"], 0, 100, "n1", "e1", 7) and set(one) == {c["code"] for c in PLAN["criteria"]}
    assert all(0 <= Decimal(v) <= 100 and Decimal(v).as_tuple().exponent == -2 for v in one.values())


def test_the_check_recomputes_and_names_every_disagreement():
    posted = {("a", "e1"): Decimal("80.00"), ("a", "e2"): Decimal("90.00"), ("a", "e3"): Decimal("85.50"),
              ("b", "e1"): Decimal("70.00"), ("b", "e2"): Decimal("95.00"), ("b", "e3"): Decimal("90.51")}
    rows = [{"nomination_id": n, "in_review": True, "experts": ["e1", "e2", "e3"], "submitted_at": AT}
            for n in ("a", "b")]
    problems: list[str] = []
    expected = expected_results(PLAN, rows, posted, problems)
    # Three totals: the plain mean; equal aggregates (85.17) are ranked by the raw sum.
    assert problems == [] and (expected["a"].aggregate, expected["b"].aggregate) == (Decimal("85.17"),) * 2
    assert (expected["b"].rank, expected["a"].rank) == (1, 2)
    shown = [{**rows[0], "prelim": {"aggregate": "85.17", "rank": 2}},
             {**rows[1], "prelim": {"aggregate": "85.17", "rank": 1}}]
    compare("t", expected, shown, "prelim", problems)
    assert problems == []
    shown[1]["prelim"] = {"aggregate": "85.18", "rank": 1}
    shown[0]["prelim"] = None
    compare("t", expected, shown, "prelim", problems)
    assert len(problems) == 2
    # A seated expert the simulator never scored for is a problem too.
    expected_results(PLAN, [{**rows[0], "experts": ["e1", "e2", "e4"]}], posted, problems)
    assert len(problems) == 3
    assert total_of({"innovation": "90", "advancement": "80", "industrial_value": "85", "social_benefit": "70"},
                    PLAN) == Decimal("83.00")


def test_a_zscore_plan_is_checked_over_the_whole_panel():
    # The panel worked by hand in test_review_aggregation: A scores all three, B two alike, C one.
    given = {("n1", "A"): "80", ("n1", "B"): "60", ("n2", "A"): "70", ("n2", "B"): "60", ("n3", "A"): "90",
             ("n3", "C"): "75"}
    posted = {key: Decimal(total) for key, total in given.items()}
    rows = [{"nomination_id": n, "in_review": True, "experts": [e for m, e in given if m == n], "submitted_at": AT}
            for n in ("n1", "n2", "n3")]
    problems: list[str] = []
    expected = expected_results({**PLAN, "aggregation": "zscore_mean", "experts_per_item": 2}, rows, posted, problems)
    assert problems == []
    assert {n: (e.aggregate, e.rank) for n, e in expected.items()} == {
        "n3": (Decimal("79.06"), 1), "n1": (Decimal("72.50"), 2), "n2": (Decimal("65.94"), 3)}


def test_one_leading_tech_target_files_zscore_by_the_seed():
    keys = [f"kczg-2022:leading_tech:{d}" for d in ("electronic_info", "biomedicine", "advanced_materials")]
    assert zscore_target(keys, 7) == zscore_target(list(reversed(keys)), 7) in keys


def test_the_check_shares_no_code_with_the_review_service():
    # An independent reference: importing the check loads nothing of services/ (weighted totals included).
    loaded = subprocess.run([sys.executable, "-c", "import sys, kczg.simulator.review.check; "
                             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'services'))"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


def test_the_reference_measures_divergence_as_each_plan_may_declare():
    totals = [Decimal(t) for t in ("60.00", "85.00", "88.00", "70.00", "90.00")]
    assert spread_of(totals, "range") == Decimal("30.00")
    assert spread_of(totals, "trimmed_range", trim_min_scores=5) == Decimal("18.00")   # 70 … 88
    assert spread_of(totals, "trimmed_range", trim_min_scores=6) == Decimal("30.00")   # too few to trim
    assert spread_of(totals, "range_without_outlier") == Decimal("20.00")              # without 60: 70 … 90
    assert spread_of(totals[:2], "range_without_outlier") == Decimal("25.00")          # two: the plain range


def test_the_re_review_pick_is_divergent_and_its_revision_clears_it():
    panel = {f"n{i:02d}": [f"e{(i + j) % 12:02d}" for j in range(7)] for i in range(40)}
    panel["n00"] = ["e00", "e01"]   # too few experts to show a divergence: never picked
    weights = {c["code"]: c["weight"] for c in PLAN["criteria"]}

    def sheet(n, e):
        return scores(PLAN["criteria"], 0, 100, n, e, 7)

    picked = divergent_pick(panel, sheet, weights, Decimal(20), Decimal(0), Decimal(100), 7)
    assert picked == divergent_pick(dict(reversed(panel.items())), sheet, weights, Decimal(20), Decimal(0),
                                    Decimal(100), 7)
    nid, outlier, low, agreed = picked
    assert nid != "n00" and outlier == min(panel[nid])
    # Every other expert gives the agreed scores: the middle expert's planned ones, raised to leave room below.
    middle = sorted((e for e in panel[nid] if e != outlier),
                    key=lambda e: (weighted_total_of(sheet(nid, e), weights), e))[3]
    assert agreed == {c: f"{max(Decimal(v), Decimal(30)):.2f}" for c, v in sheet(nid, middle).items()}
    # The outlier sits threshold + 10 below on every criterion, so its total sits 30 below (weights sum to 1).
    assert {c: Decimal(v) for c, v in low.items()} == {c: Decimal(v) - 30 for c, v in agreed.items()}
    assert weighted_total_of(agreed, weights) - weighted_total_of(low, weights) == Decimal("30.00")
    assert spread_of([weighted_total_of(low, weights), weighted_total_of(agreed, weights)]) > 20
    # A plan whose range cannot hold the drop: no pick.
    assert divergent_pick(panel, sheet, weights, Decimal(20), Decimal(0), Decimal(25), 7) is None


def test_the_corrective_steps_choose_by_the_seed():
    ids = [f"n{i}" for i in range(20)]
    kinds = {n: ("unit", "leading_tech", False) if i % 3 == 0 else ("review_body", "open_source", False)
             for i, n in enumerate(ids)}
    back = returned(ids, kinds, {"n0"}, 7)
    assert back == returned(ids, kinds, {"n0"}, 7) and back != "n0" and kinds[back] == ("unit", "leading_tech", False)
    assert returned(ids, kinds, set(ids), 7) is None
    pair = conflicted_pair({"a": "单位甲", "b": "单位乙", "c": "单位丙"}, {"u0": "单位乙", "u1": "单位丁"}, 7)
    assert pair == ("b", "u0")
    assert conflicted_pair({"a": "单位甲"}, {"u0": "单位乙"}, 7) is None
    keys = ["k:a", "k:b", "k:c"]
    assert re_review_target(keys, 7) == re_review_target(list(reversed(keys)), 7) in keys
