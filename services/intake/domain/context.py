"""The outside facts an intake decision needs, handed to `decide` as values (never a clock or a lookup)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from contracts.campaign import Campaign
from contracts.personal import Sealer

from .item_identity import Listing


@dataclass(frozen=True)
class IntakeContext:
    now: datetime
    campaign: Campaign
    unit_channels: tuple[str, ...] | None = None   # the recommending unit's channels; None: not registered
    earlier_listings: tuple[Listing, ...] = ()     # earlier campaigns' listings of the item put forward
    campaign_titles: Mapping[str, str] = field(default_factory=dict)  # for messages naming other campaigns
    sealer: Sealer | None = None  # seals personal fields (an applicant's contact) with their person's key

    @property
    def unit_registered(self) -> bool:
        return self.unit_channels is not None
