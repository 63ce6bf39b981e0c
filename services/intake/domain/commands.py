"""Commands the intake accepts: imperative, plain data, already authenticated (`by`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid5

from contracts.events import AttachmentRef
from contracts.identity import Identity


@dataclass(frozen=True)
class SaveApplication:
    by: Identity
    application_id: UUID
    campaign: str
    unit_id: str
    list_code: str
    domain: str | None
    title: str | None
    form: dict[str, Any]
    attachments: tuple[AttachmentRef, ...] = ()
    creates: bool = False  # a new draft (its id fresh), not a new version of an existing one
    contact_email: str | None = None  # where the applicant is told of the unit's answer (sealed on the log)


@dataclass(frozen=True)
class SendApplication:
    by: Identity
    application_id: UUID


@dataclass(frozen=True)
class ReturnApplication:
    by: Identity
    application_id: UUID
    comments: str


@dataclass(frozen=True)
class DeclineApplication:
    by: Identity
    application_id: UUID
    reason: str


@dataclass(frozen=True)
class RecommendApplication:
    by: Identity
    application_id: UUID
    nomination_id: UUID
    opinion: str | None


@dataclass(frozen=True)
class SubmitNomination:
    by: Identity
    nomination_id: UUID
    campaign: str
    unit_id: str | None  # the unit the request names, if any: it must be the caller's own
    list_code: str
    domain: str | None
    title: str | None
    form: dict[str, Any]
    opinion: str | None = None
    attachments: tuple[AttachmentRef, ...] = ()
    event_id: UUID | None = None  # fixed by an idempotency key, so a retry repeats the same event


@dataclass(frozen=True)
class AmendNomination:
    by: Identity
    nomination_id: UUID
    list_code: str | None
    domain: str | None
    title: str | None
    form: dict[str, Any]


@dataclass(frozen=True)
class WithdrawNomination:
    by: Identity
    nomination_id: UUID
    reason: str


@dataclass(frozen=True)
class ResubmitNomination:
    """The unit resubmits a nomination returned for correction (退回补正), within the correction period."""
    by: Identity
    nomination_id: UUID


@dataclass(frozen=True)
class RequestWithdrawal:
    """After the deadline, during the review: the unit asks the secretariat to let it withdraw a nomination."""
    by: Identity
    nomination_id: UUID
    reason: str


NominationCommand = SubmitNomination | AmendNomination | WithdrawNomination | ResubmitNomination | RequestWithdrawal
ApplicationCommand = SaveApplication | SendApplication | ReturnApplication | DeclineApplication | RecommendApplication


def recommended_nomination_id(application_id: UUID) -> UUID:
    """The nomination an application becomes: one application yields at most one nomination."""
    return uuid5(application_id, "nomination")
