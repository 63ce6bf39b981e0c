"""A plan filed again, pure: the conflict rule re-read against the roster it files. A seated expert the
new roster bars (a changed affiliation, a relation now declared) leaves with the conflict on record;
the seats so opened, and any shortfall on record, are filled from the roster as filed now — or stay
short, on record, with what would fix them."""

from __future__ import annotations

from uuid import UUID

from contracts.events import Event, ReviewPlanFiled

from .commands import FilePlan
from .context import ReviewContext
from .model import TargetState
from .plans import decide_file
from .seating import conflict_found, refill, reviewed, rule_pairs, unassigned
from .targets import is_joint


def decide_refile(state: TargetState, cmd: FilePlan, context: ReviewContext) -> list[Event]:
    (plan,) = decide_file(state, cmd, context)
    if state.plan is None:
        return [plan]  # the first filing: nobody sits yet
    return [plan, *_reseat(state, plan, cmd, context)]


def _reseat(state: TargetState, plan: ReviewPlanFiled, cmd: FilePlan, context: ReviewContext) -> list[Event]:
    events: list[Event] = []
    barred: set = set()
    for (expert_id, nomination), reasons in rule_pairs(plan, reviewed(context)).items():  # the index, once
        nomination_id = UUID(nomination)
        seat = state.seats.get((nomination_id, expert_id))
        if seat is not None and seat.active:
            barred.add((nomination_id, expert_id))
            events += [conflict_found(context, cmd, plan, nomination_id, expert_id, reasons),
                       unassigned(context, cmd, plan, nomination_id, expert_id, "重新备案的专家名单存在回避关系")]
    opened = {n for n, _ in barred} | set(state.short)
    in_force = plan.extends is not None or not is_joint(context.campaign, cmd.target)  # else: once confirmed
    if opened and in_force:
        events += refill(state, plan, context, cmd, barred, opened)
    return events
