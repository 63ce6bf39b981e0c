"""Ranked preliminary results to the secretariat, pure: every nomination under review with its scores
aggregated by the plan's method (raw totals kept beside), ranked within the target with the declared
tie-break, divergent ones flagged; submitted once every nomination has its scores, or with the gaps
named and a reason. Results that arrive on or after the campaign's prelim deadline are accepted and
flagged late."""

from __future__ import annotations

from uuid import UUID

from contracts.errors import Conflict
from contracts.events import Event, PrelimGap, PrelimResultsSubmitted, PrelimScored

from .aggregation import AggregationPlan, NominationScores, score_target
from .commands import SubmitResults
from .context import ReviewContext
from .model import TargetState
from .plans import envelope, plan_in_force
from .targets import managed_by


def decide_results(state: TargetState, cmd: SubmitResults, context: ReviewContext) -> list[Event]:
    managed_by(context.campaign, cmd.target, cmd.by.org)
    plan = plan_in_force(state, context)
    if state.submitted:
        raise Conflict("该评审对象的初评结果已报送。", code="results_submitted")
    complete, gaps = [], []
    for facts in sorted((f for f in context.nominations.values() if f.in_review), key=lambda f: str(f.nomination_id)):
        experts = state.active_experts(facts.nomination_id)
        totals = {e: context.totals[(facts.nomination_id, e)] for e in experts
                  if (facts.nomination_id, e) in context.totals}
        if len(experts) >= plan.experts_per_item and len(totals) == len(experts):
            complete.append(NominationScores(str(facts.nomination_id), totals, facts.submitted_at))
        else:
            gaps.append(PrelimGap(nomination_id=facts.nomination_id, note=f"已评 {len(totals)}/{max(len(experts), plan.experts_per_item)}",
                                  reason="missing_scores" if experts else "not_assigned"))
    if gaps and not cmd.reason.strip():
        raise Conflict(f"尚有 {len(gaps)} 个推荐对象未完成评分；如需现在报送，请说明原因。", code="results_incomplete",
                       errors=[{"nomination_id": str(g.nomination_id), "reason": g.reason} for g in gaps])
    aggregation = AggregationPlan(plan.aggregation, plan.trim_min_scores, _threshold(plan, context), plan.tie_break)
    ranked = score_target(aggregation, complete) if complete else ()
    common = envelope(context, cmd.target, cmd.by)
    scored = [PrelimScored(**common, nomination_id=UUID(r.nomination_id), body_code=cmd.by.org,
                           list_code=cmd.target.list_code, domain=cmd.target.domain, aggregate=r.aggregate,
                           raw_sum=r.raw_sum, rank=r.rank, expert_count=r.expert_count, method=plan.aggregation,
                           divergent=r.divergent, totals=dict(r.totals)) for r in ranked]
    note = cmd.reason.strip()
    if note:
        gaps = [g.model_copy(update={"note": f"{g.note}；{note}"}) for g in gaps]
    return [*scored, PrelimResultsSubmitted(**common, body_code=cmd.by.org, list_code=cmd.target.list_code,
                                            domain=cmd.target.domain, ranked=tuple(e.nomination_id for e in scored),
                                            late=context.campaign.prelim_late(context.now), gaps=tuple(gaps))]


def _threshold(plan, context: ReviewContext):
    return plan.divergence_threshold if plan.divergence_threshold is not None else context.campaign.review.divergence_threshold
