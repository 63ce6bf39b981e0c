"""The secretariat's corrections of a list's entries, pure: an entry's public facts (title, holder, the
recommending unit's name) changed, or the entry revoked (撤销), each with its reason.

Before the release the entries are those the latest notice would release (release.listed_entries, with
the corrections made so far): a correction is an EntriesCorrected, which the release applies and carries.
After it, a correction is the next ListPublished version: the current version's entries with exactly the
changes named (a revoked entry gone), the corrections carried, the reason given; earlier versions stay as
they were. A correction under an embargo not yet lifted keeps it (release._public_at).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from contracts.errors import Conflict, DomainError
from contracts.events import EntriesCorrected, EntryCorrection, Event, FactChange, ListPublished, list_key

from .model import ListState
from .objections import NOTE_LIMIT, clean
from .release import PublishList, ReleaseContext, apply_corrections, listed_entries, public_at_of, release_day

FIELD_NAMES = {"title": "名称", "holder_org": "持有单位", "unit_name": "推荐单位名称"}
FACT_LIMIT = 200
MAX_CHANGES = 500


@dataclass(frozen=True)
class EntryChange:
    """One entry's correction as asked: the facts to set (None: unchanged), or `revoke`, and why."""

    nomination_id: UUID
    reason: str
    title: str | None = None
    holder_org: str | None = None
    unit_name: str | None = None
    revoke: bool = False


@dataclass(frozen=True)
class CorrectEntries:
    list_code: str
    reason: str
    changes: tuple[EntryChange, ...]


def decide(state: ListState, command: CorrectEntries, context: ReleaseContext) -> list[Event]:
    campaign, now = context.campaign, context.now
    lst = campaign.ranking_list(command.list_code)
    if state.latest_notice is None:
        raise Conflict(f"{lst.name}尚未公示，没有可更正的名单。", code="no_notice")
    reason = _reason(command.reason, "reason", "更正原因")
    if not command.changes:
        raise DomainError("请至少列出一项更正。", code="changes_required", field="changes")
    if len(command.changes) > MAX_CHANGES:
        raise DomainError(f"一次最多更正 {MAX_CHANGES} 项。", code="too_many_changes", field="changes")
    if state.published:
        latest = state.versions[-1]
        if latest.nominations and not latest.entries:  # saved before the write side kept a version's entries
            raise DomainError(f"{lst.name}第 {latest.version} 版的条目未存于发布服务，暂不能更正。",
                              code="version_entries_unknown", http_status=503)
        current = latest.entries
        where = f"{lst.name}第 {latest.version} 版"
    else:
        current = apply_corrections(listed_entries(state, campaign, command.list_code, context.facts), state.pending)
        where = f"{lst.name}的待发布名单"
    by_id = {e.nomination_id: e for e in current}
    corrections: list[EntryCorrection] = []
    seen: set[UUID] = set()
    for i, change in enumerate(command.changes):
        at = f"changes[{i}]"
        if change.nomination_id in seen:
            raise DomainError(f"第 {i + 1} 项重复更正同一条目（{change.nomination_id}）。", code="duplicate_change",
                              field=f"{at}.nomination_id")
        seen.add(change.nomination_id)
        entry = by_id.get(change.nomination_id)
        if entry is None:
            raise DomainError(f"第 {i + 1} 项：{change.nomination_id} 不在{where}中（或已撤销），不能更正。",
                              code="entry_not_listed", field=f"{at}.nomination_id")
        item_reason = _reason(change.reason, f"{at}.reason", f"第 {i + 1} 项的更正原因")
        wanted = {f: getattr(change, f) for f in FIELD_NAMES if getattr(change, f) is not None}
        if change.revoke:
            if wanted:
                raise DomainError(f"第 {i + 1} 项：撤销的条目不能同时更正其信息。", code="revoke_with_changes",
                                  field=at)
            corrections.append(EntryCorrection(nomination_id=entry.nomination_id, title=entry.title, revoked=True,
                                               reason=item_reason))
            continue
        facts: list[FactChange] = []
        for field, raw in wanted.items():
            value = clean(raw)
            if not value or len(value) > FACT_LIMIT:
                raise DomainError(f"第 {i + 1} 项：{FIELD_NAMES[field]}须为 1–{FACT_LIMIT} 字。",
                                  code="fact_invalid", field=f"{at}.{field}")
            if value != getattr(entry, field):
                facts.append(FactChange(field=field, before=getattr(entry, field), after=value))
        if not facts:
            raise DomainError(f"第 {i + 1} 项没有改变任何信息（与{where}相同），请写明要更正的内容或撤销。",
                              code="nothing_changed", field=at)
        corrections.append(EntryCorrection(nomination_id=entry.nomination_id, title=entry.title,
                                           changes=tuple(facts), reason=item_reason))
    key = list_key(campaign.code, command.list_code)
    if not state.published:
        return [EntriesCorrected(list_code=command.list_code, corrections=tuple(corrections), reason=reason,
                                 occurred_at=now, campaign=campaign.code, key=key, actor=context.actor)]
    public_at = public_at_of(state, PublishList(command.list_code), now, campaign)
    return [ListPublished(
        list_code=command.list_code, entries=apply_corrections(current, corrections), published_at=now,
        version=state.versions[-1].version + 1, reason=reason,
        released_on=public_at.astimezone(campaign.tz).date() if public_at else release_day(campaign),
        public_at=public_at, corrections=tuple(corrections), occurred_at=now, campaign=campaign.code, key=key,
        actor=context.actor)]


def _reason(text: str, field: str, name: str) -> str:
    reason = clean(text, multiline=True)
    if not reason:
        raise DomainError(f"须说明{name}。", code="reason_required", field=field)
    if len(reason) > NOTE_LIMIT:
        raise DomainError(f"{name}不超过 {NOTE_LIMIT} 字。", code="reason_too_long", field=field)
    return reason
