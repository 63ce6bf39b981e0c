"""Who must be told what, pure: each event -> the notices it makes due (notices_for), the notifier's picture of a
nomination folded from the log (evolve), and, at send time, whether a notice is still due (still_due).

A notice's key is (recipient, subject, kind, round): the recipient a party (a unit of a campaign: its address
is looked up when the notice is sent), the subject what it is about (a nomination), the round which of
several like events (a nomination's second return is round 2). The key is unique in the notifier's outbox,
so an event read twice makes one notice, and the e-mail's Message-ID is derived from it (message_id), so a
resend after a crash is the same message at the receiving end.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from contracts.events import (
    Event, ExpertAssigned, FinalDecisionRecorded, NominationResubmitted, NominationReturned, NominationScreened, NominationSubmitted,
    NominationWithdrawn, QuotaRejected, QuotaReserved, UnitRegistered, target_key,
)

# kind -> what it tells, in a line (the templates say it in full)
KINDS = {
    "nomination_received": "推荐已收到",
    "over_quota": "超出推荐名额，未被受理",
    "screening_passed": "形式审查通过",
    "screening_failed": "形式审查未通过（附理由）",
    "returned_for_correction": "退回补正（附理由与截止时间）",
    "expert_assigned": "专家受邀评审（附待评推荐与截止时间）",
    "results_due": "初评结果报送提醒（截止前 7、3、1 天）",
    "results_late": "初评结果逾期未报送",
    "decision_selected": "终评结果：入选，公示中（公示开始时告知）",
    "decision_not_selected": "终评结果：未入选（公示开始时告知）",
    "released": "榜单正式发布：入选",
    "collection_deadline": "推荐截止提醒（截止前 7、1 天，尚有待处理申报或未用名额的单位）",
    "plan_filed": "评审工作方案已备案",
    "plan_acknowledged": "秘书处回执：评审工作方案已确认",
    "plan_returned": "秘书处回执：评审工作方案被退回（附理由，须重新备案）",
    "expert_reminder": "评分提醒（尚有未评推荐，截止前 7、3、1 天，至多 2 次）",
    "re_review": "复评请求",
    "objection_received": "异议已收到",
    "objection_resolved": "异议处理结果",
    "secretariat_digest": "秘书处每日简报（逾期机构、未处理异议、被拒收地址）",
    "application_returned": "申报被推荐单位退回修改（附意见）",
    "application_declined": "推荐单位不予推荐（附理由）",
    "application_recommended": "推荐单位已推荐",
    "package_sent": "定向推介：上榜项目推介手册与清单（可退订）",
}
# about one nomination, to its unit
UNIT_KINDS = frozenset({"nomination_received", "over_quota", "screening_passed", "screening_failed",
                        "returned_for_correction", "decision_selected", "decision_not_selected", "released"})


@dataclass(frozen=True)
class Party:
    """Someone told: a unit or an expert, by the name to address them with and their address (None: none given)."""

    recipient: str
    name: str
    contact_email: str | None


@dataclass(frozen=True)
class Seat:
    nomination_id: str
    title: str          # "" while the nomination's submission is not read yet
    scored: bool


@dataclass(frozen=True)
class BodyTarget:
    """A body's preliminary results on one target, as they stand at send time."""

    body_code: str
    target: str
    submitted: bool


@dataclass(frozen=True)
class ExpertSeats:
    """An expert's seats on one review target, as they stand: what an assignment notice lists, and whether it is
    still due (nobody is told to score what they no longer hold or have scored)."""

    expert_id: str
    seats: tuple[Seat, ...]


@dataclass(frozen=True)
class Unit:
    campaign: str
    unit_id: str
    name: str
    contact_email: str | None


@dataclass(frozen=True)
class Nomination:
    """What the notifier knows of one nomination: enough to word a notice and to tell whether it is still due."""

    nomination_id: str
    campaign: str
    unit_id: str
    title: str = ""
    list_code: str = ""
    domain: str | None = None
    withdrawn: bool = False
    returned_round: int = 0      # the latest return for correction (0: never returned)
    resubmitted_round: int = 0   # the latest return the unit answered by resubmitting
    quota_rejected: int = 0      # the latest revision refused over quota (0: none)
    reserved_revision: int = 0   # the latest revision a slot was reserved for
    selected: bool | None = None  # the final decision (None: none yet)


@dataclass(frozen=True)
class Notice:
    recipient: str
    subject: str
    kind: str
    round: int
    campaign: str
    occurred_at: datetime
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.recipient, self.subject, self.kind, self.round)


def recipient_of(campaign: str, unit_id: str) -> str:
    return f"unit:{campaign}:{unit_id}"


def expert_recipient(campaign: str, expert_id: str) -> str:
    return f"expert:{campaign}:{expert_id}"


def message_id(recipient: str, subject: str, kind: str, round: int, domain: str = "notify.kczg.cloud") -> str:
    """The Message-ID of the notice with this key: the same on every send, so a resend is recognisable."""
    digest = hashlib.sha256(f"{recipient}\x1f{subject}\x1f{kind}\x1f{round}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"  # short enough never to be folded onto a second header line


def notices_for(event: Event, known: Nomination | None) -> list[Notice]:
    """The notices `event` makes due, given what was known of its nomination before it."""
    def notice(kind: str, round: int, **facts: Any) -> Notice:
        return Notice(recipient_of(event.campaign, event.unit_id), str(event.nomination_id), kind, round,
                      event.campaign, event.occurred_at, facts)

    match event:
        case NominationSubmitted():
            return [notice("nomination_received", 1)]
        case QuotaRejected(reason="over_quota", keeps_previous=False):
            return [notice("over_quota", event.revision, limit=event.limit, used=event.used,
                           list_code=event.list_code, domain=event.domain)]
        case NominationScreened():
            round = (known.returned_round if known else 0) + 1  # the screening after the n-th return is round n+1
            if event.passed:
                return [notice("screening_passed", round)]
            return [notice("screening_failed", round, reasons=list(event.reasons))]
        case NominationReturned():
            return [notice("returned_for_correction", event.round, reasons=list(event.reasons),
                           correction_due_at=event.correction_due_at.isoformat())]
        case ExpertAssigned():
            # One notice per expert and target, whatever the number of seats: it lists them when it is sent.
            target = target_key(event.campaign, event.list_code or "", event.domain)
            return [Notice(expert_recipient(event.campaign, event.expert_id), target, "expert_assigned", 1,
                           event.campaign, event.occurred_at,
                           {"body_code": event.body_code, "list_code": event.list_code, "domain": event.domain})]
    return []


def evolve(known: Nomination | None, event: Event) -> Nomination | None:
    match event:
        case NominationSubmitted():
            base = known or Nomination(str(event.nomination_id), event.campaign, event.unit_id)
            return replace(base, unit_id=event.unit_id, title=event.title, list_code=event.list_code,
                           domain=event.domain)
        case UnitRegistered():
            return known
        case FinalDecisionRecorded():  # may be read before the submission (another topic): the unit comes then
            base = known or Nomination(str(event.nomination_id), event.campaign, "", list_code=event.list_code,
                                       domain=event.domain)
            return replace(base, selected=event.selected)
    if known is None:
        known = Nomination(str(event.nomination_id), event.campaign, event.unit_id)
    match event:
        case NominationWithdrawn():
            return replace(known, withdrawn=True)
        case NominationReturned():
            return replace(known, returned_round=max(known.returned_round, event.round))
        case NominationResubmitted():
            return replace(known, resubmitted_round=max(known.resubmitted_round, event.round))
        case QuotaRejected(reason="over_quota", keeps_previous=False):
            return replace(known, quota_rejected=max(known.quota_rejected, event.revision))
        case QuotaReserved():
            return replace(known, reserved_revision=max(known.reserved_revision, event.revision))
    return known


def still_due(notice: Notice, now: Nomination | ExpertSeats | BodyTarget | None, at: datetime | None = None,
              max_age: timedelta | None = None) -> str | None:
    """None if the notice is still due given what is known of its subject at send time `at`, else why not (a
    machine code): nobody is told what no longer holds or reminded of what they have done — nor, when its
    event is older than `max_age` (a notifier started on a log years long), of history."""
    if at is not None and max_age is not None and at - notice.occurred_at > max_age:
        return "stale"
    if now is None:
        return None
    if isinstance(now, BodyTarget):
        if now.submitted:
            return "already_submitted"
        if notice.kind == "results_due" and at is not None and at >= datetime.fromisoformat(notice.facts["due_at"]):
            return "past_deadline"  # being late is told by results_late, not by a reminder after the fact
        return None
    if isinstance(now, ExpertSeats):
        if not now.seats:
            return "unassigned"
        if all(seat.scored for seat in now.seats):
            return "already_scored"
        return None
    if now.withdrawn:
        return "withdrawn"
    match notice.kind:
        case "returned_for_correction" if now.resubmitted_round >= notice.round:
            return "already_resubmitted"
        case "over_quota" if now.reserved_revision > notice.round:
            return "reserved_since"
    return None
