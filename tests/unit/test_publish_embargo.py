"""An embargoed release, pure: the secretariat schedules a version for an instant (the annual meeting);
it is dated by that instant's day; a correction before it keeps the embargo; before it only the preview
shows the version, at it everyone sees it."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from uuid import UUID

import pytest

from contracts.campaign import load_builtin_campaign
from contracts.errors import DomainError
from contracts.events import Actor
from services.publish.domain import release
from services.publish.domain.embargo import is_public, next_public_at, shown
from services.publish.domain.model import EntryFacts, ListState, Notice, Version

CAMPAIGN = load_builtin_campaign("kczg-2022")
BJ = timezone(timedelta(hours=8))
NOTICED = datetime(2022, 12, 20, 10, tzinfo=BJ)
NOW = datetime(2023, 1, 5, 10, tzinfo=BJ)
MEETING = datetime(2023, 2, 20, 9, 30, tzinfo=BJ)
SEC = Actor(role="secretariat", id="kczg_secretariat")


def n(i: int) -> UUID:
    return UUID(int=i)


FACTS = {n(1): EntryFacts(n(1), "leading_tech", "biomedicine", "技术1", "unit-a", "甲学会", "持有单位1", True, False, {})}
NOTICE = Notice(n(1000), "leading_tech", NOTICED, NOTICED + timedelta(days=7), (n(1),), n(2000))


def publish(versions: tuple[Version, ...] = (), public_at: datetime | None = None, reason: str = "",
            now: datetime = NOW):
    state = ListState("kczg-2022", "leading_tech", notices=(NOTICE,), versions=versions)
    (e,) = release.decide(state, release.PublishList("leading_tech", reason, public_at),
                          release.ReleaseContext(now, CAMPAIGN, SEC, FACTS))
    return e


def test_a_scheduled_release_records_its_instant_and_is_dated_by_that_day():
    e = publish(public_at=MEETING)
    assert (e.public_at, e.released_on, e.published_at) == (MEETING, date(2023, 2, 20), NOW)


def test_an_unscheduled_release_is_public_at_once_and_dated_by_the_campaign():
    e = publish()
    assert (e.public_at, e.released_on) == (None, date(2023, 1, 1))


def test_a_correction_before_the_meeting_keeps_the_embargo_and_one_after_it_is_public_at_once():
    first = Version(1, n(8), NOW, (n(1),), public_at=MEETING)
    assert publish((first,), reason="更正名称", now=NOW + timedelta(days=1)).public_at == MEETING
    assert publish((first,), reason="更正名称", now=MEETING).public_at is None
    later = MEETING + timedelta(hours=2)  # or scheduled for its own instant
    assert publish((first,), public_at=later, reason="更正名称").public_at == later


@pytest.mark.parametrize("public_at, code", [
    (NOW, "public_at_past"),
    (NOW - timedelta(days=1), "public_at_past"),
    (datetime(2023, 2, 20, 9, 30), "public_at_naive"),
])
def test_a_bad_schedule_is_refused(public_at, code):
    with pytest.raises(DomainError) as exc:
        publish(public_at=public_at)
    assert (exc.value.code, exc.value.field, exc.value.http_status) == (code, "public_at", 422)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)


@dataclasses.dataclass(frozen=True)
class V:
    name: str
    public_at: datetime | None


def test_before_the_instant_only_the_preview_shows_an_embargoed_version_and_at_it_everyone():
    versions = [V("v1", None), V("v2", MEETING)]
    before, at = MEETING - timedelta(microseconds=1), MEETING
    assert [v.name for v in shown(versions, before, preview=False)] == ["v1"]
    assert [v.name for v in shown(versions, before, preview=True)] == ["v1", "v2"]
    assert [v.name for v in shown(versions, at, preview=False)] == ["v1", "v2"]
    assert (is_public(versions[1], before), is_public(versions[1], at)) == (False, True)
    assert (next_public_at(versions, before), next_public_at(versions, at)) == (MEETING, None)
