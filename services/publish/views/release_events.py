"""The fields of each event the release facts read (views/release_facts.py); the rest is skipped unparsed.

Never a private field: ObjectionFiled is not read at all (its contact must reach no view).
"""

from __future__ import annotations

from datetime import date, datetime
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


class NominationSubmitted(ViewEvent, kw_only=True):
    event_id: str
    campaign: str
    nomination_id: str
    unit_id: str
    list_code: str
    domain: str | None = None
    title: str
    form: dict[str, Any] = {}
    revision: int = 1


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


class NominationScreened(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    nomination_id: str
    passed: bool


class QuotaReserved(ViewEvent, kw_only=True):
    event_id: str
    nomination_id: str
    revision: int = 1


class QuotaRejected(ViewEvent, kw_only=True):
    event_id: str
    nomination_id: str
    revision: int = 1
    keeps_previous: bool = False


class QuotaReleased(ViewEvent, kw_only=True):
    event_id: str
    nomination_id: str
    revision: int = 1


class PrelimScored(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    nomination_id: str
    rank: int


class FinalDecisionRecorded(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    campaign: str
    nomination_id: str
    list_code: str
    domain: str | None = None
    selected: bool
    revision: int = 1


class _ByBodyOnTarget(ViewEvent, kw_only=True):
    """A review body's event on one target (list and domain)."""

    event_id: str
    occurred_at: datetime
    campaign: str
    body_code: str
    list_code: str
    domain: str | None = None


class PrelimResultsSubmitted(_ByBodyOnTarget, kw_only=True):
    ranked: tuple[str, ...]


class Criterion(msgspec.Struct, gc=False):
    code: str
    name: str
    weight: int


class ReviewPlanFiled(_ByBodyOnTarget, kw_only=True):
    criteria: tuple[Criterion, ...]
    aggregation: str
    tie_break: tuple[str, ...] = ("raw_sum", "earliest_submission")


class PublicNoticeOpened(ViewEvent, kw_only=True):
    event_id: str
    campaign: str
    notice_id: str
    list_code: str
    opens_at: datetime
    closes_at: datetime
    nominations: tuple[str, ...]


class EntryTrace(msgspec.Struct, gc=False, omit_defaults=False):
    nomination_event_id: str | None = None
    quota_event_id: str | None = None
    screening_event_id: str | None = None
    prelim_event_id: str | None = None
    decision_event_id: str | None = None
    notice_event_id: str | None = None


class ShownField(msgspec.Struct, gc=False):
    field: str
    label: str
    value: str


class PublishedEntry(msgspec.Struct, gc=False):
    nomination_id: str
    title: str
    unit_id: str
    domain: str | None = None
    holder_org: str | None = None
    unit_name: str | None = None
    trace: EntryTrace | None = None
    region: str | None = None
    shown: tuple[ShownField, ...] = ()


class FactChange(msgspec.Struct, gc=False, omit_defaults=False):
    field: str
    after: str
    before: str | None = None


class EntryCorrection(msgspec.Struct, gc=False, omit_defaults=False):
    nomination_id: str
    title: str
    reason: str
    changes: tuple[FactChange, ...] = ()
    revoked: bool = False


class EntriesCorrected(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    campaign: str
    list_code: str
    reason: str
    corrections: tuple[EntryCorrection, ...]


class ListPublished(ViewEvent, kw_only=True):
    event_id: str
    campaign: str
    list_code: str
    entries: tuple[PublishedEntry, ...]
    published_at: datetime
    version: int = 1
    reason: str = ""
    released_on: date | None = None
    public_at: datetime | None = None
    corrections: tuple[EntryCorrection, ...] = ()


class NewsPublished(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    campaign: str
    news_id: str
    title: str
    body: str
    publish_at: datetime
