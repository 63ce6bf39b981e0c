"""Returns for correction (退回补正), the unit's side, pure: a nomination the secretariat returned may be
amended after the campaign deadline, until its correction deadline, and resubmitted, when it goes back
to screening; and what the unit is told of each screening outcome, in Chinese."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.campaign import Campaign
from contracts.deadline_text import BEIJING, deadline_text
from contracts.errors import Conflict, DomainError
from contracts.events import NominationResubmitted, unit_key

from .access import own_nomination
from .commands import ResubmitNomination
from .context import IntakeContext
from .model import NominationState, ScreeningOutcome


class CorrectionClosed(DomainError):
    code = "correction_closed"
    http_status = 422


def correcting(state: NominationState, campaign: Campaign, now: datetime) -> bool:
    """Changed under the correction period rather than the campaign's: returned, not yet resubmitted, and
    the campaign's submissions closed."""
    return state.awaiting_correction and now >= campaign.timeline.collection_opens_at \
        and not campaign.submissions_open(now)


def check_correction_open(state: NominationState, now: datetime) -> datetime:
    """`now`, if the correction period of the nomination's last return is still open; else refuse naming
    its end."""
    due = state.screening.correction_due_at
    if now >= due:
        raise CorrectionClosed(f"该推荐的补正期限已于{deadline_text(due)}截止，不再受理修改或重新提交。")
    return now


def check_target_kept(state: NominationState, list_code: str, domain: str | None) -> None:
    """A correction corrects the form: moving to another list or domain would be a new, late nomination."""
    if (list_code, domain) != (state.list_code, state.domain):
        raise DomainError("补正期间不能更改推荐的榜单或领域。", code="correction_keeps_target", field="list_code")


def decide_resubmit(state: NominationState | None, cmd: ResubmitNomination,
                    context: IntakeContext) -> list[NominationResubmitted]:
    state = own_nomination(state, cmd.by)
    if not state.awaiting_correction:
        raise Conflict("该推荐未被退回补正（或已重新提交），无需重新提交。", code="not_returned")
    now = check_correction_open(state, context.now)
    return [NominationResubmitted(
        occurred_at=now, campaign=state.campaign, key=unit_key(state.campaign, state.unit_id), actor=cmd.by.actor(),
        nomination_id=state.nomination_id, unit_id=state.unit_id, round=state.screening.return_round,
        revision=state.revision)]


def screening_notice(outcome: ScreeningOutcome | None, resubmitted_round: int) -> dict[str, Any] | None:
    """What the unit reads of its nomination's screening (None: no outcome yet): the state, the reasons,
    the correction deadline of a return, and a message in Chinese."""
    if outcome is None:
        return None
    reasons = list(outcome.reasons)
    because = "：" + "；".join(r.rstrip("。；;. ") for r in reasons) if reasons else ""
    notice: dict[str, Any] = {"state": outcome.verdict, "reasons": reasons, "correction_due_at": None}
    if outcome.verdict == "passed":
        return {**notice, "message": "形式审查通过。"}
    if outcome.verdict == "failed":
        return {**notice, "message": f"形式审查未通过{because}。"}
    due = deadline_text(outcome.correction_due_at)
    notice["correction_due_at"] = outcome.correction_due_at.astimezone(BEIJING).isoformat()
    if outcome.return_round <= resubmitted_round:
        return {**notice, "state": "resubmitted", "message": f"已按退回补正意见重新提交，等待形式审查（退回理由{because}）。"}
    return {**notice, "message": f"形式审查退回补正{because}。请在{due}前修改并重新提交，逾期不再受理。"}
