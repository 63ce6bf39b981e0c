"""Commands the intake accepts: imperative, plain data, already authenticated (`by`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

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
