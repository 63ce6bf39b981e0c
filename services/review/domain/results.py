"""Ranked preliminary results to the secretariat, pure: every nomination under review with its scores
aggregated by the plan's method (raw totals kept beside), ranked within the target with the declared
tie-break, divergent ones flagged by the plan's measure; submitted once every nomination has its
scores, or with the gaps named and a reason, and once every re-review is closed (or each still open
has its own reason: it is then set aside, under re-review). Results that arrive on or after the campaign's prelim deadline are accepted and
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
from .re_review import cleared, closed, measured, threshold_of
from .targets import managed_by


def decide_results(state: TargetState, cmd: SubmitResults, context: ReviewContext) -> list[Event]:
    managed_by(context.campaign, cmd.target, cmd.by.org)
    plan = plan_in_force(state, context)
    if state.submitted:
        raise Conflict("该评审对象的初评结果已报送。", code="results_submitted")
    complete, gaps = [], []
    closings, set_aside = _re_reviews(state, plan, cmd, context)
    for facts in sorted((f for f in context.nominations.values() if f.in_review), key=lambda f: str(f.nomination_id)):
        if facts.nomination_id in set_aside:
            gaps.append(PrelimGap(nomination_id=facts.nomination_id, reason="under_re_review",
                                  note=set_aside[facts.nomination_id]))
            continue
        experts = state.active_experts(facts.nomination_id)
        totals = {e: context.totals[(facts.nomination_id, e)] for e in experts
                  if (facts.nomination_id, e) in context.totals}
        if len(experts) >= plan.experts_per_item and len(totals) == len(experts):
            complete.append(NominationScores(str(facts.nomination_id), totals, facts.submitted_at))
        else:
            gaps.append(PrelimGap(nomination_id=facts.nomination_id, note=f"已评 {len(totals)}/{max(len(experts), plan.experts_per_item)}",
                                  reason="missing_scores" if experts else "not_assigned"))
    unscored = [g for g in gaps if g.reason != "under_re_review"]  # those under re-review have their own reason
    if unscored and not cmd.reason.strip():
        raise Conflict(f"尚有 {len(unscored)} 个推荐对象未完成评分；如需现在报送，请说明原因。", code="results_incomplete",
                       errors=[{"nomination_id": str(g.nomination_id), "reason": g.reason} for g in unscored])
    aggregation = AggregationPlan(plan.aggregation, plan.trim_min_scores, threshold_of(plan, context), plan.tie_break,
                                  plan.divergence_measure)
    ranked = score_target(aggregation, complete) if complete else ()
    common = envelope(context, cmd.target, cmd.by)
    scored = [PrelimScored(**common, nomination_id=UUID(r.nomination_id), body_code=cmd.by.org,
                           list_code=cmd.target.list_code, domain=cmd.target.domain, aggregate=r.aggregate,
                           raw_sum=r.raw_sum, rank=r.rank, expert_count=r.expert_count, method=plan.aggregation,
                           divergent=r.divergent, totals=dict(r.totals)) for r in ranked]
    note = cmd.reason.strip()
    if note:
        gaps = [g.model_copy(update={"note": f"{g.note}；{note}"}) if g.reason != "under_re_review" else g
                for g in gaps]
    return [*closings, *scored, PrelimResultsSubmitted(**common, body_code=cmd.by.org, list_code=cmd.target.list_code,
                                            domain=cmd.target.domain, ranked=tuple(e.nomination_id for e in scored),
                                            late=context.campaign.prelim_late(context.now), gaps=tuple(gaps))]


def _re_reviews(state: TargetState, plan, cmd: SubmitResults, context: ReviewContext
                ) -> tuple[list[Event], dict[UUID, str]]:
    """The open re-reviews at submission: each closes — cleared, when its measure is at or under the
    threshold (then ranked as any other), else with the body's reason for it (then set aside as a gap,
    under re-review). Without a reason for every one still divergent, the results wait."""
    closings, set_aside, waiting = [], {}, []
    threshold = threshold_of(plan, context)
    for nomination_id in sorted(state.re_reviews, key=str):
        if nomination_id not in context.nominations or not context.nominations[nomination_id].in_review:
            continue
        gap = measured(state, plan, context, nomination_id)
        reason = cmd.re_review_reasons.get(nomination_id, "").strip()
        if not cleared(gap, threshold) and not reason:
            waiting.append({"nomination_id": str(nomination_id), "spread": None if gap is None else str(gap),
                            "threshold": str(threshold)})
            continue
        closings.append(closed(state, plan, context, cmd, nomination_id, gap, threshold,
                               "" if cleared(gap, threshold) else reason))
        if not cleared(gap, threshold):
            set_aside[nomination_id] = reason
    if waiting:
        raise Conflict(f"尚有 {len(waiting)} 个推荐对象正在复评，评分分歧仍超过阈值；如需现在报送，请逐项说明理由"
                       "（re_review_reasons）。", code="re_review_open", errors=waiting)
    return closings, set_aside
