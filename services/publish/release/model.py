"""What a release is made of: plain frozen values, already in release order.

The publish service builds these from its published-list view; everything under release/ renders
them and nothing else, so the same Release always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class EntryTrace:
    """Ids of the events behind one listed entry (empty where a stage had none)."""

    nomination: tuple[str, ...] = ()
    quota: tuple[str, ...] = ()
    screening: tuple[str, ...] = ()
    prelim: tuple[str, ...] = ()
    decision: tuple[str, ...] = ()
    notice: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReleaseEntry:
    """One listed item: `holder_org` holds or applied for it, `unit_*` recommended it."""

    nomination_id: str
    title: str
    domain: str | None
    domain_name: str | None
    holder_org: str
    unit_id: str
    unit_name: str
    trace: EntryTrace = EntryTrace()


@dataclass(frozen=True)
class FactCorrected:
    field: str                 # title, holder_org, unit_name
    before: str | None
    after: str


@dataclass(frozen=True)
class Correction:
    """What a version corrected of one entry, and why: facts changed, or the entry revoked (撤销)."""

    nomination_id: str
    title: str                 # the entry's title before the correction
    revoked: bool
    changes: tuple[FactCorrected, ...]
    reason: str


@dataclass(frozen=True)
class ListRelease:
    """One version of one published list; a correction is a new version with a reason."""

    campaign: str
    campaign_title: str
    list_code: str
    list_name: str
    version: int
    reason: str | None
    released_on: date
    event_id: str                       # the ListPublished event this version comes from
    entries: tuple[ReleaseEntry, ...]   # grouped by domain, ordered by recommending unit
    corrections: tuple[Correction, ...] = ()   # what this version corrected (made before it, for a first release)


@dataclass(frozen=True)
class Release:
    """The current version of each published list of a campaign, in campaign list order."""

    campaign: str
    campaign_title: str
    lists: tuple[ListRelease, ...]

    @property
    def released_on(self) -> date:
        """The date the files carry: that of the latest list version."""
        if not self.lists:
            raise ValueError("a release needs at least one published list")
        return max(lst.released_on for lst in self.lists)
