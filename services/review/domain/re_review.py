"""Re-review (复评), pure: a divergent nomination reviewed again as a step of its own.

The plan declares how divergence is measured (aggregation.spread) and its threshold. The body opens a
re-review on a nomination whose measure exceeds the threshold, naming seated experts to revisit their
scores, or adding experts (seated by hand: the roster and the conflict rule hold), or both. While it
is open a revised score needs the expert's reason (domain/scores.py). It closes once the measure is
at or under the threshold, or by the body with a recorded reason; results wait for it (results.py).
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from contracts.errors import Conflict, DomainError
from contracts.events import Event, ReReviewClosed, ReReviewOpened, ReviewPlanFiled

from .aggregation import spread
from .commands import CloseReReview, OpenReReview
from .context import ReviewContext
from .model import TargetState
from .panel import hand_seat, in_review
from .plans import envelope, plan_in_force
from .targets import managed_by

MEASURES: dict[str, str] = {"range": "最高分与最低分之差", "trimmed_range": "去掉一个最高分和一个最低分后的分差",
                            "range_without_outlier": "去掉一个离群分后的分差"}


def threshold_of(plan: ReviewPlanFiled, context: ReviewContext) -> Decimal:
    return plan.divergence_threshold if plan.divergence_threshold is not None \
        else context.campaign.review.divergence_threshold


def measured(state: TargetState, plan: ReviewPlanFiled, context: ReviewContext, nomination_id: UUID) -> Decimal | None:
    """The plan's divergence measure over the seated experts' recorded totals; None with fewer than two."""
    totals = [context.totals[(nomination_id, e)] for e in state.active_experts(nomination_id)
              if (nomination_id, e) in context.totals]
    return spread(totals, plan.divergence_measure, plan.trim_min_scores) if len(totals) >= 2 else None


def cleared(gap: Decimal | None, threshold: Decimal) -> bool:
    return gap is not None and gap <= threshold


def describe(plan: ReviewPlanFiled, gap: Decimal | None, threshold: Decimal) -> str:
    shown = "不足两位专家评分" if gap is None else f"{MEASURES[plan.divergence_measure]}为 {gap}"
    return f"{shown}，阈值 {threshold}"


def decide_open_re_review(state: TargetState, cmd: OpenReReview, context: ReviewContext) -> list[Event]:
    plan = _open(state, cmd, context)
    facts = in_review(context, cmd.nomination_id)
    if cmd.nomination_id in state.re_reviews:
        raise Conflict("该推荐对象的复评尚未结束，不能再次发起。", code="re_review_open")
    revisit, add = tuple(dict.fromkeys(cmd.revisit)), tuple(dict.fromkeys(cmd.add))
    if not revisit and not add:
        raise DomainError("发起复评须指定请哪些专家复核评分（revisit），或增派哪些专家（add）。", code="re_review_empty")
    gap, threshold = measured(state, plan, context, cmd.nomination_id), threshold_of(plan, context)
    if cleared(gap, threshold) or gap is None:
        raise Conflict(f"该推荐对象的专家评分没有超过分歧阈值（{describe(plan, gap, threshold)}），无需复评。",
                       code="not_divergent")
    seated = state.active_experts(cmd.nomination_id)
    absent = [e for e in revisit if e not in seated]
    if absent:
        raise DomainError(f"请复核评分的专家须是该推荐对象的在席专家：{'、'.join(absent)} 不是。",
                          code="revisit_not_seated", field="revisit", errors=[{"expert_id": e} for e in absent])
    twice = [e for e in add if e in seated]
    if twice:
        raise DomainError(f"增派的专家已在该推荐对象的评审席上：{'、'.join(twice)}。", code="add_already_seated",
                          field="add", errors=[{"expert_id": e} for e in twice])
    seats = [event for e in add for event in hand_seat(state, plan, facts, context, cmd, e)]
    opened = ReReviewOpened(**envelope(context, cmd.target, cmd.by), nomination_id=cmd.nomination_id,
                            body_code=plan.body_code, list_code=cmd.target.list_code, domain=cmd.target.domain,
                            measure=plan.divergence_measure, spread=gap, threshold=threshold, revisit=revisit,
                            added=add, reason=cmd.reason.strip())
    return [opened, *seats]


def decide_close_re_review(state: TargetState, cmd: CloseReReview, context: ReviewContext) -> list[Event]:
    plan = _open(state, cmd, context)
    if cmd.nomination_id not in state.re_reviews:
        raise Conflict("该推荐对象没有进行中的复评。", code="re_review_not_open")
    gap, threshold = measured(state, plan, context, cmd.nomination_id), threshold_of(plan, context)
    done = cleared(gap, threshold)
    if not done and not cmd.reason.strip():
        raise Conflict(f"该推荐对象的评分分歧仍超过阈值（{describe(plan, gap, threshold)}）；如需结束复评，请说明理由。",
                       code="re_review_still_divergent")
    return [closed(state, plan, context, cmd, cmd.nomination_id, gap, threshold, cmd.reason.strip())]


def closed(state: TargetState, plan: ReviewPlanFiled, context: ReviewContext, cmd, nomination_id: UUID,
           gap: Decimal | None, threshold: Decimal, reason: str) -> ReReviewClosed:
    return ReReviewClosed(**envelope(context, cmd.target, cmd.by), nomination_id=nomination_id,
                          body_code=plan.body_code, list_code=cmd.target.list_code, domain=cmd.target.domain,
                          spread=gap, threshold=threshold, cleared=cleared(gap, threshold), reason=reason)


def _open(state: TargetState, cmd, context: ReviewContext) -> ReviewPlanFiled:
    managed_by(context.campaign, cmd.target, cmd.by.org)
    plan = plan_in_force(state, context)
    if state.submitted:
        raise Conflict("该评审对象的初评结果已报送，不能再复评。", code="results_submitted")
    return plan
