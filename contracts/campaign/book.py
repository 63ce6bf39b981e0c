"""The campaigns topic folded into a CampaignBook: each campaign's definition and timeline history.

Pure: `evolve(book, event) -> book` over CampaignOpened / CampaignTimelineChanged (the decisions the
operator CLI makes before publishing live in decisions.py). Every service
folds the same topic, so all of them see the same campaign; `book.as_of(code, at)` gives the campaign
as it stood at an event's `occurred_at`, so a replay decides exactly as the live run did.

Folding never raises: an event the decisions would have refused (a second, different definition for
an open code — possible only through a race between two operators — or a timeline change that does
not validate) is ignored deterministically and listed in `book.ignored`. The first definition wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any
from uuid import UUID

from contracts.campaign.file import CampaignFileError, campaign_from_dict
from contracts.campaign.model import Campaign, CampaignChangeError
from contracts.errors import NotFound
from contracts.events import CampaignOpened, CampaignTimelineChanged, Event


class UnknownCampaign(NotFound):
    code = "unknown_campaign"


@dataclass(frozen=True)
class CampaignVersion:
    """The campaign as one event left it; `changes` and `reason` are empty for the opening."""

    campaign: Campaign
    event_id: UUID
    effective_at: datetime
    changes: Mapping[str, datetime] = field(default_factory=dict)
    reason: str = ""


@dataclass(frozen=True)
class CampaignBook:
    versions: Mapping[str, tuple[CampaignVersion, ...]] = field(default_factory=lambda: MappingProxyType({}))
    ignored: tuple[tuple[UUID, str], ...] = ()  # (event id, why) for events the fold refused

    @property
    def codes(self) -> tuple[str, ...]:
        """Campaign codes in the order they were opened."""
        return tuple(self.versions)

    def __contains__(self, code: object) -> bool:
        return code in self.versions

    def history(self, code: str) -> tuple[CampaignVersion, ...]:
        if code not in self.versions:
            shown = "".join(c for c in code if c.isprintable())  # echoed: never a control character or U+0000
            raise UnknownCampaign(f"未找到活动：{shown}（unknown campaign; load it with `kczg campaign load`）",
                                  field="campaign")
        return self.versions[code]

    def opened(self, code: str) -> Campaign:
        """The definition as loaded, before any timeline change."""
        return self.history(code)[0].campaign

    def as_of(self, code: str, at: datetime | None = None) -> Campaign:
        """The campaign now, or as it stood at `at` (changes that occurred later are not applied)."""
        versions = self.history(code)
        if at is None:
            return versions[-1].campaign
        current = versions[0]
        for version in versions[1:]:
            if version.effective_at <= at:
                current = version
        return current.campaign


def evolve(book: CampaignBook, event: Event) -> CampaignBook:
    if isinstance(event, CampaignOpened):
        return _opened(book, event)
    if isinstance(event, CampaignTimelineChanged):
        return _timeline_changed(book, event)
    return book


def fold(events: Any, book: CampaignBook | None = None) -> CampaignBook:
    book = book or CampaignBook()
    for event in events:
        book = evolve(book, event)
    return book


def _with(book: CampaignBook, code: str, version: CampaignVersion) -> CampaignBook:
    versions = dict(book.versions)
    versions[code] = (*versions.get(code, ()), version)
    return CampaignBook(MappingProxyType(versions), book.ignored)


def _ignore(book: CampaignBook, event: Event, why: str) -> CampaignBook:
    return CampaignBook(book.versions, (*book.ignored, (event.event_id, why)))


def _opened(book: CampaignBook, event: CampaignOpened) -> CampaignBook:
    try:
        campaign = campaign_from_dict(event.definition, source=f"event {event.event_id}")
    except CampaignFileError as e:
        return _ignore(book, event, e.message)
    if campaign.code in book:
        if book.opened(campaign.code) == campaign:
            return book  # the same definition again: a no-op
        return _ignore(book, event, f"活动 {campaign.code} 已以不同定义开启（first definition wins）")
    return _with(book, campaign.code, CampaignVersion(campaign, event.event_id, event.occurred_at))


def _timeline_changed(book: CampaignBook, event: CampaignTimelineChanged) -> CampaignBook:
    if event.campaign not in book:
        return _ignore(book, event, f"未知活动：{event.campaign}（unknown campaign）")
    try:
        changed = book.as_of(event.campaign).with_changes(**event.changes)
    except CampaignChangeError as e:
        return _ignore(book, event, e.message)
    return _with(book, event.campaign, CampaignVersion(changed, event.event_id, event.occurred_at,
                                                       dict(event.changes), event.reason))
