"""The fields of each event the review views read; everything else in the event is skipped unparsed.

Ids stay text as the contracts write them: the view tables check every uuid key they store.
Scores are `Decimal`, which reads v2's decimal strings and older numbers exactly and keeps their
places ("87.50" stays 87.50). Defaults are the contracts' own, for fields an old event lacks.
The bases below only share field declarations; the decoder reads the concrete classes.

An old version that does not fit a struct is upcast first (event_decoding).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec

from eventlog.consume.event_decoding import ViewEvent


class _Fact(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime


class _OnNomination(_Fact, kw_only=True):
    nomination_id: str


class _OnPanel(_OnNomination, kw_only=True):
    expert_id: str


class _OnTarget(_Fact, kw_only=True):
    campaign: str
    body_code: str
    list_code: str
    domain: str | None = None


class Attachment(msgspec.Struct, gc=False):
    name: str
    size: int
    media_type: str
    sha256: str


class NominationSubmitted(_OnNomination, kw_only=True):
    campaign: str
    unit_id: str
    list_code: str
    domain: str | None = None
    title: str
    form: dict[str, Any] = {}
    revision: int = 1
    attachments: tuple[Attachment, ...] = ()
    channels: tuple[str, ...] = ()


class NominationAmended(ViewEvent, kw_only=True):
    event_id: str
    campaign: str
    nomination_id: str
    unit_id: str
    list_code: str
    domain: str | None = None
    title: str
    form: dict[str, Any] = {}
    revision: int


class NominationWithdrawn(ViewEvent, kw_only=True):
    occurred_at: datetime
    nomination_id: str


class WithdrawalRequested(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    nomination_id: str
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


class _QuotaDecision(ViewEvent, kw_only=True):
    event_id: str
    nomination_id: str
    revision: int = 1


class QuotaReserved(_QuotaDecision, kw_only=True):
    pass


class QuotaRejected(_QuotaDecision, kw_only=True):
    reason: str
    keeps_previous: bool = False


class QuotaReleased(_QuotaDecision, kw_only=True):
    reason: str


class Criterion(msgspec.Struct, gc=False, omit_defaults=True):  # a plan without descriptions folds as before
    code: str
    name: str
    weight: int | float  # v1: a fraction of 1, upcast to whole percent
    description: str = ""


class RosterExpert(msgspec.Struct, gc=False):
    expert_id: str  # the roster is only counted here; names and affiliations stay in the log


class ReviewPlanFiled(_OnTarget, kw_only=True):
    criteria: tuple[Criterion, ...]
    score_min: int = 0
    score_max: int = 100
    experts_per_item: int = 7
    aggregation: str
    trim_min_scores: int = 5
    divergence_threshold: Decimal | None = None
    tie_break: tuple[str, ...] | str = ("raw_sum", "earliest_submission")  # v1: one rule, upcast to a tuple
    max_load: int | None = None
    roster: tuple[RosterExpert, ...] = ()
    extends: str | None = None
    document: Attachment | None = None  # v4: the 方案 document


class ReviewPlanConfirmed(_OnTarget, kw_only=True):
    plan_event_id: str


class PlanAcknowledged(_OnTarget, kw_only=True):
    plan_event_id: str
    note: str = ""


class PlanReturned(_OnTarget, kw_only=True):
    plan_event_id: str
    reasons: tuple[str, ...]


class ExpertAssigned(_OnPanel, kw_only=True):
    campaign: str
    key: str
    body_code: str
    list_code: str | None = None
    domain: str | None = None
    solver_input_hash: str | None = None


class ExpertUnassigned(_OnPanel, kw_only=True):
    campaign: str
    body_code: str
    list_code: str
    domain: str | None = None


class ConflictDeclared(_OnPanel, kw_only=True):
    reason_code: str = ""  # v1 has none: its upcaster derives it from `automatic`
    reason: str = ""


class SeatShortfallRecorded(_OnNomination, kw_only=True):
    seats_needed: int
    eligible: int
    max_load: int
    experts_needed: int
    max_load_needed: int | None = None
    left_by: str | None = None


class ReReviewOpened(_OnNomination, kw_only=True):
    spread: Decimal
    threshold: Decimal
    reason: str = ""


class ReReviewClosed(_OnNomination, kw_only=True):
    spread: Decimal | None = None
    threshold: Decimal
    cleared: bool
    reason: str = ""


class ExpertScoreRecorded(_OnPanel, kw_only=True):
    scores: dict[str, Decimal]
    total: Decimal
    revision: int = 1


class PrelimScored(_OnNomination, kw_only=True):
    aggregate: Decimal
    raw_sum: Decimal
    rank: int
    expert_count: int
    method: str
    divergent: bool = False


class PrelimGap(msgspec.Struct, gc=False):
    nomination_id: str
    reason: str
    note: str = ""


class PrelimResultsSubmitted(_OnTarget, kw_only=True):
    ranked: tuple[str, ...]
    late: bool = False
    gaps: tuple[PrelimGap, ...] = ()


class CommitteeVote(msgspec.Struct, gc=False):
    eligible: int
    present: int
    yes: int
    no: int
    recused: int = 0
    abstain: int = 0


class FinalDecisionRecorded(_OnNomination, kw_only=True):
    selected: bool
    note: str = ""
    revision: int = 1
    vote: CommitteeVote | None = None
    sitting_id: str | None = None


class UnitRegistered(_Fact, kw_only=True):
    campaign: str
    unit_id: str
    name: str


class PublicNoticeOpened(_Fact, kw_only=True):
    campaign: str
    list_code: str
    nominations: tuple[str, ...] = ()
