"""Formal screening (形式审查) by the secretariat, pure: every nomination that holds a quota slot (or
was accepted onto a separately organised list) passes, or fails with reasons. A failed one leaves
review, and the quota service frees its slot when it meets the event on the unit's stream."""

from __future__ import annotations

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events import Event, NominationScreened, unit_key

from .commands import Screen
from .context import ReviewContext
from .model import NominationFacts, ScreeningState


def decide_screening(state: ScreeningState | tuple[NominationFacts | None, bool | None], cmd: Screen,
                     context: ReviewContext) -> list[Event]:
    """`state`: the nomination's facts, and its screening so far (None: not screened)."""
    facts, screened = state[0], state[1]
    if facts is None:
        raise NotFound("未找到该推荐。", code="nomination_not_found")
    if facts.withdrawn:
        raise Conflict("该推荐已撤回，不再进行形式审查。", code="withdrawn")
    if not facts.holds_slot:
        raise Conflict("该推荐未占用推荐名额（或名额审核尚未完成），不进行形式审查。", code="no_quota_slot")
    if screened is not None:
        if screened == cmd.passed:
            return []  # recorded so already
        raise Conflict("该推荐已完成形式审查，结论不能更改。", code="already_screened")
    reasons = tuple(r.strip() for r in cmd.reasons if r.strip())
    if not cmd.passed and not reasons:
        raise DomainError("形式审查不通过须说明理由。", code="reasons_required", field="reasons")
    campaign = facts.target.campaign
    return [NominationScreened(occurred_at=context.now, campaign=campaign, key=unit_key(campaign, facts.unit_id),
                               actor=cmd.by.actor(), nomination_id=facts.nomination_id, unit_id=facts.unit_id,
                               passed=cmd.passed, reasons=reasons)]
