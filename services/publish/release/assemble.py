"""From the log to a Release, pure: the ListPublished versions of a campaign plus the campaign itself.

The running service (from its release-facts view) and `kczg release build` (from the publish topic)
both turn what they read into `PublishedVersion`s and call `release_of`, so the release files are one
function of the log, whichever reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from contracts.campaign import Campaign
from contracts.events import ListPublished

from ..domain.nominators import nominating_bodies
from .model import Correction, EntryTrace, FactCorrected, ListRelease, Release, ReleaseEntry

TRACE_FIELDS = (("nomination", "nomination_event_id"), ("quota", "quota_event_id"),
                ("screening", "screening_event_id"), ("prelim", "prelim_event_id"),
                ("decision", "decision_event_id"), ("notice", "notice_event_id"))


@dataclass(frozen=True)
class PublishedVersion:
    """One ListPublished, as plain values: entries as the event's JSON has them (ids as canonical text)."""

    campaign: str
    list_code: str
    version: int
    event_id: str
    published_at: datetime
    released_on: date | None
    reason: str
    entries: tuple[Mapping[str, Any], ...]
    public_at: datetime | None = None   # embargoed until then (domain/embargo.py)
    corrections: tuple[Mapping[str, Any], ...] = ()   # as the event's JSON has them


def version_of(event: ListPublished) -> PublishedVersion:
    document = event.model_dump(mode="json", include={"entries", "corrections"})
    return PublishedVersion(event.campaign, event.list_code, event.version, str(event.event_id), event.published_at,
                            event.released_on, event.reason, tuple(document["entries"]), event.public_at,
                            tuple(document["corrections"]))


def current_versions(versions: Iterable[PublishedVersion]) -> dict[str, PublishedVersion]:
    """The highest version of each list (ties, never expected, go to the higher event id)."""
    current: dict[str, PublishedVersion] = {}
    for v in versions:
        held = current.get(v.list_code)
        if held is None or (v.version, v.event_id) > (held.version, held.event_id):
            current[v.list_code] = v
    return current


def list_release(campaign: Campaign, v: PublishedVersion) -> ListRelease:
    lst = campaign.ranking_list(v.list_code)
    domain_names = {d.code: d.name for d in lst.domains}
    released_on = v.released_on or v.published_at.astimezone(campaign.tz).date()
    bodies = dict(nominating_bodies(campaign))  # an entry recorded without its unit's name (an older version)
    entries = tuple(_entry(e, domain_names, bodies) for e in v.entries)
    return ListRelease(campaign=campaign.code, campaign_title=campaign.title, list_code=v.list_code,
                       list_name=lst.name, version=v.version, reason=v.reason or None, released_on=released_on,
                       event_id=v.event_id, entries=entries,
                       corrections=tuple(_correction(c) for c in v.corrections))


def release_of(campaign: Campaign, versions: Iterable[PublishedVersion]) -> Release | None:
    """The current version of every published list, in the campaign's list order; None before any."""
    current = current_versions(v for v in versions if v.campaign == campaign.code)
    lists = tuple(list_release(campaign, current[lst.code]) for lst in campaign.lists if lst.code in current)
    return Release(campaign.code, campaign.title, lists) if lists else None


def corrections_of(documents: Iterable[Mapping[str, Any]]) -> tuple[Correction, ...]:
    return tuple(_correction(c) for c in documents)


def _correction(c: Mapping[str, Any]) -> Correction:
    return Correction(nomination_id=str(c["nomination_id"]), title=c["title"], revoked=bool(c.get("revoked")),
                      changes=tuple(FactCorrected(f["field"], f.get("before"), f["after"]) for f in c.get("changes", ())),
                      reason=c["reason"])


def _entry(e: Mapping[str, Any], domain_names: Mapping[str, str], bodies: Mapping[str, str]) -> ReleaseEntry:
    trace = e.get("trace") or {}
    domain = e.get("domain")
    return ReleaseEntry(
        nomination_id=str(e["nomination_id"]), title=e["title"], domain=domain,
        domain_name=domain_names.get(domain, domain) if domain else None,
        holder_org=e.get("holder_org") or "", unit_id=e["unit_id"],
        unit_name=e.get("unit_name") or bodies.get(e["unit_id"]) or e["unit_id"],
        trace=EntryTrace(**{stage: (str(trace[f]),) if trace.get(f) else () for stage, f in TRACE_FIELDS}))
