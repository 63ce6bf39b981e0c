"""Opening a list's public notice (公示), pure.

The notice opens only when the list is ready (readiness.py): every target's results submitted and
every nomination they rank decided. Otherwise the refusal names the targets and nominations outstanding;
the secretariat may proceed without a named outstanding target only with a reason, recorded on the
event, and the notice then lists none of that target's nominations.

The notice shows the nominations the secretariat selected in final review (the latest
FinalDecisionRecorded of each, by revision; withdrawn ones never), for at least the campaign's
`public_notice_min_days`: it opens now and closes at the later of now + that many days and the
campaign's planned `notice_closes_at`. Refused also: before any decision on the list, with nothing
selected, while a notice of the list is open, and once the list is published.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from contracts.campaign import Campaign
from contracts.errors import Conflict, DomainError
from contracts.events import Actor, Event, OmittedTarget, PublicNoticeOpened, list_key

from .model import EntryFacts, ListState
from .objections import NOTE_LIMIT, clean
from .order import release_order
from .readiness import Outstanding, TargetProgress, list_targets, outstanding


@dataclass(frozen=True)
class Omission:
    """Proceed without this target (its domain; None for a list without domains), for this reason."""

    domain: str | None
    reason: str


@dataclass(frozen=True)
class OpenNotice:
    notice_id: UUID
    list_code: str
    omit: tuple[Omission, ...] = ()


@dataclass(frozen=True)
class NoticeContext:
    now: datetime
    campaign: Campaign
    actor: Actor
    decided: tuple[EntryFacts, ...]   # every nomination of the list with a final decision, as the log has it
    progress: Mapping[str | None, TargetProgress] = field(default_factory=dict)  # by domain: targets under way


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
    waiting = outstanding(campaign, command.list_code, context.progress, (f.nomination_id for f in context.decided))
    omitted = _omissions(campaign, command, waiting)
    waiting = tuple(w for w in waiting if w.domain not in omitted)
    decided = [f for f in context.decided if f.domain not in omitted]
    if not decided:
        raise DomainError(f"{lst.name}尚无终评结果，不能开启公示。请先录入终评决定。{_naming(waiting)}",
                          code="decisions_missing", http_status=409, errors=[w.as_problem() for w in waiting] or None)
    if waiting:
        raise DomainError(f"{lst.name}尚有评审未完成，不能开启公示：{'，'.join(w.describe() for w in waiting)}。"
                          "待其完成后再开启；如确需先行公示，须逐项说明不等待的领域及原因。",
                          code="review_outstanding", http_status=409, errors=[w.as_problem() for w in waiting])
    selected = [f for f in decided if f.selected and not f.withdrawn]
    if not selected:
        raise DomainError(f"{lst.name}的终评结果中没有入选项目，无需公示。", code="nothing_selected", http_status=409)
    opens_at, closes_at = notice_window(campaign, now)
    ordered = release_order(campaign, command.list_code, selected)
    return [PublicNoticeOpened(
        notice_id=command.notice_id, list_code=command.list_code, opens_at=opens_at, closes_at=closes_at,
        nominations=tuple(s.nomination_id for s in ordered),
        omitted=tuple(OmittedTarget(domain=d, reason=r) for d, r in omitted.items()),
        occurred_at=now, campaign=campaign.code, key=list_key(campaign.code, command.list_code), actor=context.actor)]


def _naming(waiting: tuple[Outstanding, ...]) -> str:
    return f"尚未完成：{'，'.join(w.describe() for w in waiting)}。" if waiting else ""


def _omissions(campaign: Campaign, command: OpenNotice, waiting: tuple[Outstanding, ...]) -> dict[str | None, str]:
    """The targets to proceed without, by domain, with their cleaned reasons; each must be one outstanding."""
    names = dict(list_targets(campaign, command.list_code))
    outstanding_domains = {w.domain for w in waiting}
    out: dict[str | None, str] = {}
    for i, o in enumerate(command.omit):
        at = f"omit[{i}]"
        if o.domain not in names:
            raise DomainError(f"{campaign.ranking_list(command.list_code).name}没有领域 {o.domain}。",
                              code="unknown_domain", field=f"{at}.domain")
        if o.domain in out:
            raise DomainError(f"{names[o.domain]}重复列出。", code="duplicate_target", field=f"{at}.domain")
        if o.domain not in outstanding_domains:
            raise DomainError(f"{names[o.domain]}的评审已完成，无须说明不等待的原因；请勿列出。",
                              code="target_not_outstanding", field=f"{at}.domain")
        reason = clean(o.reason, multiline=True)
        if not reason:
            raise DomainError(f"不等待{names[o.domain]}即开启公示，须说明原因。", code="reason_required",
                              field=f"{at}.reason")
        if len(reason) > NOTE_LIMIT:
            raise DomainError(f"原因不超过 {NOTE_LIMIT} 字。", code="reason_too_long", field=f"{at}.reason")
        out[o.domain] = reason
    return out
