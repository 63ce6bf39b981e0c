"""The fields of each event a nomination's audit reads: who acted (the actor, with the person), when, and
why; never a form, a score sheet or an objector's name and contact. Defaults are the contracts' own, for
fields an old event lacks (an actor from before persons has none)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec

from eventlog.consume.event_decoding import ViewEvent


class Actor(msgspec.Struct, gc=False):
    role: str
    id: str
    person: str | None = None


class _Audited(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    actor: Actor
    causation_id: str | None = None


class _OnNomination(_Audited, kw_only=True):
    nomination_id: str


class NominationSubmitted(_OnNomination, kw_only=True):
    title: str
    revision: int = 1


class NominationAmended(_OnNomination, kw_only=True):
    revision: int
    diff: dict[str, Any] = {}


class NominationWithdrawn(_OnNomination, kw_only=True):
    reason: str


class WithdrawalRequested(_OnNomination, kw_only=True):
    reason: str


class WithdrawalRefused(_OnNomination, kw_only=True):
    reason: str


class NominationScreened(_OnNomination, kw_only=True):
    passed: bool
    reasons: tuple[str, ...] = ()


class NominationReturned(_OnNomination, kw_only=True):
    reasons: tuple[str, ...] = ()
    correction_due_at: datetime
    round: int = 1


class NominationResubmitted(_OnNomination, kw_only=True):
    round: int
    revision: int


class QuotaReserved(_OnNomination, kw_only=True):
    slot: int
    limit: int | None = None
    used: int
    revision: int = 1


class QuotaRejected(_OnNomination, kw_only=True):
    reason: str
    message: str
    revision: int = 1
    keeps_previous: bool = False


class QuotaReleased(_OnNomination, kw_only=True):
    reason: str
    revision: int = 1


class _OnSeat(_OnNomination, kw_only=True):
    expert_id: str


class ExpertAssigned(_OnSeat, kw_only=True):
    solver_input_hash: str | None = None


class ExpertUnassigned(_OnSeat, kw_only=True):
    reason: str


class ConflictDeclared(_OnSeat, kw_only=True):
    reason_code: str = ""  # v1 has none: its upcaster derives it from `automatic`
    reason: str = ""


class SeatShortfallRecorded(_OnNomination, kw_only=True):
    seats_needed: int
    experts_needed: int
    max_load_needed: int | None = None
    left_by: str | None = None


class ExpertScoreRecorded(_OnSeat, kw_only=True):
    total: Decimal
    revises: str | None = None
    reason: str = ""


class PrelimScored(_OnNomination, kw_only=True):
    aggregate: Decimal
    rank: int
    divergent: bool = False


class ReReviewOpened(_OnNomination, kw_only=True):
    spread: Decimal
    threshold: Decimal
    revisit: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    reason: str = ""


class ReReviewClosed(_OnNomination, kw_only=True):
    spread: Decimal | None = None
    threshold: Decimal
    cleared: bool
    reason: str = ""


class PrelimGap(msgspec.Struct, gc=False):
    nomination_id: str
    reason: str
    note: str = ""


class PrelimResultsSubmitted(_Audited, kw_only=True):
    ranked: tuple[str, ...]
    late: bool = False
    gaps: tuple[PrelimGap, ...] = ()


class FinalDecisionRecorded(_OnNomination, kw_only=True):
    selected: bool
    note: str = ""
    revision: int = 1


class PublicNoticeOpened(_Audited, kw_only=True):
    notice_id: str  # v1 upcasts it from the event id
    closes_at: datetime
    nominations: tuple[str, ...]


class ObjectionFiled(_OnNomination, kw_only=True):
    objection_id: str
    grounds: str  # the objector's name and contact are not read: the secretariat has them in the objections list


class ObjectionResolved(_OnNomination, kw_only=True):
    objection_id: str
    upheld: bool
    note: str = ""


class PublishedEntry(msgspec.Struct, gc=False):
    nomination_id: str


class FactChange(msgspec.Struct, gc=False):
    field: str


class EntryCorrection(msgspec.Struct, gc=False):
    nomination_id: str
    reason: str
    changes: tuple[FactChange, ...] = ()
    revoked: bool = False


class EntriesCorrected(_Audited, kw_only=True):
    corrections: tuple[EntryCorrection, ...]
    reason: str


class ListPublished(_Audited, kw_only=True):
    entries: tuple[PublishedEntry, ...]
    version: int = 1
    reason: str = ""
    corrections: tuple[EntryCorrection, ...] = ()
