"""What the review decides on, as plain values: a target's state (its plan, its panel, its results),
one expert's score on one nomination, a nomination's screening, and the facts about the nominations
under review. What each event does to these states is domain/evolve.py's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple
from uuid import UUID

from contracts.events import ReviewPlanFiled

from .conflicts import NominationParties
from .targets import Target

Seat = tuple[UUID, str]  # (nomination id, expert id)


@dataclass(frozen=True)
class PanelSeat:
    active: bool                 # assigned now (an unassignment or a conflict ends it)
    conflict: str | None = None  # reason code, once a conflict is on record: the pair never sits again


@dataclass(frozen=True)
class Ranked:
    """A nomination's place in its target's submitted preliminary results (its PrelimScored)."""

    rank: int
    event_id: UUID


@dataclass(frozen=True)
class PlanReceipt:
    """The secretariat's receipt (回执) of the plan in force (its PlanAcknowledged or PlanReturned)."""

    event_id: UUID
    returned: bool


@dataclass(frozen=True)
class TargetState:
    target: Target
    plan: ReviewPlanFiled | None = None   # the plan in force (filed, and for a joint target maybe unconfirmed)
    confirmed_by: str | None = None       # the other joint body that confirmed `plan`
    scored: bool = False                  # a score has arrived: the plan is locked
    results_event_id: UUID | None = None  # the body submitted its results: review is over
    seats: Mapping[Seat, PanelSeat] = field(default_factory=dict)
    ranked: Mapping[UUID, Ranked] = field(default_factory=dict)  # by nomination, once results are submitted
    short: frozenset[UUID] = frozenset()  # nominations with a shortfall on record, not yet filled
    re_reviews: frozenset[UUID] = frozenset()  # nominations under re-review (opened, not yet closed)
    receipt: PlanReceipt | None = None    # the secretariat's receipt of `plan` (or of the plan it extends)

    @property
    def submitted(self) -> bool:
        return self.results_event_id is not None

    def active_experts(self, nomination_id: UUID) -> list[str]:
        return sorted(e for (n, e), seat in self.seats.items() if n == nomination_id and seat.active)

    def conflicted(self, nomination_id: UUID, expert_id: str) -> bool:
        seat = self.seats.get((nomination_id, expert_id))
        return seat is not None and seat.conflict is not None


@dataclass(frozen=True)
class NominationStanding:
    """Where a nomination stands for a score: its target, and whether it is under review."""

    nomination_id: UUID
    target: Target
    holds_slot: bool
    withdrawn: bool
    screened: bool | None

    @property
    def in_review(self) -> bool:
        return self.holds_slot and not self.withdrawn and self.screened is True


@dataclass(frozen=True)
class NominationFacts:
    """A nomination as the log has it, for the review: where it stands and who is party to it."""

    nomination_id: UUID
    target: Target
    unit_id: str
    title: str
    submitted_at: datetime
    holds_slot: bool              # quota reserved (or accepted onto a separately organised list)
    withdrawn: bool
    screened: bool | None         # None: not screened yet; else passed
    parties: NominationParties
    resubmitted_round: int = 0    # the last return for correction the unit has resubmitted (0: none)

    @property
    def standing(self) -> NominationStanding:
        return NominationStanding(self.nomination_id, self.target, self.holds_slot, self.withdrawn, self.screened)

    @property
    def in_review(self) -> bool:
        return self.standing.in_review


@dataclass(frozen=True)
class RecordedScore:
    """An expert's last scores on a nomination (its ExpertScoreRecorded), with the computed total."""

    nomination_id: UUID
    expert_id: str
    scores: Mapping[str, Decimal]  # by criterion
    total: Decimal
    event_id: UUID
    revision: int = 1  # its ExpertScoreRecorded's: the next revision is one more


@dataclass(frozen=True)
class ScoreState:
    """One expert's standing on one nomination: the seat, the plan's terms, what they last recorded."""

    target: TargetState
    nomination: NominationStanding | None
    recorded: RecordedScore | None = None
    under_re_review: bool = False


@dataclass(frozen=True)
class Screening:
    """A nomination's formal screening on record (its NominationScreened)."""

    nomination_id: UUID
    campaign: str
    passed: bool
    event_id: UUID


@dataclass(frozen=True)
class Returned:
    """A nomination's last return for correction (退回补正) on record (its NominationReturned)."""

    nomination_id: UUID
    campaign: str
    round: int
    correction_due_at: datetime
    event_id: UUID


class ScreeningState(NamedTuple):
    """A nomination's facts, and its screening so far; decide reads the first two (a plain pair will do)
    and the last return, if any."""

    facts: NominationFacts | None
    screened: bool | None               # None: not screened
    record: Screening | None = None     # what the store keeps of it
    returned: Returned | None = None    # the last return for correction

    @property
    def awaiting_correction(self) -> bool:
        """Returned, and the unit has not resubmitted since."""
        return (self.returned is not None and self.facts is not None
                and self.facts.resubmitted_round < self.returned.round)
