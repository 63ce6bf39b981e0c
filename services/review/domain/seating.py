"""Seats made by the solver, pure: the conflict rule applied to every pair it may place, and a seat
it cannot fill recorded as a shortfall (with what would fix it) rather than refused — so a declared
conflict is never lost for want of a replacement."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from uuid import UUID

from contracts.events import ConflictDeclared, Event, ExpertAssigned, ExpertUnassigned, ReviewPlanFiled, \
    SeatShortfallRecorded

from .assignment import AssignmentInfeasible, AssignmentRequest, solve
from .conflicts import ConflictReason, ExpertProfile, Organisation, conflict_pairs, find_conflicts
from .context import ReviewContext
from .model import NominationFacts, TargetState
from .plans import envelope


def profile(expert) -> ExpertProfile:
    """A roster entry as the conflict rule reads it: organisations only (the expert's name is sealed on the log)."""
    return ExpertProfile(expert.expert_id, "", Organisation(expert.affiliation, expert.affiliation_credit_code),
                         tuple(Organisation(r.name, r.credit_code) for r in expert.declared_relations))


def rule_conflicts(plan: ReviewPlanFiled, facts: NominationFacts, expert_id: str) -> tuple[ConflictReason, ...]:
    """Why the rule bars `expert_id` from the nomination (empty: it does not)."""
    expert = next((e for e in plan.roster if e.expert_id == expert_id), None)
    return find_conflicts(profile(expert), facts.parties) if expert is not None else ()


def rule_pairs(plan: ReviewPlanFiled, facts: Iterable[NominationFacts]) -> dict[tuple[str, str], tuple]:
    """(expert id, nomination id) -> reasons, for every pair of the roster and `facts` the rule bars."""
    return conflict_pairs([profile(e) for e in plan.roster], [f.parties for f in facts])


def reviewed(context: ReviewContext) -> list[NominationFacts]:
    return sorted((f for f in context.nominations.values() if f.in_review), key=lambda f: str(f.nomination_id))


def top_up(state: TargetState, plan: ReviewPlanFiled, context: ReviewContext, cmd, conflicted: set,
           max_load: int | None = None, only: Iterable[UUID] | None = None) -> list[Event]:
    """The solver's new seats: every reviewed nomination (or those `only` names) up to the plan's experts
    per item; never an expert in conflict (on record, found just now in `conflicted`, or barred by the
    rule); each expert's reviews elsewhere in the target counted toward the load. Raises
    AssignmentInfeasible when the seats cannot all be filled."""
    request, _ = _request(state, plan, context, conflicted, max_load, only)
    if request is None:
        return []
    solved = solve(request)
    return [assigned(context, cmd, plan, UUID(n), e, solved.input_hash) for e, n in solved.pairs]


def refill(state: TargetState, plan: ReviewPlanFiled, context: ReviewContext, cmd, conflicted: set,
           only: Iterable[UUID], left_by: str | None = None) -> list[Event]:
    """`top_up` of the nominations `only` names; when it cannot fill them, a shortfall on record for each
    nomination still short (what it needs, and what would fix it) instead of a refusal."""
    only = sorted(set(only), key=str)
    try:
        return top_up(state, plan, context, cmd, conflicted, only=only)
    except AssignmentInfeasible as short:
        request, limit = _request(state, plan, context, conflicted, None, only)
        eligible = {s.nomination_id: s.eligible for s in short.shortages}
        held = Counter(n for _, n in request.existing)
        return [SeatShortfallRecorded(
            **envelope(context, cmd.target, cmd.by), nomination_id=UUID(n), body_code=plan.body_code,
            list_code=cmd.target.list_code, domain=cmd.target.domain, seats_needed=plan.experts_per_item - held[n],
            eligible=eligible.get(n, _eligible(request, n)), max_load=limit, experts_needed=short.experts_needed,
            max_load_needed=short.max_load_needed, left_by=left_by)
            for n in request.nominations if held[n] < plan.experts_per_item]


def _request(state: TargetState, plan: ReviewPlanFiled, context: ReviewContext, conflicted: set,
             max_load: int | None, only: Iterable[UUID] | None) -> tuple[AssignmentRequest | None, int]:
    facts = reviewed(context)
    in_review = {str(f.nomination_id) for f in facts}
    named = None if only is None else {str(n) for n in only}
    nominations = tuple(n for n in sorted(in_review) if named is None or n in named)
    experts = tuple(sorted(e.expert_id for e in plan.roster))
    limit = max_load or plan.max_load or math.ceil(len(in_review) * plan.experts_per_item / len(experts)) + 2
    if not nominations:
        return None, limit
    conflicts = {(e, str(n)) for (n, e), seat in state.seats.items() if seat.conflict}
    conflicts |= {(e, str(n)) for n, e in conflicted}
    conflicts |= set(rule_pairs(plan, (f for f in facts if str(f.nomination_id) in set(nominations))))
    held = {(e, str(n)) for (n, e), seat in state.seats.items() if seat.active and str(n) in in_review} - conflicts
    existing = frozenset((e, n) for e, n in held if n in nominations and e in experts)
    elsewhere = tuple(sorted(Counter(e for e, n in held if n not in nominations).items()))
    return AssignmentRequest(nominations, experts, plan.experts_per_item, limit, frozenset(conflicts), existing,
                             elsewhere), limit


def _eligible(request: AssignmentRequest, nomination: str) -> int:
    barred = {e for e, n in request.conflicts | request.existing if n == nomination}
    return len(set(request.experts) - barred)


def conflict_found(context: ReviewContext, cmd, plan: ReviewPlanFiled, nomination_id: UUID, expert_id: str,
                   reasons: tuple[ConflictReason, ...]) -> ConflictDeclared:
    """A pair the rule bars, put on record."""
    return ConflictDeclared(**envelope(context, cmd.target, cmd.by), nomination_id=nomination_id, expert_id=expert_id,
                            body_code=plan.body_code, list_code=cmd.target.list_code, domain=cmd.target.domain,
                            reason_code="automatic", reason="；".join(r.message for r in reasons))


def assigned(context: ReviewContext, cmd, plan: ReviewPlanFiled, nomination_id: UUID, expert_id: str,
             solver_hash: str | None = None) -> ExpertAssigned:
    return ExpertAssigned(**envelope(context, cmd.target, cmd.by), nomination_id=nomination_id, expert_id=expert_id,
                          body_code=plan.body_code, list_code=cmd.target.list_code, domain=cmd.target.domain,
                          solver_input_hash=solver_hash)


def unassigned(context: ReviewContext, cmd, plan: ReviewPlanFiled, nomination_id: UUID, expert_id: str,
               reason: str) -> ExpertUnassigned:
    return ExpertUnassigned(**envelope(context, cmd.target, cmd.by), nomination_id=nomination_id,
                            expert_id=expert_id, body_code=plan.body_code, list_code=cmd.target.list_code,
                            domain=cmd.target.domain, reason=reason)
