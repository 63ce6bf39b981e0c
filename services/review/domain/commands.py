"""Commands the review accepts: imperative, plain data, already authenticated (`by`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from contracts.identity import Identity

from .targets import Target


@dataclass(frozen=True)
class Screen:
    """The secretariat's formal screening (形式审查) of one nomination."""
    by: Identity
    nomination_id: UUID
    passed: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReturnForCorrection:
    """The secretariat returns one nomination to its unit for correction (退回补正) until a deadline."""
    by: Identity
    nomination_id: UUID
    reasons: tuple[str, ...]
    correction_due_at: datetime  # exclusive: the instant the correction period ends


@dataclass(frozen=True)
class FilePlan:
    by: Identity
    target: Target
    terms: Mapping[str, Any]  # ReviewPlanFiled's payload: criteria, score range, aggregation, roster, …


@dataclass(frozen=True)
class ConfirmPlan:
    by: Identity
    target: Target
    plan_event_id: UUID
    note: str = ""


@dataclass(frozen=True)
class AssignAutomatically:
    by: Identity
    target: Target
    max_load: int | None = None  # overrides the plan's for this run


@dataclass(frozen=True)
class AssignExpert:
    by: Identity
    target: Target
    nomination_id: UUID
    expert_id: str


@dataclass(frozen=True)
class UnassignExpert:
    by: Identity
    target: Target
    nomination_id: UUID
    expert_id: str
    reason: str


@dataclass(frozen=True)
class DeclareConflict:
    """An expert declares a conflict with a nomination; they leave it and another takes the seat."""
    by: Identity
    target: Target
    nomination_id: UUID
    reason_code: str
    reason: str = ""


@dataclass(frozen=True)
class RecordScore:
    by: Identity
    target: Target
    nomination_id: UUID
    scores: Mapping[str, Decimal] = field(default_factory=dict)
    reason: str = ""  # why a score is revised; required while the nomination is under re-review


@dataclass(frozen=True)
class OpenReReview:
    """The body asks for a divergent nomination to be reviewed again: experts to revisit, or to add."""
    by: Identity
    target: Target
    nomination_id: UUID
    revisit: tuple[str, ...] = ()
    add: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class CloseReReview:
    by: Identity
    target: Target
    nomination_id: UUID
    reason: str = ""  # required while the nomination still diverges


@dataclass(frozen=True)
class SubmitResults:
    by: Identity
    target: Target
    reason: str = ""  # required when some nominations lack their scores
    re_review_reasons: Mapping[UUID, str] = field(default_factory=dict)  # per nomination still under re-review


@dataclass(frozen=True)
class ReceivePlan:
    """The secretariat's receipt (回执) of the plan in force: acknowledged, or returned with reasons."""
    by: Identity
    target: Target
    plan_event_id: UUID
    acknowledged: bool
    reasons: tuple[str, ...] = ()
    note: str = ""


PanelCommand = AssignAutomatically | AssignExpert | UnassignExpert | DeclareConflict
TargetCommand = (FilePlan | ConfirmPlan | ReceivePlan | PanelCommand | OpenReReview | CloseReReview
                 | SubmitResults)
