"""The later notices, pure: what the final review, the public notice, the release and the objections make due,
and the review bodies' and experts' acknowledgements and re-review requests.

A decision is told to the nomination's unit once the list's notice opens (never before: until then the result
is the secretariat's), whichever the notifier reads first of the decision and the notice; the unit is named by
the nomination (`nomination_recipient`) and found when the message is sent. An objector is known only by the
objection (contracts.personal.objector_id): their name and contact are opened with that key at send time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from contracts.events import (
    ApplicationDeclined, ApplicationReturned, FinalDecisionRecorded, NominationSubmitted, ListPublished, ObjectionFiled, ObjectionResolved, PublicNoticeOpened, ReReviewOpened,
    PlanAcknowledged, PlanReturned, ReviewPlanFiled, target_key,
)
from contracts.personal import objector_id

from .notices import Nomination, Notice, expert_recipient, recipient_of
from .reminders import body_recipient


@dataclass(frozen=True)
class NoticeWindow:
    """A list's open public notice as the notifier keeps it."""

    campaign: str
    list_code: str
    notice_id: str
    opens_at: datetime
    closes_at: datetime
    omitted: tuple[str, ...] = ()   # domains ("" for the list without) the notice was opened without


@dataclass(frozen=True)
class Objection:
    """An objection as it stands at send time: resolved or not (the acknowledgement goes either way)."""

    objection_id: str
    nomination_id: str
    title: str
    resolved: bool


@dataclass(frozen=True)
class Rereview:
    """An expert's part in a re-review as it stands: closed, or rescored by the expert since it opened."""

    nomination_id: str
    expert_id: str
    title: str
    closed: bool
    rescored: bool


@dataclass(frozen=True)
class Application:
    """An application as it stands at send time: what a return is answered by (sending it again)."""

    application_id: str
    unit_id: str
    title: str
    sent_revision: int
    unit_name: str = ""


@dataclass(frozen=True)
class Acknowledged:
    """A subject with nothing to check again at send time (a plan filed: it stays filed)."""

    subject: str


def nomination_recipient(campaign: str, nomination_id: str) -> str:
    """The unit that recommended a nomination, named by the nomination: found when the message is sent."""
    return f"nomination:{campaign}:{nomination_id}"


def window_of(event: PublicNoticeOpened) -> NoticeWindow:
    return NoticeWindow(event.campaign, event.list_code, str(event.notice_id), event.opens_at, event.closes_at,
                        tuple(t.domain or "" for t in event.omitted))


def decision_notices(window: NoticeWindow, listed: Iterable[str], not_selected: Iterable[Nomination],
                     at: datetime) -> list[Notice]:
    """At a notice's opening: each nomination on it is told it was selected (公示中), each of the list's
    nominations decided not selected is told so — but not those of a domain the notice was opened without."""
    facts = {"list_code": window.list_code, "opens_at": window.opens_at.isoformat(),
             "closes_at": window.closes_at.isoformat()}
    found = [Notice(nomination_recipient(window.campaign, n), n, "decision_selected", 1, window.campaign, at, facts)
             for n in listed]
    found += [Notice(nomination_recipient(window.campaign, n.nomination_id), n.nomination_id, "decision_not_selected",
                     1, window.campaign, at, facts)
              for n in not_selected if (n.domain or "") not in window.omitted]
    return found


def late_decision_notices(event: FinalDecisionRecorded, window: NoticeWindow | None) -> list[Notice]:
    """A not-selected decision read after its list's notice opened (the notifier read the notice first)."""
    if window is None or event.selected or (event.domain or "") in window.omitted:
        return []
    return decision_notices(window, (), [Nomination(str(event.nomination_id), event.campaign, "", domain=event.domain)],
                            event.occurred_at)


def applicant_recipient(application_id) -> str:
    """The applicant's contact, known by the application (contracts.personal.applicant_contact_id)."""
    return f"applicant:{application_id}"


def application_notices(event: ApplicationReturned | ApplicationDeclined | NominationSubmitted,
                        sent_revision: int) -> list[Notice]:
    """The applicant told the unit's answer: returned (once per revision sent), declined, recommended."""
    match event:
        case ApplicationReturned():
            return [Notice(applicant_recipient(event.application_id), str(event.application_id),
                           "application_returned", max(sent_revision, 1), event.campaign, event.occurred_at,
                           {"comments": event.comments, "unit_id": event.unit_id})]
        case ApplicationDeclined():
            return [Notice(applicant_recipient(event.application_id), str(event.application_id),
                           "application_declined", 1, event.campaign, event.occurred_at,
                           {"reason": event.reason, "unit_id": event.unit_id})]
        case NominationSubmitted() if event.application_id:
            return [Notice(applicant_recipient(event.application_id), str(event.application_id),
                           "application_recommended", 1, event.campaign, event.occurred_at,
                           {"unit_id": event.unit_id, "nomination_id": str(event.nomination_id)})]
    return []


def released_notices(event: ListPublished) -> list[Notice]:
    """Each listed entry's unit is told once, at the first version listing it; an embargoed version not before
    its instant (`not_before`)."""
    facts = {"list_code": event.list_code, "version": event.version,
             "released_on": event.released_on.isoformat() if event.released_on else None}
    if event.public_at is not None:
        facts["not_before"] = event.public_at.isoformat()
    return [Notice(recipient_of(event.campaign, e.unit_id), str(e.nomination_id), "released", 1, event.campaign,
                   event.occurred_at, facts) for e in event.entries]


def objection_notices(event: ObjectionFiled | ObjectionResolved) -> list[Notice]:
    recipient = objector_id(event.objection_id)
    if isinstance(event, ObjectionFiled):
        return [Notice(recipient, str(event.objection_id), "objection_received", 1, event.campaign, event.occurred_at,
                       {"nomination_id": str(event.nomination_id), "grounds": event.grounds})]
    return [Notice(recipient, str(event.objection_id), "objection_resolved", 1, event.campaign, event.occurred_at,
                   {"nomination_id": str(event.nomination_id), "upheld": event.upheld, "note": event.note})]


def plan_notices(event: ReviewPlanFiled) -> list[Notice]:
    """The filing body is told its plan is on record (备案), once per plan filed (an extension is another)."""
    target = target_key(event.campaign, event.list_code, event.domain)
    return [Notice(body_recipient(event.campaign, event.body_code), str(event.event_id), "plan_filed", 1,
                   event.campaign, event.occurred_at,
                   {"body_code": event.body_code, "list_code": event.list_code, "domain": event.domain,
                    "target": target, "experts": len(event.roster), "extends": bool(event.extends)})]


def receipt_notices(event: PlanAcknowledged | PlanReturned) -> list[Notice]:
    """The filing body is told the secretariat's receipt (回执) of its plan: acknowledged, or returned with the
    reasons (it must file again); once per receipt."""
    returned = isinstance(event, PlanReturned)
    facts = {"body_code": event.body_code, "list_code": event.list_code, "domain": event.domain,
             "target": target_key(event.campaign, event.list_code, event.domain),
             "plan_event_id": str(event.plan_event_id)}
    facts |= {"reasons": list(event.reasons)} if returned else {"note": event.note}
    return [Notice(body_recipient(event.campaign, event.body_code), str(event.event_id),
                   "plan_returned" if returned else "plan_acknowledged", 1, event.campaign, event.occurred_at, facts)]


def rereview_notices(event: ReReviewOpened, opened_before: int) -> list[Notice]:
    """Each expert asked to revisit a score, and each expert added, is asked once per re-review of the nomination
    (round: the nomination's n-th re-review)."""
    round = opened_before + 1
    facts = {"body_code": event.body_code, "list_code": event.list_code, "domain": event.domain,
             "spread": str(event.spread), "threshold": str(event.threshold), "reason": event.reason}
    return [Notice(expert_recipient(event.campaign, expert), str(event.nomination_id), "re_review", round,
                   event.campaign, event.occurred_at, {**facts, "added": expert in event.added})
            for expert in dict.fromkeys((*event.revisit, *event.added))]
