"""The outside facts a review decision needs, handed to `decide` as values (never a clock or a lookup)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from contracts.campaign import Campaign
from contracts.personal import Sealer

from .model import NominationFacts, Seat


@dataclass(frozen=True)
class ReviewContext:
    now: datetime
    campaign: Campaign | None = None  # the target's campaign as it stands now (not needed to screen)
    nominations: Mapping[UUID, NominationFacts] = field(default_factory=dict)  # the target's, or the one named
    totals: Mapping[Seat, Decimal] = field(default_factory=dict)              # recorded weighted totals
    sealer: Sealer | None = None  # a plan's filing: holds its roster's experts' keys
