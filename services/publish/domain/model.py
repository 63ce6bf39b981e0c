"""The publish service's write-side state of one list, and the facts from the log its decisions read.

A list's aggregate (one list of one campaign) is its notices, the objections to them and its published
versions, as the service's own tables hold them (what each event does to it: domain/evolve.py). The facts are values read from the service's own
projection of the log (views/release_facts.py): who decided what, what each nomination is called.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from contracts.personal import Sealed

from contracts.events import EntryCorrection, PublishedEntry


@dataclass(frozen=True)
class Notice:
    """One public notice (公示) of a list: its window and the nominations it shows."""

    notice_id: UUID
    list_code: str
    opens_at: datetime
    closes_at: datetime          # exclusive: at closes_at the notice no longer takes objections
    nominations: tuple[UUID, ...]
    event_id: UUID               # the PublicNoticeOpened

    def open_at(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


@dataclass(frozen=True)
class Objection:
    objection_id: UUID
    notice_id: UUID
    nomination_id: UUID
    event_id: UUID               # the ObjectionFiled
    upheld: bool | None = None   # None: not resolved yet
    resolution_event_id: UUID | None = None
    # The objector and the grounds as filed (name and contact sealed with the objector's key; `contact` is
    # private: only the secretariat's list shows it), and the resolution's note and time.
    name: Sealed | None = None
    organisation: str = ""
    contact: Sealed | None = None
    grounds: str = ""
    filed_at: datetime | None = None
    note: str | None = None
    resolved_at: datetime | None = None

    @property
    def resolved(self) -> bool:
        return self.upheld is not None


@dataclass(frozen=True)
class Version:
    """One published version of the list (a ListPublished)."""

    version: int
    event_id: UUID
    published_at: datetime
    nominations: tuple[UUID, ...]
    public_at: datetime | None = None   # embargoed until then (domain/embargo.py); None: public at once
    entries: tuple[PublishedEntry, ...] = ()         # as published: what a later correction starts from
    corrections: tuple[EntryCorrection, ...] = ()    # what this version corrected


@dataclass(frozen=True)
class ListState:
    campaign: str
    list_code: str
    notices: tuple[Notice, ...] = ()         # in the order they were opened
    objections: tuple[Objection, ...] = ()   # in the order they were filed
    versions: tuple[Version, ...] = ()       # ascending
    pending: tuple[EntryCorrection, ...] = ()  # corrected before the release, which will carry them (EntriesCorrected)

    @property
    def latest_notice(self) -> Notice | None:
        return self.notices[-1] if self.notices else None

    @property
    def published(self) -> bool:
        return bool(self.versions)

    @property
    def corrections_in_effect(self) -> tuple[EntryCorrection, ...]:
        """Every correction made to the list's entries, in the order made."""
        return (*(c for v in self.versions for c in v.corrections), *self.pending)

    def open_notice(self, now: datetime) -> Notice | None:
        return next((n for n in reversed(self.notices) if n.open_at(now)), None)

    def notice(self, notice_id: UUID) -> Notice | None:
        return next((n for n in self.notices if n.notice_id == notice_id), None)

    def objection(self, objection_id: UUID) -> Objection | None:
        return next((o for o in self.objections if o.objection_id == objection_id), None)

    def objections_to(self, notice_id: UUID) -> tuple[Objection, ...]:
        return tuple(o for o in self.objections if o.notice_id == notice_id)


@dataclass(frozen=True)
class EntryFacts:
    """What the log says about one nomination, as a published entry shows and traces it."""

    nomination_id: UUID
    list_code: str
    domain: str | None
    title: str
    unit_id: str
    unit_name: str | None
    holder_org: str | None
    selected: bool | None = None              # the latest final decision (by revision); None: none recorded
    withdrawn: bool = False
    trace: dict[str, UUID | None] = field(default_factory=dict)  # stage -> event id (EntryTrace fields)
    region: str | None = None
    shown: tuple[tuple[str, str, str], ...] = ()  # consented (field, label, value): domain/publication.py
