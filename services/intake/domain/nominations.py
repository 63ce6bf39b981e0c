"""The unit's recommendation, pure: submit directly, amend before the deadline (or, returned for
correction, until the correction deadline: domain/corrections.py), withdraw with a reason, resubmit.

decide(state, command, context) -> events, as every aggregate in the house.
"""

from __future__ import annotations

from contracts.errors import Conflict, DomainError
from contracts.events import Event, NominationAmended, NominationSubmitted, NominationWithdrawn, WithdrawalRequested, unit_key
from services.intake.forms import form_diff

from . import corrections, rules
from .access import own_nomination
from .commands import (AmendNomination, NominationCommand, RequestWithdrawal, ResubmitNomination, SubmitNomination,
                       WithdrawNomination)
from .context import IntakeContext
from .model import NominationState


def decide(state: NominationState | None, cmd: NominationCommand, context: IntakeContext) -> list[Event]:
    match cmd:
        case SubmitNomination():
            return decide_submit(state, cmd, context)
        case AmendNomination():
            return decide_amend(state, cmd, context)
        case WithdrawNomination():
            return decide_withdraw(state, cmd, context)
        case ResubmitNomination():
            return corrections.decide_resubmit(state, cmd, context)
        case RequestWithdrawal():
            return decide_withdrawal_request(state, cmd, context)
    raise TypeError(f"not a nomination command: {cmd!r}")


def decide_submit(state: NominationState | None, cmd: SubmitNomination, context: IntakeContext) -> list[Event]:
    if state is not None:
        raise Conflict("该推荐已提交。", code="duplicate_submission")
    campaign = context.campaign
    rules.check_own_unit(cmd.by, cmd.unit_id)
    now = rules.check_open(campaign, context.now)
    rules.check_nominator(campaign, cmd.by, cmd.list_code, cmd.domain)
    rules.check_registered(cmd.by, context)
    form = rules.parse_nomination_form(cmd.list_code, cmd.domain, cmd.form)
    opinion = rules.require_opinion(campaign, cmd.list_code, cmd.opinion or form.recommending_opinion)
    if opinion and form.recommending_opinion != opinion:  # the request's opinion is the one recorded
        form = form.model_copy(update={"recommending_opinion": opinion})
    title = rules.form_title(form, cmd.title)
    rules.check_item(campaign, cmd.list_code, form, title, context)
    extra = {"event_id": cmd.event_id} if cmd.event_id else {}
    return [NominationSubmitted(
        **extra, occurred_at=now, campaign=campaign.code, key=unit_key(campaign.code, cmd.by.org),
        actor=cmd.by.actor(), nomination_id=cmd.nomination_id, unit_id=cmd.by.org, list_code=cmd.list_code,
        domain=cmd.domain, title=title, form=form.model_dump(mode="json"), opinion=opinion,
        attachments=cmd.attachments,
        channels=rules.recommended_channels(campaign, cmd.list_code, context.unit_channels))]


def decide_amend(state: NominationState | None, cmd: AmendNomination, context: IntakeContext) -> list[Event]:
    state = own_nomination(state, cmd.by)
    campaign = context.campaign
    correcting = corrections.correcting(state, campaign, context.now)
    now = corrections.check_correction_open(state, context.now) if correcting else rules.check_open(campaign,
                                                                                                  context.now)
    list_code = cmd.list_code or state.list_code
    domain = cmd.domain if cmd.list_code or cmd.domain else state.domain
    if correcting:
        corrections.check_target_kept(state, list_code, domain)
    rules.check_nominator(campaign, cmd.by, list_code, domain)
    old = rules.parse_nomination_form(state.list_code, state.domain, state.form)
    new = rules.parse_nomination_form(list_code, domain, {"recommending_opinion": state.opinion or None, **cmd.form})
    rules.require_opinion(campaign, list_code, getattr(new, "recommending_opinion", None))
    diff = form_diff(old, new)
    title = rules.form_title(new, cmd.title)
    rules.check_item(campaign, list_code, new, title, context)
    if title != state.title:
        diff["title"] = (state.title, title)
    if not diff:
        raise DomainError("修改内容与当前版本相同，未产生新版本。", code="no_changes")
    return [NominationAmended(
        occurred_at=now, campaign=state.campaign, key=unit_key(state.campaign, state.unit_id), actor=cmd.by.actor(),
        nomination_id=state.nomination_id, unit_id=state.unit_id, revision=state.revision + 1, list_code=list_code,
        domain=domain, title=title, form=new.model_dump(mode="json"), diff=diff)]


def decide_withdraw(state: NominationState | None, cmd: WithdrawNomination, context: IntakeContext) -> list[Event]:
    state = own_nomination(state, cmd.by)
    now = rules.check_open(context.campaign, context.now)
    if not cmd.reason.strip():
        raise DomainError("撤回须说明理由。", code="reason_required", field="reason")
    return [NominationWithdrawn(
        occurred_at=now, campaign=state.campaign, key=unit_key(state.campaign, state.unit_id), actor=cmd.by.actor(),
        nomination_id=state.nomination_id, unit_id=state.unit_id, reason=cmd.reason.strip())]


def decide_withdrawal_request(state: NominationState | None, cmd: RequestWithdrawal,
                              context: IntakeContext) -> list[Event]:
    """After the deadline the unit may no longer withdraw by itself: it asks, once, and the secretariat decides
    (services/review/domain/withdrawals.py). Before the deadline it withdraws directly."""
    state = own_nomination(state, cmd.by)
    campaign, now = context.campaign, context.now
    if state.withdrawn:
        raise Conflict("该推荐已撤回。", code="already_withdrawn")
    if now < campaign.timeline.collection_opens_at or campaign.submissions_open(now):
        raise Conflict("网上申报截止前可直接撤回推荐（POST /v1/nominations/{id}/withdraw），无需申请。",
                       code="withdraw_directly")
    if state.withdrawal == "requested":
        raise Conflict("已申请撤回该推荐，正待秘书处决定。", code="withdrawal_pending")
    if state.withdrawal == "refused":
        raise Conflict(f"秘书处已不同意撤回该推荐（{state.withdrawal_answer}），不能再次申请。",
                       code="withdrawal_refused")
    reason = cmd.reason.strip()
    if not reason:
        raise DomainError("申请撤回须说明理由。", code="reason_required", field="reason")
    return [WithdrawalRequested(
        occurred_at=now, campaign=state.campaign, key=unit_key(state.campaign, state.unit_id), actor=cmd.by.actor(),
        nomination_id=state.nomination_id, unit_id=state.unit_id, reason=reason)]
