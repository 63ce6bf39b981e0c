"""Who reviews what, pure: assignment by the solver with load limits and conflicts excluded, by hand
(the same rule refuses a conflicted pair), unassignment, and conflicts — found by rule from
organisations, or declared by the expert, who then leaves the nomination while another eligible
expert takes the seat (or, with none, a shortfall is recorded: seating.py)."""

from __future__ import annotations

from uuid import UUID

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events import ConflictDeclared, Event, ReviewPlanFiled

from .commands import AssignAutomatically, AssignExpert, DeclareConflict, UnassignExpert
from .conflicts import declare_conflict
from .context import ReviewContext
from .model import NominationFacts, TargetState
from .plans import envelope, plan_in_force
from .plans_receipts import refuse_returned
from .seating import assigned, conflict_found, refill, reviewed, rule_conflicts, rule_pairs, top_up, unassigned
from .targets import managed_by


def decide_auto(state: TargetState, cmd: AssignAutomatically, context: ReviewContext) -> list[Event]:
    managed_by(context.campaign, cmd.target, cmd.by.org)
    plan = _open_panel(state, context)
    refuse_returned(state)
    found = _automatic_conflicts(state, plan, context, cmd)
    conflicted = {(e.nomination_id, e.expert_id) for e in found if isinstance(e, ConflictDeclared)}
    return [*found, *top_up(state, plan, context, cmd, conflicted, max_load=cmd.max_load)]


def decide_by_hand(state: TargetState, cmd: AssignExpert, context: ReviewContext) -> list[Event]:
    managed_by(context.campaign, cmd.target, cmd.by.org)
    plan = _open_panel(state, context)
    refuse_returned(state)
    return hand_seat(state, plan, in_review(context, cmd.nomination_id), context, cmd, cmd.expert_id)


def hand_seat(state: TargetState, plan: ReviewPlanFiled, facts: NominationFacts, context: ReviewContext, cmd,
              expert_id: str) -> list[Event]:
    """A seat made by a person (an assignment, an expert added for a re-review): the roster and the
    conflict rule hold as they do for the solver; a seat already held changes nothing."""
    _on_roster(plan, expert_id)
    if state.conflicted(facts.nomination_id, expert_id):
        raise Conflict("该专家与该推荐对象存在回避关系，不能分配。", code="expert_conflicted")
    if reasons := rule_conflicts(plan, facts, expert_id):  # the rule holds by hand as by the solver
        raise Conflict(f"该专家与该推荐对象存在回避关系（{'；'.join(r.message for r in reasons)}），不能分配。",
                       code="expert_conflicted")
    if expert_id in state.active_experts(facts.nomination_id):
        return []
    return [assigned(context, cmd, plan, facts.nomination_id, expert_id)]


def decide_unassign(state: TargetState, cmd: UnassignExpert, context: ReviewContext) -> list[Event]:
    managed_by(context.campaign, cmd.target, cmd.by.org)
    _open_panel(state, context)
    if cmd.expert_id not in state.active_experts(cmd.nomination_id):
        raise NotFound("该专家未被分配到该推荐对象。", code="assignment_not_found")
    return [unassigned(context, cmd, plan_in_force(state, context), cmd.nomination_id, cmd.expert_id, cmd.reason)]


def decide_conflict(state: TargetState, cmd: DeclareConflict, context: ReviewContext) -> list[Event]:
    """The expert's declaration: recorded, the seat given up, and the nomination topped up — or, when no
    eligible expert can take the seat, the shortfall on record beside the declaration."""
    expert_id = cmd.by.sub
    plan = _open_panel(state, context)
    in_review(context, cmd.nomination_id)
    if expert_id not in {e.expert_id for e in plan.roster}:
        raise NotFound("未找到该推荐对象。", code="nomination_not_found")
    declared = declare_conflict(expert_id, str(cmd.nomination_id), cmd.reason_code, cmd.reason)
    if state.conflicted(cmd.nomination_id, expert_id):
        return []  # on record already
    events: list[Event] = [ConflictDeclared(
        **envelope(context, cmd.target, cmd.by), nomination_id=cmd.nomination_id, expert_id=expert_id,
        body_code=plan.body_code, list_code=cmd.target.list_code, domain=cmd.target.domain,
        reason_code=declared.reason, reason=declared.note or declared.display_name)]
    if expert_id in state.active_experts(cmd.nomination_id):
        events.append(unassigned(context, cmd, plan, cmd.nomination_id, expert_id, "专家声明回避"))
        events += refill(state, plan, context, cmd, {(cmd.nomination_id, expert_id)}, [cmd.nomination_id],
                         left_by=expert_id)
    return events


def _open_panel(state: TargetState, context: ReviewContext) -> ReviewPlanFiled:
    plan = plan_in_force(state, context)
    if state.submitted:
        raise Conflict("该评审对象的初评结果已报送，不能再调整专家。", code="results_submitted")
    return plan


def in_review(context: ReviewContext, nomination_id: UUID) -> NominationFacts:
    facts = context.nominations.get(nomination_id)
    if facts is None or not facts.in_review:
        raise NotFound("未找到该推荐对象（须已通过形式审查且仍在评审中）。", code="nomination_not_found")
    return facts


def _on_roster(plan: ReviewPlanFiled, expert_id: str) -> None:
    if expert_id not in {e.expert_id for e in plan.roster}:
        raise DomainError(f"专家“{expert_id}”不在本评审方案的专家名单中。", code="expert_not_on_roster",
                          field="expert_id")


def _automatic_conflicts(state: TargetState, plan: ReviewPlanFiled, context: ReviewContext,
                         cmd: AssignAutomatically) -> list[Event]:
    """Pairs the rule finds (the expert's organisation is a party, or declared related), not yet on record;
    an expert already seated on such a pair leaves it."""
    events: list[Event] = []
    for (expert_id, nomination), reasons in rule_pairs(plan, reviewed(context)).items():
        nomination_id = UUID(nomination)
        if state.conflicted(nomination_id, expert_id):
            continue
        events.append(conflict_found(context, cmd, plan, nomination_id, expert_id, reasons))
        if expert_id in state.active_experts(nomination_id):
            events.append(unassigned(context, cmd, plan, nomination_id, expert_id, "自动识别回避关系"))
    return events
