"""The review's decisions, pure: decide(state, command, context) with the time and the facts as values.
Each test narrates one scenario; the states evolve as the write side saves them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D
from uuid import UUID, uuid4

import pytest

from contracts.campaign import load_builtin_campaign
from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from contracts.events import (ConflictDeclared, ExpertAssigned, ExpertScoreRecorded, ExpertUnassigned, NominationScreened,
                              PrelimScored)
from contracts.identity import Identity
from eventlog.privacy import KeySealer
from services.review.domain.commands import (AssignAutomatically, AssignExpert, ConfirmPlan, DeclareConflict,
                                             FilePlan, RecordScore, Screen, SubmitResults)
from services.review.domain.conflicts import Organisation
from services.review.domain.context import ReviewContext
from services.review.domain.decide import decide
from services.review.domain.evolve import evolve_target
from services.review.domain.model import NominationFacts, ScoreState, TargetState
from services.review.domain.parties import parties_of
from services.review.domain.plans import plan_defaults
from services.review.domain.scores import decide_score
from services.review.domain.screening import decide_screening
from services.review.domain.targets import Target

BJ = timezone(timedelta(hours=8))
CAMPAIGN = load_builtin_campaign("kczg-2022")
IN_REVIEW = datetime(2022, 11, 10, 10, tzinfo=BJ)
GREEN = Target("kczg-2022", "leading_tech", "green_low_carbon")   # reviewed jointly by two bodies
MATERIALS = Target("kczg-2022", "leading_tech", "advanced_materials")
ECO, CLEAN, OTHER = (Identity(sub="staff", role="review_body", org=o) for o in
                     ("cast_eco_env_consortium", "cast_clean_energy_consortium", "cast_advanced_materials_consortium"))
SECRETARIAT = Identity(sub="s", role="secretariat", org="kczg_secretariat")
ROSTER = [{"expert_id": f"e{i}", "name": f"专家{i}", "affiliation": f"某大学{i}"} for i in range(1, 9)]
ROSTER[0] = {"expert_id": "e1", "name": "专家1", "affiliation": "推荐单位甲"}  # the recommending unit of n[0]


# The write step hands a plan's filing its experts' keys; here one fixed key serves every expert.
ANY_KEY = KeySealer(defaultdict(lambda: bytes(32)))


def ctx(now=IN_REVIEW, nominations=(), totals=None) -> ReviewContext:
    return ReviewContext(now, CAMPAIGN, {f.nomination_id: f for f in nominations}, totals or {}, ANY_KEY)


def nomination(target=GREEN, unit="推荐单位甲", screened=True, **form) -> NominationFacts:
    nid = uuid4()
    form = {"completing_units": ["完成单位A", "完成单位B"], **form}
    return NominationFacts(nid, target, "unit-a", "技术", IN_REVIEW - timedelta(days=30), True, False, screened,
                           parties_of(str(nid), target.list_code, form, Organisation(unit)))


def terms(**changes) -> dict:
    defaults = plan_defaults(ctx())
    return {**defaults, "plan": "方案", "expert_composition": "构成", "roster": ROSTER, "experts_per_item": 3,
            **changes}


def apply(state: TargetState, events) -> TargetState:
    """What the write side saves: the plan, the confirmation, the seats, the results."""
    return evolve_target(state, events)


def filed_and_confirmed(nominations) -> TargetState:
    state = apply(TargetState(GREEN), decide(TargetState(GREEN), FilePlan(ECO, GREEN, terms()), ctx()))
    return apply(state, decide(state, ConfirmPlan(CLEAN, GREEN, state.plan.event_id), ctx(nominations=nominations)))


def test_a_joint_plan_takes_effect_once_the_other_body_confirms_it():
    facts = [nomination() for _ in range(4)]
    # The eco-environment consortium files the plan for 绿色低碳...
    state = apply(TargetState(GREEN), decide(TargetState(GREEN), FilePlan(ECO, GREEN, terms()), ctx()))
    assert state.plan.body_code == "cast_eco_env_consortium" and [c.weight for c in state.plan.criteria] == [30, 25, 30, 15]
    # ...nothing is assigned before the clean-energy consortium confirms it...
    with pytest.raises(Conflict) as unconfirmed:
        decide(state, AssignAutomatically(ECO, GREEN), ctx(nominations=facts))
    assert unconfirmed.value.code == "plan_not_confirmed"
    # ...the filing body cannot confirm its own plan, and a third body does not see the target.
    with pytest.raises(Conflict, match="另一联合评审机构"):
        decide(state, ConfirmPlan(ECO, GREEN, state.plan.event_id), ctx())
    with pytest.raises(NotFound) as third:
        decide(state, ConfirmPlan(OTHER, GREEN, state.plan.event_id), ctx())
    assert third.value.code == "target_not_found"
    (confirmed,) = decide(state, ConfirmPlan(CLEAN, GREEN, state.plan.event_id), ctx())
    state = apply(state, [confirmed])
    # Both bodies manage it: the confirming one assigns.
    assigned = decide(state, AssignAutomatically(CLEAN, GREEN), ctx(nominations=facts))
    assert {type(e) for e in assigned} == {ExpertAssigned, ConflictDeclared}


def test_nothing_is_assigned_or_scored_before_a_plan_and_the_plan_locks_at_the_first_score():
    facts = [nomination(MATERIALS)]
    empty = TargetState(MATERIALS)
    with pytest.raises(Conflict) as refused:
        decide(empty, AssignExpert(OTHER, MATERIALS, facts[0].nomination_id, "e2"), ctx(nominations=facts))
    assert refused.value.code == "plan_not_filed"
    state = apply(empty, decide(empty, FilePlan(OTHER, MATERIALS, terms()), ctx()))
    again = decide(state, FilePlan(OTHER, MATERIALS, terms(experts_per_item=4)), ctx())  # filed again: fine
    assert again[0].experts_per_item == 4
    with pytest.raises(Conflict) as locked:
        decide(replace(state, scored=True), FilePlan(OTHER, MATERIALS, terms()), ctx())
    assert locked.value.code == "plan_locked"


@pytest.mark.parametrize("change, says", [
    ({"criteria": [{"code": "a", "name": "甲", "weight": 60}, {"code": "b", "name": "乙", "weight": 30}]}, "权重之和须为 100"),
    ({"roster": ROSTER[:2]}, "多于名单人数"),
    ({"roster": [ROSTER[1], ROSTER[1], ROSTER[2]]}, "专家名单重复"),
    ({"score_min": 100, "score_max": 0}, "评分上限须大于下限"),
])
def test_a_bad_plan_is_refused_naming_what_is_wrong(change, says):
    with pytest.raises(DomainError) as refused:
        decide(TargetState(MATERIALS), FilePlan(OTHER, MATERIALS, terms(**change)), ctx())
    assert refused.value.code == "invalid_plan" and says in refused.value.message


def test_automatic_conflicts_are_recorded_and_never_seated():
    facts = [nomination(unit="推荐单位甲"), nomination(unit="推荐单位乙"), nomination(unit="推荐单位丙")]
    state = filed_and_confirmed(facts)
    events = decide(state, AssignAutomatically(ECO, GREEN), ctx(nominations=facts))
    conflicts = [e for e in events if isinstance(e, ConflictDeclared)]
    # e1 works at 推荐单位甲, the recommending unit of the first nomination only.
    assert [(c.nomination_id, c.expert_id, c.reason_code) for c in conflicts] == [
        (facts[0].nomination_id, "e1", "automatic")]
    assert "推荐单位" in conflicts[0].reason
    seats = [(e.nomination_id, e.expert_id) for e in events if isinstance(e, ExpertAssigned)]
    assert (facts[0].nomination_id, "e1") not in seats
    assert all(sum(1 for n, _ in seats if n == f.nomination_id) == 3 for f in facts)
    assert len({e.solver_input_hash for e in events if isinstance(e, ExpertAssigned)}) == 1


def test_a_declared_conflict_unseats_the_expert_and_tops_the_nomination_up():
    facts = [nomination() for _ in range(3)]
    state = apply(filed_and_confirmed(facts), [])
    state = apply(state, decide(state, AssignAutomatically(ECO, GREEN), ctx(nominations=facts)))
    target, seated = facts[1].nomination_id, state.active_experts(facts[1].nomination_id)
    expert = Identity(sub=seated[0], role="expert", org="cast_eco_env_consortium")
    events = decide(state, DeclareConflict(expert, GREEN, target, "collaboration", "近三年合作"), ctx(nominations=facts))
    assert [type(e) for e in events] == [ConflictDeclared, ExpertUnassigned, ExpertAssigned]
    state = apply(state, events)
    assert seated[0] not in state.active_experts(target) and len(state.active_experts(target)) == 3
    # Declaring again changes nothing; "other" needs a note.
    assert decide(state, DeclareConflict(expert, GREEN, target, "collaboration"), ctx(nominations=facts)) == []
    with pytest.raises(DomainError) as note:
        decide(state, DeclareConflict(expert, GREEN, facts[0].nomination_id, "other"), ctx(nominations=facts))
    assert note.value.code == "conflict_note_required"


def _scored_state(facts, seats_per_item=3):
    state = filed_and_confirmed(facts)
    return apply(state, decide(state, AssignAutomatically(ECO, GREEN), ctx(nominations=facts)))


def test_scores_are_refused_when_unassigned_conflicted_out_of_range_or_outside_the_window():
    facts = [nomination(unit="推荐单位甲")]
    state = _scored_state(facts)
    nid = facts[0].nomination_id
    seated = state.active_experts(nid)[0]
    as_expert = lambda e: Identity(sub=e, role="expert", org="cast_clean_energy_consortium")  # noqa: E731
    good = {"innovation": D("90"), "advancement": D("80.5"), "industrial_value": D("70"), "social_benefit": D("60")}

    def score(expert, scores=good, now=IN_REVIEW, target_state=state):
        return decide_score(ScoreState(target_state, facts[0].standing), RecordScore(as_expert(expert), GREEN, nid, scores),
                            ctx(now=now))

    (recorded,) = score(seated)
    # 90×30% + 80.5×25% + 70×30% + 60×15% = 27 + 20.125 + 21 + 9 = 77.125, to cents half up: 77.13
    assert isinstance(recorded, ExpertScoreRecorded) and recorded.total == D("77.13")
    cases = [
        (lambda: score("e1"), Forbidden, "expert_conflicted"),                       # e1 is the recommending unit
        (lambda: score(next(e for e in ("e2", "e3", "e4", "e5", "e6", "e7", "e8")
                            if e not in state.active_experts(nid))), NotFound, "not_assigned"),
        (lambda: score(seated, {**good, "innovation": D("101")}), DomainError, "score_out_of_range"),
        (lambda: score(seated, {k: v for k, v in good.items() if k != "innovation"}), DomainError, "criterion_missing"),
        (lambda: score(seated, now=datetime(2022, 10, 31, 23, 59, tzinfo=BJ)), DomainError, "review_not_open"),
        (lambda: score(seated, target_state=replace(state, results_event_id=uuid4())), Conflict, "results_submitted"),
    ]
    for call, kind, code in cases:
        with pytest.raises(kind) as refused:
            call()
        assert refused.value.code == code


def test_results_rank_by_the_plans_method_and_are_late_from_the_deadline_on():
    facts = [nomination() for _ in range(3)]
    state = _scored_state(facts)
    totals = {}
    for rank, f in enumerate(facts):
        for i, expert in enumerate(state.active_experts(f.nomination_id)):
            totals[(f.nomination_id, expert)] = D(90 - 10 * rank + i)
    on_time, late = datetime(2022, 11, 30, 23, 59, 59, tzinfo=BJ), datetime(2022, 12, 1, 0, 0, tzinfo=BJ)
    events = decide(state, SubmitResults(ECO, GREEN), ctx(now=on_time, nominations=facts, totals=totals))
    scored = [e for e in events if isinstance(e, PrelimScored)]
    assert [e.nomination_id for e in scored] == [f.nomination_id for f in facts] and [e.rank for e in scored] == [1, 2, 3]
    assert scored[0].aggregate == D("91.00") and scored[0].raw_sum == D("273") and scored[0].method == "trimmed_mean"
    assert events[-1].late is False and events[-1].ranked == tuple(f.nomination_id for f in facts)
    assert decide(state, SubmitResults(ECO, GREEN), ctx(now=late, nominations=facts, totals=totals))[-1].late is True
    # An extended deadline moves the line.
    extended = CAMPAIGN.with_changes(prelim_due_at=datetime(2022, 12, 8, tzinfo=BJ),
                                     final_review_opens_at=datetime(2022, 12, 8, tzinfo=BJ))
    moved = ReviewContext(late, extended, {f.nomination_id: f for f in facts}, totals)
    assert decide(state, SubmitResults(ECO, GREEN), moved)[-1].late is False


def test_results_with_gaps_need_a_reason_and_name_the_gaps():
    facts = [nomination() for _ in range(2)]
    state = _scored_state(facts)
    totals = {(facts[0].nomination_id, e): D(80) for e in state.active_experts(facts[0].nomination_id)}
    with pytest.raises(Conflict) as incomplete:
        decide(state, SubmitResults(ECO, GREEN), ctx(nominations=facts, totals=totals))
    assert incomplete.value.code == "results_incomplete"
    assert incomplete.value.errors == [{"nomination_id": str(facts[1].nomination_id), "reason": "missing_scores"}]
    events = decide(state, SubmitResults(ECO, GREEN, "一位专家病假"), ctx(nominations=facts, totals=totals))
    assert [g.nomination_id for g in events[-1].gaps] == [facts[1].nomination_id]
    assert "一位专家病假" in events[-1].gaps[0].note and events[-1].ranked == (facts[0].nomination_id,)


def test_screening_passes_or_fails_with_reasons_once():
    facts = nomination(screened=None)
    (passed,) = decide_screening((facts, None), Screen(SECRETARIAT, facts.nomination_id, True), ctx())
    assert isinstance(passed, NominationScreened) and passed.key == "kczg-2022:unit-a"
    with pytest.raises(DomainError) as reasons:
        decide_screening((facts, None), Screen(SECRETARIAT, facts.nomination_id, False), ctx())
    assert reasons.value.code == "reasons_required"
    assert decide_screening((facts, True), Screen(SECRETARIAT, facts.nomination_id, True), ctx()) == []
    with pytest.raises(Conflict) as final:
        decide_screening((facts, True), Screen(SECRETARIAT, facts.nomination_id, False, ("迟交",)), ctx())
    assert final.value.code == "already_screened"
    for state, code in [((replace(facts, withdrawn=True), None), "withdrawn"),
                        ((replace(facts, holds_slot=False), None), "no_quota_slot")]:
        with pytest.raises(Conflict) as refused:
            decide_screening(state, Screen(SECRETARIAT, facts.nomination_id, True), ctx())
        assert refused.value.code == code
