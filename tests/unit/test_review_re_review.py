"""Re-review (复评) as a step, pure: the plan's divergence measure worked by hand; a re-review opened on
a divergent nomination (experts to revisit, experts added under the conflict rule); a revised score
keeping the one it revises and needing a reason; closing when the measure clears or with a reason;
results waiting for an open re-review unless it has its own reason. Each scenario narrated."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from uuid import UUID

import pytest

from contracts.errors import Conflict, DomainError
from contracts.events import (ExpertAssigned, ExpertScoreRecorded, PrelimGap, PrelimResultsSubmitted, PrelimScored,
                              ReReviewClosed, ReReviewOpened)
from contracts.identity import Identity
from services.review.domain.aggregation import AggregationPlan, NominationScores, score_target, spread
from services.review.domain.commands import (AssignExpert, CloseReReview, OpenReReview, RecordScore, SubmitResults)
from services.review.domain.decide import decide
from services.review.domain.evolve import evolve_target
from services.review.domain.model import RecordedScore, ScoreState, TargetState
from services.review.domain.scores import decide_score
from tests.unit.test_review_decisions import MATERIALS, ctx, nomination
from tests.unit.test_review_seating import BODY, expert, filed

SCORES = {"innovation": D("80"), "advancement": D("80"), "industrial_value": D("80"), "social_benefit": D("80")}


# --- the measures ------------------------------------------------------------------------------------

@pytest.mark.parametrize("measure, totals, expected", [
    ("range", ["60", "70", "75", "80", "95"], "35"),                     # 95 − 60
    ("trimmed_range", ["60", "70", "75", "80", "95"], "10"),             # 80 − 70, the highest and lowest dropped
    ("trimmed_range", ["60", "70", "95"], "35"),                         # fewer than trim_min_scores (5): the range
    ("range_without_outlier", ["60", "70", "75", "80", "95"], "20"),     # min(95 − 70, 80 − 60)
    ("range_without_outlier", ["40", "78", "80"], "2"),                  # the low outlier dropped: 80 − 78
    ("range_without_outlier", ["70", "71"], "1"),                        # two totals: the range
])
def test_each_measure_worked_by_hand(measure, totals, expected):
    assert spread([D(t) for t in totals], measure, trim_min_scores=5) == D(expected)


def test_adding_a_score_can_clear_divergence_under_the_trimmed_and_outlier_measures_but_never_under_the_range():
    before, after = [D("60"), D("85"), D("88")], [D("60"), D("85"), D("88"), D("86"), D("87")]
    assert [spread(before, m) > 20 for m in ("range", "trimmed_range")] == [True, True]
    assert (spread(after, "range"), spread(after, "trimmed_range"), spread(after, "range_without_outlier")) == \
        (D("28"), D("2"), D("3"))


def test_results_flag_divergence_by_the_plans_measure():
    rows = [NominationScores("n1", {"a": D("60"), "b": D("85"), "c": D("86"), "d": D("87"), "e": D("88")})]
    by_range = score_target(AggregationPlan("mean", 5, D(20)), rows)[0]
    by_trim = score_target(AggregationPlan("mean", 5, D(20), ("raw_sum",), "trimmed_range"), rows)[0]
    assert (by_range.spread, by_range.divergent, by_trim.spread, by_trim.divergent) == (D("28"), True, D("2"), False)


# --- the step ------------------------------------------------------------------------------------------

def _divergent():
    """One nomination, three experts of four seated by hand, totals 60, 85 and 90 (range 30 > 20)."""
    facts = [nomination(MATERIALS, unit="推荐单位乙")]
    nid = facts[0].nomination_id
    state = filed([expert(1), expert(2), expert(3), expert(4), expert(5, "推荐单位乙")], facts, experts_per_item=3,
                  divergence_threshold=20)
    for e in ("e1", "e2", "e3"):
        state = evolve_target(state, decide(state, AssignExpert(BODY, MATERIALS, nid, e), ctx(nominations=facts)))
    totals = {(nid, "e1"): D("60"), (nid, "e2"): D("85"), (nid, "e3"): D("90")}
    return replace(state, scored=True), facts, nid, totals


def test_a_re_review_opens_on_a_divergent_nomination_only_naming_seated_experts_and_adding_unconflicted_ones():
    state, facts, nid, totals = _divergent()
    context = ctx(nominations=facts, totals=totals)
    cases = [(OpenReReview(BODY, MATERIALS, nid), DomainError, "re_review_empty"),
             (OpenReReview(BODY, MATERIALS, nid, revisit=("e4",)), DomainError, "revisit_not_seated"),
             (OpenReReview(BODY, MATERIALS, nid, add=("e2",)), DomainError, "add_already_seated"),
             (OpenReReview(BODY, MATERIALS, nid, add=("e5",)), Conflict, "expert_conflicted"),  # e5: the unit
             (OpenReReview(BODY, MATERIALS, nid, add=("e9",)), DomainError, "expert_not_on_roster")]
    for cmd, kind, code in cases:
        with pytest.raises(kind) as refused:
            decide(state, cmd, context)
        assert refused.value.code == code
    # Not divergent (85, 90, 95: range 10): nothing to re-review.
    calm = {**totals, (nid, "e1"): D("95")}
    with pytest.raises(Conflict) as not_divergent:
        decide(state, OpenReReview(BODY, MATERIALS, nid, revisit=("e1",)), ctx(nominations=facts, totals=calm))
    assert not_divergent.value.code == "not_divergent"
    assert not_divergent.value.message == "该推荐对象的专家评分没有超过分歧阈值（最高分与最低分之差为 10，阈值 20），无需复评。"
    # e1 is asked to revisit, e4 added: the step on record, e4 seated.
    events = decide(state, OpenReReview(BODY, MATERIALS, nid, revisit=("e1",), add=("e4",), reason="分歧大"), context)
    assert [type(e) for e in events] == [ReReviewOpened, ExpertAssigned]
    opened = events[0]
    assert (opened.measure, opened.spread, opened.threshold, opened.revisit, opened.added, opened.reason) == \
        ("range", D("30"), D("20"), ("e1",), ("e4",), "分歧大")
    state = evolve_target(state, events)
    assert state.re_reviews == {nid} and state.active_experts(nid) == ["e1", "e2", "e3", "e4"]
    with pytest.raises(Conflict) as again:
        decide(state, OpenReReview(BODY, MATERIALS, nid, revisit=("e2",)), context)
    assert again.value.code == "re_review_open"


def test_a_revised_score_names_the_one_it_revises_and_needs_a_reason_under_re_review():
    state, facts, nid, _ = _divergent()
    earlier = RecordedScore(nid, "e1", {k: D("60") for k in SCORES}, D("60"), UUID(int=7))
    seat = ScoreState(state, facts[0].standing, earlier, under_re_review=True)
    as_e1 = Identity(sub="e1", role="expert", org=BODY.org)
    with pytest.raises(DomainError) as bare:
        decide_score(seat, RecordScore(as_e1, MATERIALS, nid, SCORES), ctx())
    assert bare.value.code == "revision_reason_required"
    (revised,) = decide_score(seat, RecordScore(as_e1, MATERIALS, nid, SCORES, "重读了附件中的检测报告"), ctx())
    assert isinstance(revised, ExpertScoreRecorded)
    assert (revised.total, revised.revises, revised.reason) == (D("80.00"), UUID(int=7), "重读了附件中的检测报告")
    # Outside a re-review a revision needs no reason, and still names the score it revises.
    (plain,) = decide_score(replace(seat, under_re_review=False), RecordScore(as_e1, MATERIALS, nid, SCORES), ctx())
    assert (plain.revises, plain.reason) == (UUID(int=7), "")


def _under_re_review():
    """`_divergent`, with e1 asked to revisit: the state, facts, nomination, totals and their context."""
    state, facts, nid, totals = _divergent()
    context = ctx(nominations=facts, totals=totals)
    return evolve_target(state, decide(state, OpenReReview(BODY, MATERIALS, nid, revisit=("e1",)), context)), \
        facts, nid, totals, context


def test_a_re_review_closes_when_the_measure_clears_or_with_the_bodys_reason():
    state, facts, nid, totals, still = _under_re_review()
    with pytest.raises(Conflict) as refused:
        decide(state, CloseReReview(BODY, MATERIALS, nid), still)
    assert refused.value.code == "re_review_still_divergent"
    assert refused.value.message == ("该推荐对象的评分分歧仍超过阈值（最高分与最低分之差为 30，阈值 20）；"
                                     "如需结束复评，请说明理由。")
    (by_reason,) = decide(state, CloseReReview(BODY, MATERIALS, nid, "专家坚持原评分，理由充分"), still)
    assert (by_reason.cleared, by_reason.spread, by_reason.reason) == (False, D("30"), "专家坚持原评分，理由充分")
    # e1 revised to 80: range 10, cleared without a reason.
    (cleared,) = decide(state, CloseReReview(BODY, MATERIALS, nid),
                        ctx(nominations=facts, totals={**totals, (nid, "e1"): D("80")}))
    assert (type(cleared), cleared.cleared, cleared.spread) == (ReReviewClosed, True, D("10"))
    assert evolve_target(state, [cleared]).re_reviews == frozenset()
    with pytest.raises(Conflict) as not_open:
        decide(evolve_target(state, [cleared]), CloseReReview(BODY, MATERIALS, nid), still)
    assert not_open.value.code == "re_review_not_open"


def test_results_wait_for_an_open_re_review_unless_it_has_its_own_reason():
    state, facts, nid, totals, context = _under_re_review()
    with pytest.raises(Conflict) as waiting:
        decide(state, SubmitResults(BODY, MATERIALS, reason="其余齐备"), context)
    assert waiting.value.code == "re_review_open"
    assert waiting.value.errors == [{"nomination_id": str(nid), "spread": "30", "threshold": "20"}]
    # With a reason for it: closed with that reason, set aside as under re-review, nothing ranked.
    events = decide(state, SubmitResults(BODY, MATERIALS, re_review_reasons={nid: "复评专家意见待补"}), context)
    assert [type(e) for e in events] == [ReReviewClosed, PrelimResultsSubmitted]
    assert (events[0].cleared, events[0].reason) == (False, "复评专家意见待补")
    assert events[1].gaps == (PrelimGap(nomination_id=nid, reason="under_re_review", note="复评专家意见待补"),)
    assert events[1].ranked == ()
    # Cleared by a revision (e1 to 80): closed as cleared, and ranked as any other.
    events = decide(state, SubmitResults(BODY, MATERIALS), ctx(nominations=facts,
                                                                totals={**totals, (nid, "e1"): D("80")}))
    assert [type(e) for e in events] == [ReReviewClosed, PrelimScored, PrelimResultsSubmitted]
    assert (events[0].cleared, events[1].divergent, events[2].gaps) == (True, False, ())
