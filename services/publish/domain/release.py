"""Publishing a list (ListPublished), pure: after its notice closed and every objection was resolved.

The entries are the latest notice's nominations minus those an objection against them was upheld,
minus any whose latest final decision no longer selects it or that was withdrawn since; each with
its title, domain, holder organisation (holder.py), recommending unit and the ids of the events it
rests on. They are grouped and ordered as order.py declares, and dated by the campaign's release
day (release_planned_from in the campaign's time zone), or, when the release is scheduled for an
instant (embargo.py), by that instant's day. Publishing again is a correction: a new version, which
must say why, and which stays under the embargo of the version it corrects unless scheduled itself.
Every correction of the list's entries (corrections.py) stands in every later version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from contracts.campaign import Campaign
from contracts.errors import Conflict, DomainError
from contracts.events import Actor, EntryCorrection, EntryTrace, Event, ListPublished, PublishedEntry, ShownField, list_key

from .model import EntryFacts, ListState
from .objections import NOTE_LIMIT, clean
from .order import release_order


@dataclass(frozen=True)
class PublishList:
    list_code: str
    reason: str = ""
    public_at: datetime | None = None   # scheduled: public from this instant (the annual meeting); None: at once


@dataclass(frozen=True)
class ReleaseContext:
    now: datetime
    campaign: Campaign
    actor: Actor
    facts: Mapping[UUID, EntryFacts]   # what the log says of each nomination on the latest notice


def release_day(campaign: Campaign) -> date:
    """The day the release is announced: the campaign's planned release, in its own time zone."""
    return campaign.timeline.release_planned_from.astimezone(campaign.tz).date()


def decide(state: ListState, command: PublishList, context: ReleaseContext) -> list[Event]:
    campaign, now = context.campaign, context.now
    lst = campaign.ranking_list(command.list_code)
    notice = state.latest_notice
    if notice is None:
        raise Conflict(f"{lst.name}尚未公示，不能发布。请先开启公示。", code="no_notice")
    if now < notice.closes_at:
        raise Conflict(f"{lst.name}的公示期尚未结束（至 {notice.closes_at.astimezone(campaign.tz):%Y-%m-%d %H:%M}），"
                       "不能发布。", code="notice_not_closed")
    unresolved = [o for o in state.objections if not o.resolved]
    if unresolved:
        raise Conflict(f"{lst.name}尚有 {len(unresolved)} 条异议未处理，处理完毕后方可发布。",
                       code="objections_unresolved")
    reason = clean(command.reason, multiline=True)
    if state.published and not reason:
        raise DomainError(f"{lst.name}已发布第 {state.versions[-1].version} 版；发布更正版本须说明更正原因。",
                          code="reason_required", field="reason")
    if len(reason) > NOTE_LIMIT:
        raise DomainError(f"更正原因不超过 {NOTE_LIMIT} 字。", code="reason_too_long", field="reason")
    public_at = public_at_of(state, command, now, campaign)
    # Every correction made so far stands: those of earlier versions and those made before this release.
    entries = apply_corrections(listed_entries(state, context.campaign, command.list_code, context.facts),
                                state.corrections_in_effect)
    return [ListPublished(
        list_code=command.list_code, entries=entries, published_at=now,
        version=state.versions[-1].version + 1 if state.versions else 1, reason=reason if state.published else "",
        released_on=public_at.astimezone(campaign.tz).date() if public_at else release_day(campaign),
        public_at=public_at, corrections=state.pending, occurred_at=now, campaign=campaign.code,
        key=list_key(campaign.code, command.list_code), actor=context.actor)]


def listed_entries(state: ListState, campaign: Campaign, list_code: str,
                   facts: Mapping[UUID, EntryFacts]) -> tuple[PublishedEntry, ...]:
    """The entries the latest notice lists now, as the log's facts name them, in release order: its
    nominations minus those with an upheld objection, deselected or withdrawn since (no correction applied)."""
    notice = state.latest_notice
    if notice is None:
        return ()
    upheld = {o.nomination_id for o in state.objections_to(notice.notice_id) if o.upheld}
    missing = [n for n in notice.nominations if n not in facts]
    if missing:
        raise DomainError(f"尚未读到 {len(missing)} 项公示名单的推荐信息，请稍后再试。", code="entry_facts_missing",
                          http_status=503)
    listed = [facts[n] for n in notice.nominations if n not in upheld and facts[n].selected and not facts[n].withdrawn]
    return tuple(_entry(f, notice.event_id) for f in release_order(campaign, list_code, listed))


def apply_corrections(entries: tuple[PublishedEntry, ...],
                      corrections: Iterable[EntryCorrection]) -> tuple[PublishedEntry, ...]:
    """The entries as the corrections leave them, in their order: a revoked one gone, a corrected one with its
    facts changed; the entries keep their places (the declared order is by unit name, and a corrected
    name does not move an entry between versions: a correction changes only what it says)."""
    revoked: set[UUID] = set()
    changed: dict[UUID, dict[str, str]] = {}
    for c in corrections:
        if c.revoked:
            revoked.add(c.nomination_id)
        for change in c.changes:
            changed.setdefault(c.nomination_id, {})[change.field] = change.after
    return tuple(e.model_copy(update=changed[e.nomination_id]) if e.nomination_id in changed else e
                 for e in entries if e.nomination_id not in revoked)


def public_at_of(state: ListState, command: PublishList, now: datetime, campaign: Campaign) -> datetime | None:
    """The instant the version becomes public: as scheduled (later than now), else the embargo of the version
    it corrects while that still holds (a correction before the meeting does not release the list early)."""
    if command.public_at is not None:
        if command.public_at.tzinfo is None:
            raise DomainError("公开时间须带时区（例如 2023-02-20T09:30:00+08:00）。", code="public_at_naive",
                              field="public_at")
        if command.public_at <= now:
            raise DomainError(f"公开时间须晚于现在（{now.astimezone(campaign.tz):%Y-%m-%d %H:%M}）；"
                              "立即公开请不填公开时间。", code="public_at_past", field="public_at")
        return command.public_at
    held = state.versions[-1].public_at if state.versions else None
    return held if held is not None and held > now else None


def _entry(f: EntryFacts, notice_event: UUID) -> PublishedEntry:
    t = f.trace
    return PublishedEntry(
        nomination_id=f.nomination_id, title=f.title, unit_id=f.unit_id, domain=f.domain, holder_org=f.holder_org,
        unit_name=f.unit_name, region=f.region,
        shown=tuple(ShownField(field=field, label=label, value=value) for field, label, value in f.shown),
        trace=EntryTrace(nomination_event_id=t.get("nomination"), quota_event_id=t.get("quota"),
                         screening_event_id=t.get("screening"), prelim_event_id=t.get("prelim"),
                         decision_event_id=t.get("decision"), notice_event_id=notice_event))
