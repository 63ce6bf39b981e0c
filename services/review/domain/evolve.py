"""What each review event does to state, pure: evolve(state, events) -> state for every aggregate kind.

The commands' save (steps.py), the grouped scores' next command on a seat (BatchSteps.evolve) and the
restore from the log (restore.py) all fold events here; store.py only persists the states returned.
A fact on record stands where the review never changes it: the first conflict of a pair, a
nomination's screening, its place in the submitted results. A shortfall stays open until the
nomination is seated to its plan's count again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from contracts.events import (ConflictDeclared, Event, ExpertAssigned, ExpertScoreRecorded, ExpertUnassigned,
                              FinalDecisionRecorded, NominationReturned, NominationScreened, PrelimResultsSubmitted,
                              PlanAcknowledged, PlanReturned, PrelimScored, ReReviewClosed, ReReviewOpened,
                              ReviewPlanConfirmed, ReviewPlanFiled, SeatShortfallRecorded)

from .final import DecisionState, SittingState
from .model import (PanelSeat, PlanReceipt, Ranked, RecordedScore, Returned, ScoreState, Screening, ScreeningState,
                    Seat, TargetState)


def evolve_target(state: TargetState, events: Iterable[Event]) -> TargetState:
    """A target's plan, panel and results after `events` (one mutable copy of the panel for all of
    them: an automatic assignment brings thousands of seats)."""
    events = list(events)
    if not events:
        return state
    seats: dict[Seat, PanelSeat] = dict(state.seats)
    ranked = dict(state.ranked)
    short = set(state.short)
    re_reviews = set(state.re_reviews)
    for e in events:
        match e:
            case ReviewPlanFiled() if e.extends is not None and state.plan is not None \
                    and e.extends == state.plan.event_id:  # an extension keeps the confirmation and receipt it extends
                state = replace(state, plan=e)
            case ReviewPlanFiled():  # a new filing replaces the plan; a joint target's must be confirmed again
                state = replace(state, plan=e, confirmed_by=None, receipt=None)  # and awaits its own receipt
            case ReviewPlanConfirmed():
                state = replace(state, confirmed_by=e.body_code)
            case PlanAcknowledged() | PlanReturned():
                state = replace(state, receipt=PlanReceipt(e.event_id, isinstance(e, PlanReturned)))
            case PrelimResultsSubmitted():
                state = replace(state, results_event_id=e.event_id)
            case PrelimScored():
                ranked.setdefault(e.nomination_id, Ranked(e.rank, e.event_id))
            case ExpertAssigned():
                _seat(seats, e, active=True, conflict=None)
                if e.nomination_id in short and _seated(seats, e.nomination_id) >= state.plan.experts_per_item:
                    short.discard(e.nomination_id)  # filled: seated to the plan's count again
            case ExpertUnassigned():
                _seat(seats, e, active=False, conflict=None)
            case ConflictDeclared():
                _seat(seats, e, active=False, conflict=e.reason_code)
            case SeatShortfallRecorded():
                short.add(e.nomination_id)
            case ReReviewOpened():
                re_reviews.add(e.nomination_id)
            case ReReviewClosed():
                re_reviews.discard(e.nomination_id)
    return replace(state, seats=seats, ranked=ranked, short=frozenset(short), re_reviews=frozenset(re_reviews))


def _seated(seats: dict[Seat, PanelSeat], nomination_id) -> int:
    return sum(1 for (n, _), seat in seats.items() if n == nomination_id and seat.active)


def _seat(seats: dict[Seat, PanelSeat], e: ExpertAssigned | ExpertUnassigned | ConflictDeclared, active: bool,
          conflict: str | None) -> None:
    seat = (e.nomination_id, e.expert_id)
    held = seats.get(seat)
    seats[seat] = PanelSeat(active, held.conflict if held is not None and held.conflict is not None else conflict)


def evolve_score(state: ScoreState, events: Iterable[Event]) -> ScoreState:
    """An expert's standing after their score: the scores recorded, the target's plan locked."""
    for e in events:
        if isinstance(e, ExpertScoreRecorded):
            state = replace(state, target=replace(state.target, scored=True), recorded=RecordedScore(
                e.nomination_id, e.expert_id, dict(e.scores), e.total, e.event_id, e.revision))
    return state


def evolve_screening(state: ScreeningState, events: Iterable[Event]) -> ScreeningState:
    for e in events:
        if isinstance(e, NominationScreened) and state.record is None:  # screened once: the first stands
            state = state._replace(screened=e.passed, record=Screening(e.nomination_id, e.campaign, e.passed,
                                                                          e.event_id))
        elif isinstance(e, NominationReturned) and (state.returned is None or e.round > state.returned.round):
            state = state._replace(returned=Returned(e.nomination_id, e.campaign, e.round, e.correction_due_at,
                                                     e.event_id))
    return state


def evolve_decision(state: DecisionState, events: Iterable[Event]) -> DecisionState:
    """A nomination's final decision: the latest recorded replaces the one before."""
    for e in events:
        if isinstance(e, FinalDecisionRecorded):
            state = replace(state, last=e)
    return state


def evolve_sitting(state: SittingState, events: Iterable[Event]) -> SittingState:
    decisions = dict(state.decisions)
    for e in events:
        if isinstance(e, FinalDecisionRecorded):
            decisions[e.nomination_id] = evolve_decision(decisions.get(e.nomination_id, DecisionState(None, False)),
                                                         [e])
    return SittingState(decisions)
