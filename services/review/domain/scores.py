"""An expert's scores, pure: one score per criterion within the plan's range, on a nomination the
expert is assigned to and not in conflict with, inside the review window — from the close of
submissions until the body submits its results. The weighted total is computed here, and the expert
may revise until then: a revision names the score it revises (which stays on the log), and while the
nomination is under re-review it needs the expert's reason."""

from __future__ import annotations

from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from contracts.events import Event, ExpertScoreRecorded

from .commands import RecordScore
from .context import ReviewContext
from .model import ScoreState
from .plans import envelope, plan_in_force
from .scoring import weighted_total
from .targets import managed_by


class ReviewNotOpen(DomainError):
    code = "review_not_open"
    http_status = 409


def decide_score(state: ScoreState, cmd: RecordScore, context: ReviewContext) -> list[Event]:
    managed_by(context.campaign, cmd.target, cmd.by.org)
    expert_id = cmd.by.sub
    facts = state.nomination
    if facts is None or not facts.in_review or facts.target != cmd.target:
        raise NotFound("未找到该推荐对象。", code="nomination_not_found")
    plan = plan_in_force(state.target, context)
    if state.target.conflicted(cmd.nomination_id, expert_id):
        raise Forbidden("您已与该推荐对象存在回避关系，不能评分。", code="expert_conflicted")
    if expert_id not in state.target.active_experts(cmd.nomination_id):
        raise NotFound("该推荐对象未分配给您评审。", code="not_assigned")
    closes = context.campaign.timeline.submission_closes_at
    if context.now < closes:
        raise ReviewNotOpen(f"评审尚未开始：网上申报截止（{closes.astimezone(context.campaign.tz):%Y-%m-%d %H:%M}）后方可评分。")
    if state.target.submitted:
        raise Conflict("该评审对象的初评结果已报送，评分不能再提交或修改。", code="results_submitted")
    total = weighted_total(cmd.scores, plan.criteria, plan.score_min, plan.score_max)
    if state.recorded is not None and dict(state.recorded.scores) == dict(cmd.scores):
        return []  # the same scores again change nothing
    revises = state.recorded.event_id if state.recorded is not None else None
    if revises is not None and state.under_re_review and not cmd.reason.strip():
        raise DomainError("该推荐对象正在复评：修改评分须说明理由（reason）。", code="revision_reason_required",
                          field="reason")
    return [ExpertScoreRecorded(**envelope(context, cmd.target, cmd.by), nomination_id=cmd.nomination_id,
                                expert_id=expert_id, body_code=plan.body_code, list_code=cmd.target.list_code,
                                domain=cmd.target.domain, scores=dict(cmd.scores), total=total, revises=revises,
                                reason=cmd.reason.strip(),
                                revision=state.recorded.revision + 1 if state.recorded is not None else 1)]
