"""What the intake decides on: an application's and a nomination's state, folded from their events."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from contracts.events import (
    ApplicationDeclined,
    ApplicationReturned,
    ApplicationSaved,
    ApplicationSentToUnit,
    AttachmentRef,
    Event,
    NominationAmended,
    NominationResubmitted,
    NominationSubmitted,
    NominationWithdrawn,
    WithdrawalRefused,
    WithdrawalRequested,
)

ApplicationStatus = Literal["draft", "sent", "returned", "declined", "recommended"]


@dataclass(frozen=True)
class ApplicationState:
    application_id: UUID
    campaign: str
    applicant_id: str
    unit_id: str
    list_code: str
    domain: str | None
    title: str
    form: dict[str, Any]
    attachments: tuple[AttachmentRef, ...]
    revision: int
    status: ApplicationStatus
    comments: str = ""                 # the unit's last return comments or decline reason
    nomination_id: UUID | None = None  # set once the unit recommends it
    ever_sent: bool = False            # the unit sees an application from its first sending on
    created_at: datetime | None = None
    updated_at: datetime | None = None


ScreeningVerdict = Literal["passed", "failed", "returned"]


@dataclass(frozen=True)
class ScreeningOutcome:
    """The secretariat's last screening outcome (形式审查) on a nomination, as the review's events said it:
    passed, failed, or returned for correction (退回补正) with its deadline and round."""

    verdict: ScreeningVerdict
    reasons: tuple[str, ...] = ()
    correction_due_at: datetime | None = None  # returned: the exclusive end of the correction period
    return_round: int = 0                      # returned: which return this is (1, 2, …)
    at: datetime | None = None


@dataclass(frozen=True)
class NominationState:
    nomination_id: UUID
    campaign: str
    unit_id: str                 # the recommending unit, or the review body of a separately organised list
    list_code: str
    domain: str | None
    title: str
    form: dict[str, Any]
    opinion: str
    attachments: tuple[AttachmentRef, ...]
    revision: int
    actor_role: str
    application_id: UUID | None = None
    withdrawn: bool = False
    withdraw_reason: str = ""
    submitted_at: datetime | None = None
    updated_at: datetime | None = None
    resubmitted_round: int = 0                # the last return for correction the unit resubmitted
    # A withdrawal asked for during the review: "requested" (pending) or "refused" (final); granted, it is
    # `withdrawn`. The unit's reason, and the secretariat's answer to a refusal.
    withdrawal: str | None = None
    withdrawal_reason: str = ""
    withdrawal_answer: str = ""
    screening: ScreeningOutcome | None = None  # the review's, projected beside the state (never saved with it)

    @property
    def awaiting_correction(self) -> bool:
        """Returned for correction, and not resubmitted since."""
        s = self.screening
        return s is not None and s.verdict == "returned" and s.return_round > self.resubmitted_round


def evolve_application(state: ApplicationState | None, event: Event) -> ApplicationState | None:
    after = _evolve_application(state, event)
    if state is not None and state.status == "recommended" and after is not state \
            and not isinstance(event, NominationSubmitted):
        # Only when the recommendation (on the nominations topic) was folded before the application's
        # own earlier events (a projection reading that topic first): it came last, so it stands.
        return recommended(after, state.nomination_id, state.updated_at)
    return after


def recommended(state: ApplicationState, nomination_id: UUID | None, at: datetime | None) -> ApplicationState:
    """The application as the unit's recommendation (its NominationSubmitted) leaves it."""
    return replace(state, status="recommended", nomination_id=nomination_id, updated_at=at)


def _evolve_application(state: ApplicationState | None, event: Event) -> ApplicationState | None:
    match event:
        case ApplicationSaved():
            base = dict(campaign=event.campaign, applicant_id=event.applicant_id, unit_id=event.unit_id,
                        list_code=event.list_code, domain=event.domain, title=event.title, form=event.form,
                        attachments=event.attachments, updated_at=event.occurred_at)
            if state is None:
                return ApplicationState(application_id=event.application_id, revision=event.revision,
                                        status="draft", created_at=event.occurred_at, **base)
            return replace(state, revision=max(state.revision, event.revision), status="draft", **base)
        case ApplicationSentToUnit() if state is not None:
            return replace(state, status="sent", ever_sent=True, updated_at=event.occurred_at)
        case ApplicationReturned() if state is not None:
            return replace(state, status="returned", comments=event.comments, updated_at=event.occurred_at)
        case ApplicationDeclined() if state is not None:
            return replace(state, status="declined", comments=event.reason, updated_at=event.occurred_at)
        case NominationSubmitted() if state is not None and event.application_id == state.application_id:
            return recommended(state, event.nomination_id, event.occurred_at)
    return state


def evolve_nomination(state: NominationState | None, event: Event) -> NominationState | None:
    match event:
        case NominationSubmitted() if state is None:
            return NominationState(
                nomination_id=event.nomination_id, campaign=event.campaign, unit_id=event.unit_id,
                list_code=event.list_code, domain=event.domain, title=event.title, form=event.form,
                opinion=event.opinion, attachments=event.attachments, revision=event.revision,
                actor_role=event.actor.role, application_id=event.application_id,
                submitted_at=event.occurred_at, updated_at=event.occurred_at)
        case NominationAmended() if state is not None and event.revision > state.revision:
            opinion = event.form.get("recommending_opinion") or state.opinion
            return replace(state, revision=event.revision, list_code=event.list_code, domain=event.domain,
                           title=event.title, form=event.form, opinion=opinion, updated_at=event.occurred_at)
        case NominationWithdrawn() if state is not None:
            return replace(state, withdrawn=True, withdraw_reason=event.reason, updated_at=event.occurred_at)
        case NominationResubmitted() if state is not None and event.round > state.resubmitted_round:
            return replace(state, resubmitted_round=event.round, updated_at=event.occurred_at)
        case WithdrawalRequested() if state is not None and state.withdrawal is None:
            return replace(state, withdrawal="requested", withdrawal_reason=event.reason, updated_at=event.occurred_at)
        case WithdrawalRefused() if state is not None:
            return replace(state, withdrawal="refused", withdrawal_answer=event.reason, updated_at=event.occurred_at)
    return state
