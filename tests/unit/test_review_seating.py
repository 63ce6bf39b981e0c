"""Conflicts hold on every path that makes a seat, pure: by hand, by the solver's top-up after a
declaration, on a re-filed roster; and a declaration with no replacement is recorded with its
shortfall, which an extended roster or a raised load limit then fills. Each scenario narrated."""

from __future__ import annotations

from dataclasses import replace

import pytest

from contracts.errors import Conflict
from contracts.events import (ConflictDeclared, ExpertAssigned, ExpertUnassigned, ReviewPlanFiled,
                              SeatShortfallRecorded)
from contracts.identity import Identity
from services.review.domain.commands import AssignAutomatically, AssignExpert, DeclareConflict, FilePlan
from services.review.domain.decide import decide
from services.review.domain.evolve import evolve_target
from services.review.domain.model import TargetState
from services.review.domain.plans import plan_defaults
from tests.unit.test_review_decisions import MATERIALS, OTHER, ctx, nomination

BODY = OTHER  # the advanced-materials consortium reviews MATERIALS alone


def expert(i: int, affiliation: str | None = None) -> dict:
    return {"expert_id": f"e{i}", "name": f"专家{i}", "affiliation": affiliation or f"某大学{i}"}


def terms(roster, **changes) -> dict:
    return {**plan_defaults(ctx()), "plan": "方案", "expert_composition": "构成", "roster": roster, **changes}


def filed(roster, facts, **changes) -> TargetState:
    state = TargetState(MATERIALS)
    return evolve_target(state, decide(state, FilePlan(BODY, MATERIALS, terms(roster, **changes)), ctx(nominations=facts)))


def run(state: TargetState, cmd, facts) -> tuple[TargetState, list]:
    events = decide(state, cmd, ctx(nominations=facts))
    return evolve_target(state, events), events


def declare(expert_id: str, nid) -> DeclareConflict:
    return DeclareConflict(Identity(sub=expert_id, role="expert", org=BODY.org), MATERIALS, nid, "relative", "")


@pytest.mark.parametrize("affiliation, role", [("推荐单位甲", "推荐单位（推荐单位甲）"),
                                               ("完成单位A", "申报单位（完成单位A）"),     # the leading completing unit
                                               ("完成单位B", "完成单位（完成单位B）")])
def test_a_hand_assignment_of_an_expert_the_rule_bars_is_refused_and_writes_nothing(affiliation, role):
    facts = [nomination(MATERIALS, unit="推荐单位甲")]  # completing units 完成单位A, 完成单位B
    state = filed([expert(1, affiliation), expert(2), expert(3)], facts, experts_per_item=2)
    with pytest.raises(Conflict) as refused:
        decide(state, AssignExpert(BODY, MATERIALS, facts[0].nomination_id, "e1"), ctx(nominations=facts))
    assert refused.value.code == "expert_conflicted"
    assert refused.value.message == f"该专家与该推荐对象存在回避关系（专家所在单位即本推荐对象的{role}），不能分配。"
    # An expert the rule does not bar is seated by hand.
    (seat,) = decide(state, AssignExpert(BODY, MATERIALS, facts[0].nomination_id, "e2"), ctx(nominations=facts))
    assert (type(seat), seat.expert_id) == (ExpertAssigned, "e2")


def test_the_top_up_after_a_declaration_never_seats_an_expert_the_rule_bars():
    # Seated by hand only: e1 (of the recommending unit) was never put on record by an automatic run.
    facts = [nomination(MATERIALS, unit="推荐单位甲")]
    nid = facts[0].nomination_id
    state = filed([expert(1, "推荐单位甲"), expert(2), expert(3), expert(4)], facts, experts_per_item=3)
    for e in ("e2", "e3", "e4"):
        state, _ = run(state, AssignExpert(BODY, MATERIALS, nid, e), facts)
    state, events = run(state, declare("e2", nid), facts)
    # e1 is the only expert left, and the rule bars it: the seat stays empty, the shortfall on record.
    assert [type(e) for e in events] == [ConflictDeclared, ExpertUnassigned, SeatShortfallRecorded]
    short = events[2]
    assert (short.nomination_id, short.seats_needed, short.eligible, short.experts_needed, short.max_load_needed,
            short.left_by) == (nid, 1, 0, 1, None, "e2")
    assert state.active_experts(nid) == ["e3", "e4"] and state.short == frozenset({nid})


def test_a_declaration_with_no_replacement_is_recorded_and_an_extended_roster_fills_the_seat():
    # Three experts, three per item, all seated.
    facts = [nomination(MATERIALS, unit="推荐单位乙")]
    nid = facts[0].nomination_id
    roster = [expert(1), expert(2), expert(3)]
    state = filed(roster, facts, experts_per_item=3)
    state, _ = run(state, AssignAutomatically(BODY, MATERIALS), facts)
    state = replace(state, scored=True)  # scoring began: the plan is locked
    # e2 declares: the conflict is on record, e2 leaves, and the seat no one can take is a shortfall.
    state, events = run(state, declare("e2", nid), facts)
    assert [type(e) for e in events] == [ConflictDeclared, ExpertUnassigned, SeatShortfallRecorded]
    assert (events[2].seats_needed, events[2].eligible, events[2].experts_needed, events[2].max_load_needed) == \
        (1, 0, 1, None)
    assert state.conflicted(nid, "e2") and state.active_experts(nid) == ["e1", "e3"] and state.short == {nid}
    # A locked plan may not change its terms, nor be filed again unchanged...
    for change in (terms(roster, experts_per_item=3, trim_min_scores=3), terms(roster, experts_per_item=3)):
        with pytest.raises(Conflict) as locked:
            decide(state, FilePlan(BODY, MATERIALS, change), ctx(nominations=facts))
        assert locked.value.code == "plan_locked"
    # ...but it may be extended: e4 joins the roster and takes the empty seat.
    before = state.plan
    state, events = run(state, FilePlan(BODY, MATERIALS, terms([*roster, expert(4)], experts_per_item=3)), facts)
    assert [type(e) for e in events] == [ReviewPlanFiled, ExpertAssigned]
    assert events[0].extends == before.event_id and (events[1].nomination_id, events[1].expert_id) == (nid, "e4")
    assert state.active_experts(nid) == ["e1", "e3", "e4"] and state.short == frozenset()


def test_a_declaration_when_every_other_expert_is_at_max_load_is_filled_by_raising_the_limit():
    # Four experts, two nominations of two experts each, each expert at most one.
    facts = [nomination(MATERIALS, unit="推荐单位乙"), nomination(MATERIALS, unit="推荐单位丙")]
    state = filed([expert(i) for i in range(1, 5)], facts, experts_per_item=2, max_load=1)
    state, _ = run(state, AssignAutomatically(BODY, MATERIALS), facts)
    nid = facts[0].nomination_id
    leaving, staying = state.active_experts(nid)
    state, events = run(state, declare(leaving, nid), facts)
    # The two free of conflict are both at their limit elsewhere: a limit of 2 would do, or one more expert.
    assert [type(e) for e in events] == [ConflictDeclared, ExpertUnassigned, SeatShortfallRecorded]
    assert (events[2].seats_needed, events[2].eligible, events[2].max_load, events[2].experts_needed,
            events[2].max_load_needed) == (1, 2, 1, 1, 2)
    # The body raises the limit for a run: one seat, and the shortfall is filled.
    state, events = run(state, AssignAutomatically(BODY, MATERIALS, max_load=2), facts)
    assert [(type(e), e.nomination_id) for e in events] == [(ExpertAssigned, nid)]
    assert events[0].expert_id not in (leaving, staying) and state.short == frozenset()


def test_a_re_filed_roster_unseats_an_expert_it_now_bars_and_fills_the_seat():
    facts = [nomination(MATERIALS, unit="推荐单位甲")]
    nid = facts[0].nomination_id
    roster = [expert(i) for i in range(2, 6)]
    state = filed(roster, facts, experts_per_item=2)
    state, _ = run(state, AssignAutomatically(BODY, MATERIALS), facts)
    moved = state.active_experts(nid)[0]
    # Filed again before scoring: the seated expert now works at the recommending unit.
    changed = [expert(int(e["expert_id"][1:]), "推荐单位甲") if e["expert_id"] == moved else e for e in roster]
    state, events = run(state, FilePlan(BODY, MATERIALS, terms(changed, experts_per_item=2)), facts)
    assert [type(e) for e in events] == [ReviewPlanFiled, ConflictDeclared, ExpertUnassigned, ExpertAssigned]
    assert (events[1].expert_id, events[1].reason_code) == (moved, "automatic")
    assert moved not in state.active_experts(nid) and len(state.active_experts(nid)) == 2
