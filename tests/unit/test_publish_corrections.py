"""Corrections of a list's entries (services/publish/domain/corrections.py), pure: before the release an
EntriesCorrected the release applies and carries; after it the next version, changed exactly as said; every
refusal with its code, in Chinese."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from uuid import UUID

import pytest

from contracts.campaign import load_builtin_campaign
from contracts.errors import DomainError
from contracts.events import (Actor, EntriesCorrected, EntryCorrection, EntryTrace, FactChange, ListPublished,
                              PublishedEntry)
from services.publish.domain import corrections, release
from services.publish.domain.evolve import evolve
from services.publish.domain.model import EntryFacts, ListState, Notice, Version

CAMPAIGN = load_builtin_campaign("kczg-2022")
BJ = timezone(timedelta(hours=8))
NOW = datetime(2022, 12, 20, 10, tzinfo=BJ)
AFTER = NOW + timedelta(days=8)
SEC = Actor(role="secretariat", id="kczg_secretariat", person="officer-1")


def n(i: int) -> UUID:
    return UUID(int=i)


def facts(i: int, unit: str = "unit-a", name: str = "甲学会") -> EntryFacts:
    return EntryFacts(n(i), "leading_tech", "biomedicine", f"技术{i}", unit, name, f"持有单位{i}", True, False,
                      {"nomination": n(100 + i)})


FOUND = {n(i): facts(i, unit=f"unit-{i}", name=f"{'ABC'[i - 1]}学会") for i in (1, 2, 3)}


def noticed() -> ListState:
    return ListState("kczg-2022", "leading_tech", notices=(
        Notice(n(1000), "leading_tech", NOW, NOW + timedelta(days=7), (n(1), n(2), n(3)), n(2000)),))


def change(i: int, reason: str = "原因", **fields) -> corrections.EntryChange:
    return corrections.EntryChange(n(i), reason, **fields)


def correct(state: ListState, *changes: corrections.EntryChange, reason: str = "更正", now: datetime = AFTER) -> list:
    return corrections.decide(state, corrections.CorrectEntries("leading_tech", reason, changes),
                              release.ReleaseContext(now, CAMPAIGN, SEC, FOUND))


def publish(state: ListState, reason: str = "") -> ListPublished:
    (e,) = release.decide(state, release.PublishList("leading_tech", reason),
                          release.ReleaseContext(AFTER, CAMPAIGN, SEC, FOUND))
    return e


def test_before_the_release_a_correction_waits_and_the_release_applies_and_carries_it():
    state = noticed()
    (e,) = correct(state, change(1, "名称笔误", title="  技术一 "), change(3, "不符合条件", revoke=True),
                   reason="发布前更正", now=NOW + timedelta(days=1))  # during the notice
    assert isinstance(e, EntriesCorrected) and (e.list_code, e.reason, e.actor) == ("leading_tech", "发布前更正", SEC)
    assert e.corrections == (
        EntryCorrection(nomination_id=n(1), title="技术1", reason="名称笔误",
                        changes=(FactChange(field="title", before="技术1", after="技术一"),)),
        EntryCorrection(nomination_id=n(3), title="技术3", revoked=True, reason="不符合条件"))
    released = publish(evolve(state, [e]))
    assert released.version == 1 and released.corrections == e.corrections
    assert [(x.nomination_id, x.title, x.unit_name) for x in released.entries] == [(n(1), "技术一", "A学会"),
                                                                                   (n(2), "技术2", "B学会")]


def test_after_the_release_a_correction_is_the_next_version_changing_exactly_what_it_says():
    v1 = publish(noticed())
    state = evolve(noticed(), [v1])
    (v2,) = correct(state, change(2, "推荐单位来函", title="新名称", holder_org="新持有单位"),
                    change(1, "撤销", revoke=True), reason="更正与撤销")
    assert isinstance(v2, ListPublished) and (v2.version, v2.reason, v2.released_on) == (2, "更正与撤销", date(2023, 1, 1))
    assert v2.corrections == (
        EntryCorrection(nomination_id=n(2), title="技术2", reason="推荐单位来函",
                        changes=(FactChange(field="title", before="技术2", after="新名称"),
                                 FactChange(field="holder_org", before="持有单位2", after="新持有单位"))),
        EntryCorrection(nomination_id=n(1), title="技术1", revoked=True, reason="撤销"))
    # n(1) gone; n(2) changed in those two facts only (its trace, unit and place kept); n(3) as in version 1
    assert v2.entries == (v1.entries[1].model_copy(update={"title": "新名称", "holder_org": "新持有单位"}),
                          v1.entries[2])
    assert v2.entries[0].trace == v1.entries[1].trace and isinstance(v2.entries[0].trace, EntryTrace)
    # a third version starts from the second: the revoked entry cannot be corrected again
    state = evolve(state, [v2])
    with pytest.raises(DomainError) as exc:
        correct(state, change(1, unit_name="某单位"))
    assert exc.value.code == "entry_not_listed" and "第 2 版" in exc.value.message


def test_a_correction_under_an_embargo_keeps_it():
    meeting = AFTER + timedelta(days=30)
    state = dataclasses.replace(noticed(), versions=(
        Version(1, n(8), AFTER, (n(1),), public_at=meeting,
                entries=(PublishedEntry(nomination_id=n(1), title="技术1", unit_id="unit-1"),)),))
    (v2,) = correct(state, change(1, title="技术一"))
    assert (v2.public_at, v2.released_on) == (meeting, meeting.astimezone(CAMPAIGN.tz).date())


@pytest.mark.parametrize("state, changes, reason, expected, field", [
    (ListState("kczg-2022", "leading_tech"), (change(1, title="x"),), "更正", "no_notice", None),
    (noticed(), (change(1, title="x"),), "  ", "reason_required", "reason"),
    (noticed(), (), "更正", "changes_required", "changes"),
    (noticed(), (change(1, reason=" ", title="x"),), "更正", "reason_required", "changes[0].reason"),
    (noticed(), (change(9, title="x"),), "更正", "entry_not_listed", "changes[0].nomination_id"),
    (noticed(), (change(1, title="x"), change(1, holder_org="y")), "更正", "duplicate_change",
     "changes[1].nomination_id"),
    (noticed(), (change(1, title="x", revoke=True),), "更正", "revoke_with_changes", "changes[0]"),
    (noticed(), (change(1, title="技术1"),), "更正", "nothing_changed", "changes[0]"),
    (noticed(), (change(1),), "更正", "nothing_changed", "changes[0]"),
    (noticed(), (change(1, title="\u200b "),), "更正", "fact_invalid", "changes[0].title"),
    (noticed(), (change(1, unit_name="名" * 201),), "更正", "fact_invalid", "changes[0].unit_name"),
    (noticed(), (change(1, title="x"),), "因" * 2001, "reason_too_long", "reason"),
])
def test_a_correction_is_refused(state, changes, reason, expected, field):
    with pytest.raises(DomainError) as exc:
        correct(state, *changes, reason=reason)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)
    assert 400 <= exc.value.http_status < 500
    assert (exc.value.code, exc.value.field) == (expected, field)


def test_a_version_saved_without_its_entries_is_not_corrected_blindly():
    state = dataclasses.replace(noticed(), versions=(Version(1, n(8), AFTER, (n(1),)),))  # entries not kept
    with pytest.raises(DomainError) as exc:
        correct(state, change(1, title="x"))
    assert (exc.value.code, exc.value.http_status) == ("version_entries_unknown", 503)


def test_an_entry_left_out_since_the_notice_cannot_be_corrected_before_the_release():
    found = {**FOUND, n(2): dataclasses.replace(FOUND[n(2)], selected=False)}
    with pytest.raises(DomainError) as exc:
        corrections.decide(noticed(), corrections.CorrectEntries("leading_tech", "更正", (change(2, title="x"),)),
                           release.ReleaseContext(AFTER, CAMPAIGN, SEC, found))
    assert exc.value.code == "entry_not_listed" and "待发布名单" in exc.value.message
