"""The unit's recommendation, pure: submit directly, amend before the deadline, withdraw with a reason."""

from __future__ import annotations

from contracts.campaign import Campaign
from contracts.errors import Conflict, DomainError, NotFound
from contracts.events import (
    Event,
    NominationAmended,
    NominationSubmitted,
    NominationWithdrawn,
    unit_key,
)
from contracts.identity import Identity
from services.intake.clock import Clock
from services.intake.forms import form_diff

from . import rules
from .commands import AmendNomination, SubmitNomination, WithdrawNomination
from .model import NominationState


def _own(state: NominationState | None, by: Identity) -> NominationState:
    """Only the nominating unit (or review body) sees its nomination; for anyone else it does not exist."""
    if state is None or state.unit_id != by.org:
        raise NotFound("未找到该推荐。", code="nomination_not_found")
    if state.withdrawn:
        raise Conflict("该推荐已撤回，不能再修改或撤回。", code="already_withdrawn")
    return state


def decide_submit(state: NominationState | None, cmd: SubmitNomination, campaign: Campaign, clock: Clock,
                  unit_known: bool) -> list[Event]:
    if state is not None:
        raise Conflict("该推荐已提交。", code="duplicate_submission")
    now = rules.check_open(campaign, clock)
    rules.check_nominator(campaign, cmd.by, cmd.list_code, cmd.domain)
    if cmd.by.role == "unit" and not unit_known:
        raise DomainError(f"推荐单位“{cmd.by.org}”未在本活动登记，不能推荐。", code="unknown_unit", http_status=403)
    form = rules.parse_nomination_form(cmd.list_code, cmd.domain, cmd.form)
    opinion = rules.require_opinion(campaign, cmd.list_code, cmd.opinion or form.recommending_opinion)
    if opinion and form.recommending_opinion != opinion:  # the request's opinion is the one recorded
        form = form.model_copy(update={"recommending_opinion": opinion})
    rules.check_eligibility(campaign, cmd.list_code, form)
    extra = {"event_id": cmd.event_id} if cmd.event_id else {}
    return [NominationSubmitted(
        **extra, occurred_at=now, campaign=cmd.campaign, key=unit_key(cmd.campaign, cmd.by.org),
        actor=cmd.by.actor(), nomination_id=cmd.nomination_id, unit_id=cmd.by.org, list_code=cmd.list_code,
        domain=cmd.domain, title=rules.form_title(form, cmd.title), form=form.model_dump(mode="json"),
        opinion=opinion, attachments=cmd.attachments)]


def decide_amend(state: NominationState | None, cmd: AmendNomination, campaign: Campaign,
                 clock: Clock) -> list[Event]:
    state = _own(state, cmd.by)
    now = rules.check_open(campaign, clock)
    list_code = cmd.list_code or state.list_code
    domain = cmd.domain if cmd.list_code or cmd.domain else state.domain
    rules.check_nominator(campaign, cmd.by, list_code, domain)
    old = rules.parse_nomination_form(state.list_code, state.domain, state.form)
    new = rules.parse_nomination_form(list_code, domain, {"recommending_opinion": state.opinion or None, **cmd.form})
    rules.require_opinion(campaign, list_code, getattr(new, "recommending_opinion", None))
    rules.check_eligibility(campaign, list_code, new)
    diff = form_diff(old, new)
    title = rules.form_title(new, cmd.title)
    if title != state.title:
        diff["title"] = (state.title, title)
    if not diff:
        raise DomainError("修改内容与当前版本相同，未产生新版本。", code="no_changes")
    return [NominationAmended(
        occurred_at=now, campaign=state.campaign, key=unit_key(state.campaign, state.unit_id), actor=cmd.by.actor(),
        nomination_id=state.nomination_id, unit_id=state.unit_id, revision=state.revision + 1, list_code=list_code,
        domain=domain, title=title, form=new.model_dump(mode="json"), diff=diff)]


def decide_withdraw(state: NominationState | None, cmd: WithdrawNomination, campaign: Campaign,
                    clock: Clock) -> list[Event]:
    state = _own(state, cmd.by)
    now = rules.check_open(campaign, clock)
    if not cmd.reason.strip():
        raise DomainError("撤回须说明理由。", code="reason_required", field="reason")
    return [NominationWithdrawn(
        occurred_at=now, campaign=state.campaign, key=unit_key(state.campaign, state.unit_id), actor=cmd.by.actor(),
        nomination_id=state.nomination_id, unit_id=state.unit_id, reason=cmd.reason.strip())]
