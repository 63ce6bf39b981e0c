"""Review plans, filed before review (备案), pure.

A body files one plan per target it reviews: weighted criteria, the score range, experts per item,
aggregation, divergence threshold, tie-break and the roster. It may file again until the first score
arrives; then the plan is locked, but for an extension (more experts on the roster, a higher load
limit: what fills a seat no one could take) until the results are in. A jointly reviewed target's plan
is filed by one of its bodies and takes effect once the other confirms it (a new filing needs a new
confirmation; an extension keeps the confirmation of the plan it extends).
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError

from contracts.errors import Conflict, DomainError
from contracts.events import Event, ReviewPlanConfirmed, ReviewPlanFiled, target_key
from contracts.identity import Identity
from contracts.personal import Sealer, expert_id

from .commands import ConfirmPlan, FilePlan
from .context import ReviewContext
from .model import TargetState
from .targets import Target, bodies_of, is_joint, managed_by


def envelope(context: ReviewContext, target: Target, by: Identity) -> dict[str, Any]:
    return dict(occurred_at=context.now, campaign=target.campaign, actor=by.actor(),
                key=target_key(target.campaign, target.list_code, target.domain))


def roster_people(terms: dict[str, Any], campaign: str) -> list[str]:
    """The person ids of the experts a plan's roster names (entries that are not well formed are left to the
    contract to refuse)."""
    roster = terms.get("roster")
    return sorted({expert_id(campaign, e["expert_id"]) for e in roster if isinstance(e, dict)
                   and isinstance(e.get("expert_id"), str)}) if isinstance(roster, (list, tuple)) else []


def sealed_roster(terms: dict[str, Any], campaign: str, sealer: Sealer | None) -> dict[str, Any]:
    """The terms with each roster expert's name and address sealed with the expert's key."""
    roster = terms.get("roster")
    if sealer is None or not isinstance(roster, (list, tuple)):
        return terms

    def sealed(e: Any) -> Any:
        if not isinstance(e, dict) or not isinstance(e.get("expert_id"), str):
            return e
        pid, address = expert_id(campaign, e["expert_id"]), e.get("contact_email")
        return {**e, "name": sealer.seal(pid, e["name"]) if isinstance(e.get("name"), str) else e.get("name"),
                "contact_email": sealer.seal(pid, address) if isinstance(address, str) else address}
    return {**terms, "roster": [sealed(e) for e in roster]}


def decide_file(state: TargetState, cmd: FilePlan, context: ReviewContext) -> list[Event]:
    managed_by(context.campaign, cmd.target, cmd.by.org)
    if state.submitted:
        raise Conflict("初评结果已报送，评审方案已锁定，不能再修改。", code="plan_locked")
    try:
        plan = ReviewPlanFiled(**envelope(context, cmd.target, cmd.by), body_code=cmd.by.org,
                               list_code=cmd.target.list_code, domain=cmd.target.domain,
                               **sealed_roster(cmd.terms, cmd.target.campaign, context.sealer))
    except (ValidationError, TypeError) as exc:  # the contract checks weights, ranges and the roster
        raise _invalid_plan(exc) from None
    if state.scored:
        if state.plan is None or not extends(state.plan, plan):
            raise Conflict("评分已开始，评审方案已锁定：只可增补专家名单或提高每位专家的评审上限，其他内容不能再修改。",
                           code="plan_locked")
        plan = plan.model_copy(update={"extends": state.plan.extends or state.plan.event_id})
    return [plan]


_EXTENSIBLE = {"event_id", "occurred_at", "actor", "causation_id", "correlation_id", "roster", "max_load", "extends"}


def extends(before: ReviewPlanFiled, after: ReviewPlanFiled) -> bool:
    """`after` is `before` with experts added to its roster, or its load limit raised, or both; nothing else."""
    same_terms = before.model_dump(exclude=_EXTENSIBLE) == after.model_dump(exclude=_EXTENSIBLE)
    now = {e.expert_id: e for e in after.roster}
    kept = all(now.get(e.expert_id) == e for e in before.roster)  # every expert stays, as filed
    cap_before, cap_after = (math.inf if p.max_load is None else p.max_load for p in (before, after))
    return same_terms and kept and cap_after >= cap_before and (len(now) > len(before.roster) or cap_after > cap_before)


def decide_confirm(state: TargetState, cmd: ConfirmPlan, context: ReviewContext) -> list[Event]:
    managed_by(context.campaign, cmd.target, cmd.by.org)
    if not is_joint(context.campaign, cmd.target):
        raise Conflict("该评审对象由一个评审机构负责，评审方案无需确认。", code="not_joint")
    if state.plan is None or state.plan.event_id != cmd.plan_event_id:
        raise Conflict("要确认的评审方案不是当前备案的方案（可能已被重新备案）。", code="plan_not_current")
    if state.plan.body_code == cmd.by.org:
        others = "、".join(b.name for b in bodies_of(context.campaign, cmd.target) if b.code != cmd.by.org)
        raise Conflict(f"评审方案须由另一联合评审机构（{others}）确认。", code="confirm_by_other_body")
    if state.confirmed_by is not None:
        return []  # confirmed already: confirming again changes nothing
    return [ReviewPlanConfirmed(**envelope(context, cmd.target, cmd.by), body_code=cmd.by.org,
                                list_code=cmd.target.list_code, domain=cmd.target.domain,
                                plan_event_id=cmd.plan_event_id, note=cmd.note)]


def plan_in_force(state: TargetState, context: ReviewContext) -> ReviewPlanFiled:
    """The plan review runs under; refuses while none is filed, or a joint one is unconfirmed."""
    if state.plan is None:
        raise Conflict("该评审对象尚未备案评审方案，不能分配专家或评分。", code="plan_not_filed")
    if is_joint(context.campaign, state.target) and state.confirmed_by is None:
        raise Conflict("联合评审的评审方案尚待另一评审机构确认。", code="plan_not_confirmed")
    return state.plan


def _invalid_plan(exc: Exception) -> DomainError:
    errors = exc.errors() if isinstance(exc, ValidationError) else []
    fields = [{"field": ".".join(str(p) for p in e.get("loc", ())), "code": e.get("type", "invalid"),
               "message": str(e.get("msg", ""))} for e in errors]
    first = fields[0] if fields else {"field": None, "message": str(exc)}
    return DomainError(f"评审方案填写有误：{first['message']}", code="invalid_plan", field=first["field"],
                       errors=fields or None)


def plan_defaults(context: ReviewContext) -> dict[str, Any]:
    """The campaign's review defaults (评价标准 and method) a plan starts from; a filing overrides any."""
    r = context.campaign.review
    return {"criteria": [c.model_dump() for c in r.criteria], "score_min": r.score_min, "score_max": r.score_max,
            "experts_per_item": r.experts_per_item, "aggregation": r.aggregation,
            "trim_min_scores": r.trim_min_scores, "divergence_threshold": r.divergence_threshold,
            "tie_break": list(r.tie_break), "max_load": r.max_load}
