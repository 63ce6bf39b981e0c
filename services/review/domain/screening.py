"""Formal screening (形式审查) by the secretariat, pure: every nomination that holds a quota slot (or
was accepted onto a separately organised list) passes, or fails with reasons, or is returned to its
unit for correction (退回补正) with reasons and a correction deadline. A failed one leaves review, and
the quota service frees its slot when it meets the event on the unit's stream; a returned one keeps
its slot and comes back to screening when the unit resubmits it (the intake decides that)."""

from __future__ import annotations

from contracts.deadline_text import deadline_text
from contracts.errors import Conflict, DomainError, NotFound
from contracts.events import Event, NominationReturned, NominationScreened, unit_key

from .commands import ReturnForCorrection, Screen
from .context import ReviewContext
from .model import NominationFacts, ScreeningState


def decide_screening(state: ScreeningState | tuple[NominationFacts | None, bool | None],
                     cmd: Screen | ReturnForCorrection, context: ReviewContext) -> list[Event]:
    """`state`: the nomination's facts, and its screening so far (None: not screened), and its last
    return for correction, if any."""
    state = ScreeningState(*state)
    facts = _screenable(state)
    if isinstance(cmd, ReturnForCorrection):
        return decide_return(state, cmd, context)
    if state.screened is not None:
        if state.screened == cmd.passed:
            return []  # recorded so already
        raise Conflict("该推荐已完成形式审查，结论不能更改。", code="already_screened")
    if state.awaiting_correction:
        due = state.returned.correction_due_at
        if context.now < due:
            raise Conflict(f"该推荐已退回补正，须待推荐单位在补正期限{deadline_text(due)}前重新提交后再审查。",
                           code="awaiting_correction")
        if cmd.passed:  # the period ended without a resubmission: what was returned cannot pass as it was
            raise Conflict(f"该推荐退回补正后未在补正期限{deadline_text(due)}前重新提交，只能作出不通过的结论。",
                           code="correction_not_resubmitted")
    reasons = _reasons(cmd.reasons)
    if not cmd.passed and not reasons:
        raise DomainError("形式审查不通过须说明理由。", code="reasons_required", field="reasons")
    campaign = facts.target.campaign
    return [NominationScreened(occurred_at=context.now, campaign=campaign, key=unit_key(campaign, facts.unit_id),
                               actor=cmd.by.actor(), nomination_id=facts.nomination_id, unit_id=facts.unit_id,
                               passed=cmd.passed, reasons=reasons)]


def decide_return(state: ScreeningState, cmd: ReturnForCorrection, context: ReviewContext) -> list[Event]:
    """Return for correction: only an unscreened nomination, not awaiting a correction already, with
    reasons and a correction deadline still ahead."""
    facts = state.facts
    if state.screened is not None:
        raise Conflict("该推荐已完成形式审查，不能再退回补正。", code="already_screened")
    if state.awaiting_correction:
        if state.returned.correction_due_at == cmd.correction_due_at:
            return []  # recorded so already
        raise Conflict(f"该推荐已退回补正（补正期限{deadline_text(state.returned.correction_due_at)}），"
                       "须待推荐单位重新提交后再审查。", code="already_returned")
    reasons = _reasons(cmd.reasons)
    if not reasons:
        raise DomainError("退回补正须说明理由。", code="reasons_required", field="reasons")
    if cmd.correction_due_at <= context.now:
        raise DomainError(f"补正期限（{deadline_text(cmd.correction_due_at)}）须晚于当前时间。",
                          code="correction_due_past", field="correction_due")
    campaign = facts.target.campaign
    return [NominationReturned(occurred_at=context.now, campaign=campaign, key=unit_key(campaign, facts.unit_id),
                               actor=cmd.by.actor(), nomination_id=facts.nomination_id, unit_id=facts.unit_id,
                               reasons=reasons, correction_due_at=cmd.correction_due_at,
                               round=(state.returned.round if state.returned else 0) + 1)]


def _screenable(state: ScreeningState) -> NominationFacts:
    facts = state.facts
    if facts is None:
        raise NotFound("未找到该推荐。", code="nomination_not_found")
    if facts.withdrawn:
        raise Conflict("该推荐已撤回，不再进行形式审查。", code="withdrawn")
    if not facts.holds_slot:
        raise Conflict("该推荐未占用推荐名额（或名额审核尚未完成），不进行形式审查。", code="no_quota_slot")
    return facts


def _reasons(given: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(r.strip() for r in given if r.strip())
