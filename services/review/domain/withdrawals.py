"""A unit's request to withdraw a nomination during the review, and the secretariat's answer, pure: granted,
the nomination is withdrawn (NominationWithdrawn, by the secretariat, on the unit's stream: the quota service
frees its slot, and it leaves the review — no more screening, scores or final decision); refused
(WithdrawalRefused), it stays in review. One answer per request, and a unit asks once (the intake decides
that: services/intake/domain/nominations.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from uuid import UUID

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events import Event, NominationWithdrawn, WithdrawalRefused, unit_key
from contracts.identity import Identity

from .context import ReviewContext
from .model import NominationFacts


@dataclass(frozen=True)
class AnswerWithdrawal:
    by: Identity
    nomination_id: UUID
    grant: bool
    reason: str


@dataclass(frozen=True)
class Answered:
    """What the store keeps of an answer."""

    nomination_id: UUID
    campaign: str
    granted: bool
    reason: str
    event_id: UUID


@dataclass(frozen=True)
class WithdrawalState:
    facts: NominationFacts | None    # the nomination as the log has it (None: unknown)
    requested: bool                  # the unit asked to withdraw it (WithdrawalRequested)
    answered: Answered | None = None


def decide_withdrawal(state: WithdrawalState, cmd: AnswerWithdrawal, context: ReviewContext) -> list[Event]:
    facts = state.facts
    if facts is None:
        raise NotFound("未找到该推荐。", code="nomination_not_found")
    reason = cmd.reason.strip()
    if state.answered is not None:
        if (state.answered.granted, state.answered.reason) == (cmd.grant, reason):
            return []  # recorded so already
        raise Conflict(f"该撤回申请已{'同意' if state.answered.granted else '不同意'}，决定不能更改。",
                       code="withdrawal_answered")
    if facts.withdrawn:
        raise Conflict("该推荐已撤回。", code="already_withdrawn")
    if not state.requested:
        raise Conflict("推荐单位未申请撤回该推荐（或申请尚未读到，请稍后再试）。", code="no_withdrawal_request")
    if not reason:
        raise DomainError("同意或不同意撤回均须说明理由。", code="reason_required", field="reason")
    campaign = facts.target.campaign
    envelope = dict(occurred_at=context.now, campaign=campaign, key=unit_key(campaign, facts.unit_id),
                    actor=cmd.by.actor(), nomination_id=facts.nomination_id, unit_id=facts.unit_id, reason=reason)
    return [NominationWithdrawn(**envelope) if cmd.grant else WithdrawalRefused(**envelope)]


def evolve_withdrawal(state: WithdrawalState, events: Iterable[Event]) -> WithdrawalState:
    for e in events:
        if isinstance(e, (NominationWithdrawn, WithdrawalRefused)) and state.answered is None:
            state = replace(state, answered=Answered(e.nomination_id, e.campaign, isinstance(e, NominationWithdrawn),
                                                     e.reason, e.event_id))
    return state
