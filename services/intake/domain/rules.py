"""May this unit nominate this item? Every part of the answer, pure: the deadline, who may nominate to
which list for which unit, the form, eligibility, the unit's opinion, and the previously-listed rule.
The outside facts (the time, the unit's registration, earlier campaigns' listings) come as values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from contracts.campaign import Campaign
from contracts.deadline_text import deadline_text as end_text
from contracts.errors import DomainError, Forbidden
from contracts.identity import Identity
from services.intake.forms import form_errors_zh, parse_form

from .context import IntakeContext
from .item_identity import CREDIT_CODE_FIELD, Listing, identity_key, item_title


class SubmissionClosed(DomainError):
    code = "submission_closed"
    http_status = 422


class PreviouslyListed(DomainError):
    code = "previously_listed"


class FormInvalid(DomainError):
    code = "invalid_form"

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(f"申报表填写有误：{errors[0]['message']}" + (f"等{len(errors)}处" if len(errors) > 1 else ""),
                         field=errors[0]["field"] and f"form.{errors[0]['field']}")
        self.errors = [{**e, "field": f"form.{e['field']}" if e["field"] else "form"} for e in errors]


def deadline_text(campaign: Campaign) -> str:
    """The submission deadline as people write it, in the campaign's time zone (an exclusive end at
    midnight reads as 24:00 of the day before, as the notice writes 10月31日24时)."""
    return end_text(campaign.timeline.submission_closes_at, campaign.tz)


def check_open(campaign: Campaign, now: datetime) -> datetime:
    """`now`, if submissions are still open; else refuse naming the deadline."""
    if now < campaign.timeline.collection_opens_at:
        raise SubmissionClosed(f"{campaign.title}尚未开始征集。", code="collection_not_open")
    if not campaign.submissions_open(now):
        raise SubmissionClosed(f"{campaign.title}网上申报已于{deadline_text(campaign)}截止，不再受理提交、修改或撤回。")
    return now


def check_own_unit(by: Identity, unit_id: str | None) -> None:
    """A unit nominates for itself only."""
    if unit_id and unit_id != by.org:
        raise Forbidden("不能代其他单位提交推荐。", code="not_your_unit")


def registration_required(by: Identity) -> bool:
    """A unit nominates only once registered in the campaign (a review body needs no registration)."""
    return by.role == "unit"


def check_registered(by: Identity, context: IntakeContext) -> None:
    if registration_required(by) and not context.unit_registered:
        raise DomainError(f"推荐单位“{by.org}”未在本活动登记，不能推荐。", code="unknown_unit", http_status=403)


def check_nominator(campaign: Campaign, identity: Identity, list_code: str, domain: str | None) -> None:
    """Units recommend to channel lists; a separately organised list takes nominations only from its own body."""
    lst = campaign.ranking_list(list_code)
    campaign.check_target(list_code, domain)
    if lst.separately_organised:
        bodies = campaign.review_bodies(list_code, domain)
        if identity.role != "review_body" or identity.org not in {b.code for b in bodies}:
            names = "、".join(b.name for b in bodies)
            raise Forbidden(f"{lst.name}已另行组织，推荐由其评审机构（{names}）受理录入。", code="separately_organised")
    elif identity.role != "unit":
        raise Forbidden(f"{lst.name}的推荐须由推荐单位提交。", code="role_not_allowed")


def parse_nomination_form(list_code: str, domain: str | None, form: dict[str, Any]) -> BaseModel:
    """The typed form of the list; the request's list and domain fill in the form's own."""
    data = {**form}
    for key, value in (("list_code", list_code), ("domain", domain)):
        if key == "domain" and list_code != "leading_tech":
            continue
        if data.setdefault(key, value) != value:
            raise DomainError(f"申报表中的{key}（{data[key]}）与所选的（{value}）不一致。", code="form_mismatch",
                              field=f"form.{key}")
    try:
        return parse_form(data)
    except ValidationError as exc:
        raise FormInvalid(form_errors_zh(exc)) from None


def form_title(form: BaseModel, given: str | None) -> str:
    return item_title(form, given)


def check_item(campaign: Campaign, list_code: str, form: BaseModel, title: str, context: IntakeContext) -> None:
    """The item itself: eligible for the list, and not listed by an earlier campaign where that rules it out."""
    check_eligibility(campaign, list_code, form)
    if campaign.rules.previously_listed_not_renominable:
        key = identity_key(list_code, {CREDIT_CODE_FIELD: getattr(form, CREDIT_CODE_FIELD, None)}, title)
        refuse_if_listed(campaign, context.earlier_listings, key, context.campaign_titles)


def check_eligibility(campaign: Campaign, list_code: str, form: BaseModel) -> None:
    rule = campaign.eligibility(list_code)
    if rule is None:  # most lists; and on a form without the field getattr costs pydantic a raised AttributeError
        return
    founded: date | None = getattr(form, "founded_on", None)
    if founded is not None:
        after, before = rule.founded_on_or_after, rule.founded_on_or_before
        if (after and founded < after) or (before and founded > before):
            window = f"{after or '不限'}至{before or '不限'}"
            note = f"（{rule.note}）" if rule.note else ""
            raise DomainError(f"{campaign.ranking_list(list_code).name}要求成立日期在{window}之间，"
                              f"所填成立日期为{founded}{note}", code="ineligible", field="form.founded_on")


def refuse_if_listed(campaign: Campaign, earlier: Sequence[Listing], key: str, campaign_titles: Mapping[str, str]) -> None:
    """The previously-listed rule over the earlier campaigns' listings of the same item (only other
    campaigns count): the first of them is named in the refusal."""
    earlier = [item for item in earlier if item.campaign != campaign.code]
    if not campaign.rules.previously_listed_not_renominable or not earlier:
        return
    first = earlier[0]
    campaign_title = campaign_titles.get(first.campaign, first.campaign)
    list_name = campaign.ranking_list(first.list_code).name
    what = f"“{first.title}”" + ("（统一社会信用代码相同）" if key.startswith("credit:") else "")
    raise PreviouslyListed(
        f"{what}已入选{campaign_title}（{first.campaign}）{list_name}，不能再次推荐："
        f"{campaign.rules.previously_listed_reason}（previously listed）",
        field=f"form.{CREDIT_CODE_FIELD}" if key.startswith("credit:") else "title")


def require_opinion(campaign: Campaign, list_code: str, opinion: str | None) -> str:
    """Lists with channel quotas need the recommending unit's opinion (推荐意见) when it recommends."""
    text = (opinion or "").strip()
    if not text and campaign.ranking_list(list_code).quota_per_unit is not None:
        raise DomainError("推荐时须填写推荐单位意见（推荐意见）。", code="opinion_required", field="opinion")
    if len(text) > 1000:
        raise DomainError("推荐意见不能超过1000字。", code="too_long", field="opinion")
    return text


def recommended_channels(campaign: Campaign, list_code: str, unit_channels: tuple[str, ...] | None) -> tuple[str, ...]:
    """The unit's channels a nomination to `list_code` goes through (several where the unit is in several)."""
    open_to_list = campaign.open_channels(list_code)
    return tuple(c for c in open_to_list if c in (unit_channels or ()))
