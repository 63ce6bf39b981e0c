"""The secretariat's receipt (回执) of a filed plan, pure: the plan in force is acknowledged, or returned with
reasons, once. A returned plan must be filed again (a new filing is a new plan, awaiting its own receipt);
until then no expert is assigned under it. An extension keeps the receipt of the plan it extends, as it
keeps a joint confirmation. A plan is not returned once scoring began: it is locked then (plans.py)."""

from __future__ import annotations

from contracts.errors import Conflict, DomainError
from contracts.events import Event, PlanAcknowledged, PlanReturned

from .commands import ReceivePlan
from .context import ReviewContext
from .model import TargetState
from .plans import envelope
from .targets import bodies_of, is_joint


def decide_receipt(state: TargetState, cmd: ReceivePlan, context: ReviewContext) -> list[Event]:
    bodies_of(context.campaign, cmd.target)  # a target the campaign does not review: not found
    plan = state.plan
    if plan is None:
        raise Conflict("该评审对象尚未备案评审方案，无可回执的方案。", code="plan_not_filed")
    if plan.event_id != cmd.plan_event_id:
        raise Conflict("要回执的评审方案不是当前备案的方案（可能已被重新备案）。", code="plan_not_current")
    if state.receipt is not None:
        done = "退回" if state.receipt.returned else "确认"
        raise Conflict(f"该评审方案已{done}，同一方案只能回执一次。", code="plan_already_receipted")
    if is_joint(context.campaign, cmd.target) and state.confirmed_by is None:
        raise Conflict("联合评审的评审方案尚待另一评审机构确认，确认后再回执。", code="plan_not_confirmed")
    facts = dict(**envelope(context, cmd.target, cmd.by), body_code=plan.body_code, list_code=cmd.target.list_code,
                 domain=cmd.target.domain, plan_event_id=plan.event_id)
    if cmd.acknowledged:
        return [PlanAcknowledged(**facts, note=cmd.note.strip())]
    reasons = tuple(r.strip() for r in cmd.reasons if r.strip())
    if not reasons:
        raise DomainError("退回评审方案须说明理由（至少一条）。", code="reasons_required", field="reasons")
    if state.scored:
        raise Conflict("评分已开始，评审方案已锁定，不能再退回。", code="plan_locked")
    return [PlanReturned(**facts, reasons=reasons)]


def refuse_returned(state: TargetState) -> None:
    """No expert is assigned under a plan the secretariat returned: the body files it again first."""
    if state.receipt is not None and state.receipt.returned:
        raise Conflict("评审方案已被秘书处退回，请按退回理由修改并重新备案后再分配专家。", code="plan_returned")
