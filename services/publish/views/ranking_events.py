"""The fields of each event the ranking views read; everything else in the event is skipped unparsed.

Ids stay text as the contracts write them (canonical UUIDs): the view tables check the form of
every key they store, and event ids only break ties. UUID objects would cost more than the fold.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec

from eventlog.consume.event_decoding import ViewEvent


class CampaignOpened(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    campaign: str
    definition: dict[str, Any]


class UnitRegistered(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    campaign: str
    unit_id: str
    name: str
    channels: tuple[str, ...]


class UnitChannelsChanged(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    campaign: str
    unit_id: str
    channels: tuple[str, ...]


class NominationSubmitted(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    campaign: str
    nomination_id: str
    unit_id: str
    list_code: str
    domain: str | None = None
    title: str
    revision: int = 1
    channels: tuple[str, ...] = ()


class NominationAmended(ViewEvent, kw_only=True):
    event_id: str
    campaign: str
    nomination_id: str
    unit_id: str
    list_code: str
    domain: str | None = None
    title: str
    revision: int


class NominationWithdrawn(ViewEvent, kw_only=True):
    occurred_at: datetime
    nomination_id: str


class NominationScreened(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    nomination_id: str
    passed: bool


class QuotaReserved(ViewEvent, kw_only=True):
    event_id: str
    nomination_id: str
    slot: int
    limit: int | None = None
    used: int
    revision: int = 1


class QuotaRejected(ViewEvent, kw_only=True):
    event_id: str
    nomination_id: str
    reason: str
    limit: int
    used: int
    revision: int = 1
    keeps_previous: bool = False


class QuotaReleased(ViewEvent, kw_only=True):
    event_id: str
    nomination_id: str
    used: int
    reason: str
    revision: int = 1


class PrelimScored(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    nomination_id: str
    aggregate: Decimal  # v2 writes decimal strings, v1 numbers: Decimal reads both exactly
    raw_sum: Decimal
    rank: int
    expert_count: int
    method: str


class PrelimResultsSubmitted(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    body_code: str
    ranked: tuple[str, ...]
    late: bool = False


class FinalDecisionRecorded(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    nomination_id: str
    selected: bool
    note: str = ""
    revision: int = 1


class PublishedEntry(msgspec.Struct, gc=False):
    nomination_id: str


class EntryCorrection(msgspec.Struct, gc=False):
    nomination_id: str
    revoked: bool = False


class ListPublished(ViewEvent, kw_only=True):
    published_at: datetime
    entries: tuple[PublishedEntry, ...]
    public_at: datetime | None = None
    corrections: tuple[EntryCorrection, ...] = ()


class OmittedTarget(msgspec.Struct, gc=False):
    domain: str | None = None


class PublicNoticeOpened(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    campaign: str
    list_code: str
    omitted: tuple[OmittedTarget, ...] = ()
