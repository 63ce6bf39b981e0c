"""The applicant's stage, pure: save drafts, send to the unit; the unit returns, declines or recommends."""

from __future__ import annotations

from typing import Any

from contracts.campaign import Campaign
from contracts.errors import Conflict, DomainError, NotFound
from contracts.events import (
    ApplicationDeclined,
    ApplicationReturned,
    ApplicationSaved,
    ApplicationSentToUnit,
    Event,
    NominationSubmitted,
    unit_key,
)
from contracts.identity import Identity
from services.intake.clock import Clock

from . import rules
from .commands import (
    DeclineApplication,
    RecommendApplication,
    ReturnApplication,
    SaveApplication,
    SendApplication,
)
from .model import ApplicationState

_STATUS_NAMES = {"draft": "草稿", "sent": "已报送推荐单位", "returned": "已退回修改", "declined": "推荐单位不予推荐",
                 "recommended": "已推荐"}


def _envelope(state_campaign: str, unit_id: str, by: Identity, clock_now) -> dict[str, Any]:
    return dict(occurred_at=clock_now, campaign=state_campaign, key=unit_key(state_campaign, unit_id),
                actor=by.actor())


def _not_found() -> NotFound:
    return NotFound("未找到该申报。", code="application_not_found")


def _own(state: ApplicationState | None, by: Identity) -> ApplicationState:
    """The applicant's own application; anyone else's looks like no application at all."""
    if state is None or state.applicant_id != by.org:
        raise _not_found()
    return state


def _sent_to(state: ApplicationState | None, by: Identity) -> ApplicationState:
    if state is None or state.unit_id != by.org or not state.ever_sent:
        raise _not_found()
    return state


def _expect(state: ApplicationState, *allowed: str) -> None:
    if state.status not in allowed:
        raise Conflict(f"该申报当前状态为“{_STATUS_NAMES[state.status]}”，不能进行此操作。", code="wrong_status")


def decide_save(state: ApplicationState | None, cmd: SaveApplication, campaign: Campaign, clock: Clock,
                unit_known: bool) -> list[Event]:
    if state is not None:
        _expect(_own(state, cmd.by), "draft", "returned")
    now = rules.check_open(campaign, clock)
    lst = campaign.ranking_list(cmd.list_code)
    campaign.check_target(cmd.list_code, cmd.domain)
    if lst.separately_organised:
        raise DomainError(f"{lst.name}已另行组织，不经推荐单位申报。", code="separately_organised", field="list_code")
    if not unit_known:
        raise DomainError(f"推荐单位“{cmd.unit_id}”未在本活动登记。", code="unknown_unit", field="unit_id")
    if state is not None and state.unit_id != cmd.unit_id and state.status != "draft":
        raise Conflict("已报送过推荐单位的申报不能改投其他推荐单位。", code="unit_locked")
    form = rules.parse_nomination_form(cmd.list_code, cmd.domain, cmd.form)
    return [ApplicationSaved(
        **_envelope(cmd.campaign, cmd.unit_id, cmd.by, now), application_id=cmd.application_id,
        applicant_id=cmd.by.org, unit_id=cmd.unit_id, list_code=cmd.list_code, domain=cmd.domain,
        revision=(state.revision + 1) if state else 1, title=rules.form_title(form, cmd.title),
        form=form.model_dump(mode="json"), attachments=cmd.attachments)]


def decide_send(state: ApplicationState | None, cmd: SendApplication, campaign: Campaign, clock: Clock) -> list[Event]:
    state = _own(state, cmd.by)
    _expect(state, "draft", "returned")
    now = rules.check_open(campaign, clock)
    form = rules.parse_nomination_form(state.list_code, state.domain, state.form)
    rules.check_eligibility(campaign, state.list_code, form)
    return [ApplicationSentToUnit(**_envelope(state.campaign, state.unit_id, cmd.by, now),
                                  application_id=state.application_id, applicant_id=state.applicant_id,
                                  unit_id=state.unit_id, revision=state.revision)]


def decide_return(state: ApplicationState | None, cmd: ReturnApplication, campaign: Campaign,
                  clock: Clock) -> list[Event]:
    state = _sent_to(state, cmd.by)
    _expect(state, "sent")
    now = rules.check_open(campaign, clock)
    return [ApplicationReturned(**_envelope(state.campaign, state.unit_id, cmd.by, now),
                                application_id=state.application_id, unit_id=state.unit_id, comments=cmd.comments)]


def decide_decline(state: ApplicationState | None, cmd: DeclineApplication, campaign: Campaign,
                   clock: Clock) -> list[Event]:
    state = _sent_to(state, cmd.by)
    _expect(state, "sent")
    return [ApplicationDeclined(**_envelope(state.campaign, state.unit_id, cmd.by, clock.now()),
                                application_id=state.application_id, unit_id=state.unit_id, reason=cmd.reason)]


def decide_recommend(state: ApplicationState | None, cmd: RecommendApplication, campaign: Campaign,
                     clock: Clock) -> list[Event]:
    """The unit's recommendation: the application becomes a nomination (with the unit's opinion)."""
    state = _sent_to(state, cmd.by)
    _expect(state, "sent")
    now = rules.check_open(campaign, clock)
    rules.check_nominator(campaign, cmd.by, state.list_code, state.domain)
    opinion = rules.require_opinion(campaign, state.list_code, cmd.opinion or state.form.get("recommending_opinion"))
    form = rules.parse_nomination_form(state.list_code, state.domain,
                                       {**state.form, "recommending_opinion": opinion or None})
    rules.check_eligibility(campaign, state.list_code, form)
    return [NominationSubmitted(
        **_envelope(state.campaign, state.unit_id, cmd.by, now), nomination_id=cmd.nomination_id,
        unit_id=state.unit_id, list_code=state.list_code, domain=state.domain, title=state.title,
        form=form.model_dump(mode="json"), application_id=state.application_id, revision=1, opinion=opinion,
        attachments=state.attachments)]
