"""What each review event does to state (domain/evolve.py), pure: exact states after each event kind.
The commands' saves, the grouped scores and the restore all fold through these functions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal as D
from uuid import UUID

from contracts.events import (Actor, CommitteeVote, ConflictDeclared, Criterion, ExpertAssigned, ExpertScoreRecorded,
                              ExpertUnassigned, FinalDecisionRecorded, NominationScreened, NominationWithdrawn,
                              PrelimResultsSubmitted, PrelimScored, ReviewPlanConfirmed, ReviewPlanFiled, target_key,
                              unit_key)
from services.review import steps
from services.review.domain.evolve import (evolve_decision, evolve_score, evolve_screening, evolve_sitting,
                                           evolve_target)
from services.review.domain.final import DecisionState, SittingState
from services.review.domain.model import (NominationStanding, PanelSeat, Ranked, RecordedScore, ScoreState, Screening,
                                          ScreeningState, TargetState)
from services.review.domain.targets import Target

AT = datetime(2022, 11, 10, 10, tzinfo=timezone(timedelta(hours=8)))
GREEN = Target("kczg-2022", "leading_tech", "green_low_carbon")
BODY = Actor(role="review_body", id="cast_eco_env_consortium")
N1, N2 = UUID(int=1), UUID(int=2)
ON_TARGET = dict(occurred_at=AT, campaign="kczg-2022", key=target_key("kczg-2022", "leading_tech", "green_low_carbon"),
                 actor=BODY, list_code="leading_tech", domain="green_low_carbon")


def ev(i: int) -> UUID:
    return UUID(int=1000 + i)


def plan(i: int) -> ReviewPlanFiled:
    return ReviewPlanFiled(event_id=ev(i), **ON_TARGET, body_code="cast_eco_env_consortium", plan="方案",
                           expert_composition="构成", aggregation="trimmed_mean",
                           criteria=(Criterion(code="innovation", name="创新性", weight=100),))


def seat_event(kind, nomination_id: UUID, expert_id: str, i: int, **extra):
    return kind(event_id=ev(i), **ON_TARGET, nomination_id=nomination_id, expert_id=expert_id,
                body_code="cast_eco_env_consortium", **extra)


# --- a target ------------------------------------------------------------------------------------

def test_a_filed_plan_is_in_force_unconfirmed_and_a_confirmation_names_the_other_body():
    filed = evolve_target(TargetState(GREEN, confirmed_by="someone"), [plan(1)])
    assert filed == TargetState(GREEN, plan=plan(1), confirmed_by=None)
    confirmed = evolve_target(filed, [ReviewPlanConfirmed(event_id=ev(2), **ON_TARGET, plan_event_id=ev(1),
                                                          body_code="cast_clean_energy_consortium")])
    assert confirmed == TargetState(GREEN, plan=plan(1), confirmed_by="cast_clean_energy_consortium")
    # A new filing replaces the plan and must be confirmed again.
    assert evolve_target(confirmed, [plan(3)]) == TargetState(GREEN, plan=plan(3), confirmed_by=None)


def test_seats_are_taken_given_up_and_a_conflict_on_record_stands():
    state = evolve_target(TargetState(GREEN), [seat_event(ExpertAssigned, N1, "e1", 1),
                                               seat_event(ExpertAssigned, N1, "e2", 2),
                                               seat_event(ExpertAssigned, N2, "e1", 3)])
    assert state.seats == {(N1, "e1"): PanelSeat(True), (N1, "e2"): PanelSeat(True), (N2, "e1"): PanelSeat(True)}
    state = evolve_target(state, [seat_event(ExpertUnassigned, N1, "e2", 4, reason="调整"),
                                  seat_event(ConflictDeclared, N2, "e1", 5, reason_code="same_organisation")])
    assert state.seats == {(N1, "e1"): PanelSeat(True), (N1, "e2"): PanelSeat(False),
                           (N2, "e1"): PanelSeat(False, "same_organisation")}
    # A later conflict, an unassignment or an assignment never replaces the conflict on record.
    for later in (seat_event(ConflictDeclared, N2, "e1", 6, reason_code="interest"),
                  seat_event(ExpertUnassigned, N2, "e1", 7, reason="调整"),
                  seat_event(ExpertAssigned, N2, "e1", 8)):
        assert evolve_target(state, [later]).seats[(N2, "e1")].conflict == "same_organisation"
    # A pair never seated before is on record once it is unassigned or conflicted.
    assert evolve_target(TargetState(GREEN), [seat_event(ExpertUnassigned, N1, "e9", 9, reason="调整")]).seats == {
        (N1, "e9"): PanelSeat(False)}


def test_submitted_results_end_the_review_and_rank_each_nomination_once():
    results = PrelimResultsSubmitted(event_id=ev(1), **ON_TARGET, body_code="cast_eco_env_consortium",
                                     ranked=(N2, N1))
    scored = [PrelimScored(event_id=ev(2 + i), **ON_TARGET, nomination_id=n, aggregate=D("90.00"), raw_sum=D("450"),
                           rank=i + 1, expert_count=5, method="trimmed_mean") for i, n in enumerate((N2, N1))]
    state = evolve_target(TargetState(GREEN, scored=True), [results, *scored])
    assert state == TargetState(GREEN, scored=True, results_event_id=ev(1),
                                ranked={N2: Ranked(1, ev(2)), N1: Ranked(2, ev(3))})
    assert state.submitted
    again = PrelimScored(event_id=ev(9), **ON_TARGET, nomination_id=N1, aggregate=D("1"), raw_sum=D("1"), rank=7,
                         expert_count=1, method="mean")
    assert evolve_target(state, [again]).ranked[N1] == Ranked(2, ev(3))


def test_events_of_other_aggregates_leave_a_target_as_it_was():
    state = evolve_target(TargetState(GREEN), [plan(1), seat_event(ExpertAssigned, N1, "e1", 2)])
    assert evolve_target(state, []) is state
    assert evolve_target(state, [score(N1, "e1", 3, "80.00")]) == state


# --- a score ---------------------------------------------------------------------------------------

def score(nomination_id: UUID, expert_id: str, i: int, points: str) -> ExpertScoreRecorded:
    return seat_event(ExpertScoreRecorded, nomination_id, expert_id, i, scores={"innovation": D(points)},
                      total=D(points))


def test_a_score_is_recorded_whole_and_locks_the_plan():
    standing = NominationStanding(N1, GREEN, True, False, True)
    before = ScoreState(TargetState(GREEN, plan=plan(1), seats={(N1, "e1"): PanelSeat(True)}), standing)
    after = evolve_score(before, [score(N1, "e1", 2, "80.50")])
    assert after == ScoreState(TargetState(GREEN, plan=plan(1), scored=True, seats={(N1, "e1"): PanelSeat(True)}),
                               standing, RecordedScore(N1, "e1", {"innovation": D("80.50")}, D("80.50"), ev(2)))
    # A revision replaces the scores recorded; the grouped scores fold with this very function.
    revised = evolve_score(after, [score(N1, "e1", 3, "70.00")])
    assert revised.recorded == RecordedScore(N1, "e1", {"innovation": D("70.00")}, D("70.00"), ev(3))
    assert steps.SCORES.evolve is evolve_score


# --- a screening -----------------------------------------------------------------------------------

def screened(passed: bool, i: int) -> NominationScreened:
    return NominationScreened(event_id=ev(i), occurred_at=AT, campaign="kczg-2022", key=unit_key("kczg-2022", "u"),
                              actor=BODY, nomination_id=N1, unit_id="u", passed=passed,
                              reasons=() if passed else ("材料不全",))


def test_a_screening_is_recorded_once_and_the_first_stands():
    after = evolve_screening(ScreeningState(None, None), [screened(False, 1)])
    assert after == ScreeningState(None, False, Screening(N1, "kczg-2022", False, ev(1)))
    assert evolve_screening(after, [screened(True, 2)]) == after
    other = NominationWithdrawn(event_id=ev(3), occurred_at=AT, campaign="kczg-2022", key=unit_key("kczg-2022", "u"),
                                actor=BODY, nomination_id=N1, unit_id="u", reason="撤回")
    assert evolve_screening(ScreeningState(None, None), [other]) == ScreeningState(None, None)


# --- final decisions -------------------------------------------------------------------------------

def decided(nomination_id: UUID, revision: int, selected: bool) -> FinalDecisionRecorded:
    return FinalDecisionRecorded(event_id=ev(10 * revision + nomination_id.int), **ON_TARGET,
                                 nomination_id=nomination_id, selected=selected, revision=revision,
                                 vote=CommitteeVote(eligible=9, present=9, yes=9 if selected else 0,
                                                    no=0 if selected else 9))


def test_the_latest_decision_replaces_the_one_before():
    first = evolve_decision(DecisionState(GREEN, False), [decided(N1, 1, True)])
    assert first == DecisionState(GREEN, False, decided(N1, 1, True))
    assert evolve_decision(first, [decided(N1, 2, False)]) == DecisionState(GREEN, False, decided(N1, 2, False))


def test_a_sitting_records_each_decision_on_its_own_nomination():
    before = SittingState({N1: DecisionState(GREEN, False), N2: DecisionState(GREEN, False, decided(N2, 1, True))})
    after = evolve_sitting(before, [decided(N1, 1, True), decided(N2, 2, False)])
    assert after == SittingState({N1: DecisionState(GREEN, False, decided(N1, 1, True)),
                                  N2: DecisionState(GREEN, False, decided(N2, 2, False))})
    assert before.decisions[N1].last is None  # the state before is untouched
