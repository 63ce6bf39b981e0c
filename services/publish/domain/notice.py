"""Opening a list's public notice (公示), pure.

The notice shows the nominations the secretariat selected in final review (the latest
FinalDecisionRecorded of each, by revision; withdrawn ones never), for at least the campaign's
`public_notice_min_days`: it opens now and closes at the later of now + that many days and the
campaign's planned `notice_closes_at`. Refused: before any decision on the list, with nothing
selected, while a notice of the list is open, and once the list is published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from contracts.campaign import Campaign
from contracts.errors import Conflict, DomainError
from contracts.events import Actor, Event, PublicNoticeOpened, list_key

from .model import EntryFacts, ListState
from .order import release_order


@dataclass(frozen=True)
class OpenNotice:
    notice_id: UUID
    list_code: str


@dataclass(frozen=True)
class NoticeContext:
    now: datetime
    campaign: Campaign
    actor: Actor
    decided: tuple[EntryFacts, ...]   # every nomination of the list with a final decision, as the log has it


def notice_window(campaign: Campaign, now: datetime) -> tuple[datetime, datetime]:
    """Opens now; closes no sooner than the minimum days, and not before the campaign's planned close."""
    closes = now + timedelta(days=campaign.rules.public_notice_min_days)
    planned = campaign.timeline.notice_closes_at
    return now, max(closes, planned) if planned is not None else closes


def decide(state: ListState, command: OpenNotice, context: NoticeContext) -> list[Event]:
    campaign, now = context.campaign, context.now
    lst = campaign.ranking_list(command.list_code)
    if state.published:
        raise Conflict(f"{lst.name}已正式发布，不能再开启公示。", code="list_already_published")
    if (open_notice := state.open_notice(now)) is not None:
        raise Conflict(f"{lst.name}的公示正在进行中（至 {open_notice.closes_at.astimezone(campaign.tz):%Y-%m-%d %H:%M}），"
                       "不能重复开启。", code="notice_already_open")
    if not context.decided:
        raise DomainError(f"{lst.name}尚无终评结果，不能开启公示。请先录入终评决定。", code="decisions_missing",
                          http_status=409)
    selected = [f for f in context.decided if f.selected and not f.withdrawn]
    if not selected:
        raise DomainError(f"{lst.name}的终评结果中没有入选项目，无需公示。", code="nothing_selected", http_status=409)
    opens_at, closes_at = notice_window(campaign, now)
    ordered = release_order(campaign, command.list_code, selected)
    return [PublicNoticeOpened(
        notice_id=command.notice_id, list_code=command.list_code, opens_at=opens_at, closes_at=closes_at,
        nominations=tuple(s.nomination_id for s in ordered),
        occurred_at=now, campaign=campaign.code, key=list_key(campaign.code, command.list_code), actor=context.actor)]

