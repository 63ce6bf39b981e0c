"""The applicant's stage, pure: save drafts, send to the unit; the unit returns, declines or recommends.

decide(state, command, context) -> events, as every aggregate in the house.
"""

from __future__ import annotations

from typing import Any

from contracts.errors import Conflict, DomainError
from contracts.events import (
    ApplicationDeclined, ApplicationReturned, ApplicationSaved, ApplicationSentToUnit, Event, NominationSubmitted,
    unit_key,
)
from contracts.identity import Identity
from contracts.personal import applicant_contact_id

from . import rules
from .access import application_sent_to, own_application
from .commands import (
    ApplicationCommand, DeclineApplication, RecommendApplication, ReturnApplication, SaveApplication, SendApplication,
)
from .context import IntakeContext
from .model import ApplicationState

_STATUS_NAMES = {"draft": "草稿", "sent": "已报送推荐单位", "returned": "已退回修改", "declined": "推荐单位不予推荐",
                 "recommended": "已推荐"}


def decide(state: ApplicationState | None, cmd: ApplicationCommand, context: IntakeContext) -> list[Event]:
    match cmd:
        case SaveApplication():
            return decide_save(state, cmd, context)
        case SendApplication():
            return decide_send(state, cmd, context)
        case ReturnApplication():
            return decide_return(state, cmd, context)
        case DeclineApplication():
            return decide_decline(state, cmd, context)
        case RecommendApplication():
            return decide_recommend(state, cmd, context)
    raise TypeError(f"not an application command: {cmd!r}")


def _envelope(campaign: str, unit_id: str, by: Identity, now) -> dict[str, Any]:
    return dict(occurred_at=now, campaign=campaign, key=unit_key(campaign, unit_id), actor=by.actor())


def _expect(state: ApplicationState, *allowed: str) -> None:
    if state.status not in allowed:
        raise Conflict(f"该申报当前状态为“{_STATUS_NAMES[state.status]}”，不能进行此操作。", code="wrong_status")


def decide_save(state: ApplicationState | None, cmd: SaveApplication, context: IntakeContext) -> list[Event]:
    if state is not None or not cmd.creates:
        _expect(own_application(state, cmd.by), "draft", "returned")
    campaign = context.campaign
    now = rules.check_open(campaign, context.now)
    lst = campaign.ranking_list(cmd.list_code)
    campaign.check_target(cmd.list_code, cmd.domain)
    if lst.separately_organised:
        raise DomainError(f"{lst.name}已另行组织，不经推荐单位申报。", code="separately_organised", field="list_code")
    if not context.unit_registered:
        raise DomainError(f"推荐单位“{cmd.unit_id}”未在本活动登记。", code="unknown_unit", field="unit_id")
    if state is not None and state.unit_id != cmd.unit_id and state.status != "draft":
        raise Conflict("已报送过推荐单位的申报不能改投其他推荐单位。", code="unit_locked")
    form = rules.parse_nomination_form(cmd.list_code, cmd.domain, cmd.form)
    return [ApplicationSaved(
        **_envelope(campaign.code, cmd.unit_id, cmd.by, now), application_id=cmd.application_id,
        applicant_id=cmd.by.org, unit_id=cmd.unit_id, list_code=cmd.list_code, domain=cmd.domain,
        revision=(state.revision + 1) if state else 1, title=rules.form_title(form, cmd.title),
        form=form.model_dump(mode="json"), attachments=cmd.attachments,
        contact_email=context.sealer.seal(applicant_contact_id(cmd.application_id), cmd.contact_email)
        if cmd.contact_email and context.sealer else None)]


def decide_send(state: ApplicationState | None, cmd: SendApplication, context: IntakeContext) -> list[Event]:
    state = own_application(state, cmd.by)
    _expect(state, "draft", "returned")
    campaign = context.campaign
    now = rules.check_open(campaign, context.now)
    form = rules.parse_nomination_form(state.list_code, state.domain, state.form)
    rules.check_item(campaign, state.list_code, form, state.title, context)  # told early, before the unit acts
    return [ApplicationSentToUnit(**_envelope(state.campaign, state.unit_id, cmd.by, now),
                                  application_id=state.application_id, applicant_id=state.applicant_id,
                                  unit_id=state.unit_id, revision=state.revision)]


def decide_return(state: ApplicationState | None, cmd: ReturnApplication, context: IntakeContext) -> list[Event]:
    state = application_sent_to(state, cmd.by)
    _expect(state, "sent")
    now = rules.check_open(context.campaign, context.now)
    return [ApplicationReturned(**_envelope(state.campaign, state.unit_id, cmd.by, now),
                                application_id=state.application_id, unit_id=state.unit_id, comments=cmd.comments)]


def decide_decline(state: ApplicationState | None, cmd: DeclineApplication, context: IntakeContext) -> list[Event]:
    state = application_sent_to(state, cmd.by)
    _expect(state, "sent")
    return [ApplicationDeclined(**_envelope(state.campaign, state.unit_id, cmd.by, context.now),
                                application_id=state.application_id, unit_id=state.unit_id, reason=cmd.reason)]


def decide_recommend(state: ApplicationState | None, cmd: RecommendApplication,
                     context: IntakeContext) -> list[Event]:
    """The unit's recommendation: the application becomes a nomination (with the unit's opinion)."""
    state = application_sent_to(state, cmd.by)
    _expect(state, "sent")
    campaign = context.campaign
    now = rules.check_open(campaign, context.now)
    rules.check_nominator(campaign, cmd.by, state.list_code, state.domain)
    opinion = rules.require_opinion(campaign, state.list_code, cmd.opinion or state.form.get("recommending_opinion"))
    form = rules.parse_nomination_form(state.list_code, state.domain,
                                       {**state.form, "recommending_opinion": opinion or None})
    rules.check_item(campaign, state.list_code, form, state.title, context)
    return [NominationSubmitted(
        **_envelope(state.campaign, state.unit_id, cmd.by, now), nomination_id=cmd.nomination_id,
        unit_id=state.unit_id, list_code=state.list_code, domain=state.domain, title=state.title,
        form=form.model_dump(mode="json"), application_id=state.application_id, revision=1, opinion=opinion,
        attachments=state.attachments,
        channels=rules.recommended_channels(campaign, state.list_code, context.unit_channels))]
