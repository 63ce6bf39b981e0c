"""What each publish event does to a list's state (domain/evolve.py), pure: exact states after each
event kind. The commands' save and the restore both fold through this function."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import UUID

from contracts.events import (Actor, EntriesCorrected, EntryCorrection, FactChange, ListPublished, ObjectionFiled,
                              ObjectionResolved, PublicNoticeOpened, PublishedEntry, list_key)
from contracts.personal import Sealed
from services.publish.domain.evolve import evolve
from services.publish.domain.model import ListState, Notice, Objection, Version

BJ = timezone(timedelta(hours=8))
OPENS = datetime(2022, 12, 20, 10, tzinfo=BJ)
SEC = Actor(role="secretariat", id="kczg_secretariat")
ENVELOPE = dict(campaign="kczg-2022", key=list_key("kczg-2022", "leading_tech"), actor=SEC)


def n(i: int) -> UUID:
    return UUID(int=i)


# The objector's fields as sealed on the event: the state keeps them sealed, exactly.
NAME = Sealed(pid="objector:x", nonce="bm9uY2Vub25jZTE=", ct="bmFtZQ==")
CONTACT = Sealed(pid="objector:x", nonce="bm9uY2Vub25jZTI=", ct="Y29udGFjdA==")


def opened(i: int, at: datetime = OPENS) -> PublicNoticeOpened:
    return PublicNoticeOpened(event_id=n(2000 + i), occurred_at=at, **ENVELOPE, notice_id=n(1000 + i),
                              list_code="leading_tech", opens_at=at, closes_at=at + timedelta(days=7),
                              nominations=(n(1), n(2)))


def filed(i: int, nomination: int = 1) -> ObjectionFiled:
    return ObjectionFiled(event_id=n(7000 + i), occurred_at=OPENS + timedelta(hours=i), **ENVELOPE,
                          objection_id=n(6000 + i), notice_id=n(1001), nomination_id=n(nomination), name=NAME,
                          organisation="某单位", contact=CONTACT, grounds="成果不实")


def test_a_notice_opens_and_a_later_one_follows_it():
    state = evolve(ListState("kczg-2022", "leading_tech"), [opened(1)])
    first = Notice(n(1001), "leading_tech", OPENS, OPENS + timedelta(days=7), (n(1), n(2)), n(2001))
    assert state == ListState("kczg-2022", "leading_tech", notices=(first,))
    later = evolve(state, [opened(2, OPENS + timedelta(days=30))])
    assert [x.notice_id for x in later.notices] == [n(1001), n(1002)] and later.latest_notice.event_id == n(2002)


def test_an_objection_is_kept_as_filed_and_its_resolution_completes_it():
    state = evolve(ListState("kczg-2022", "leading_tech"), [opened(1), filed(1), filed(2, nomination=2)])
    assert state.objections == (
        Objection(n(6001), n(1001), n(1), n(7001), name=NAME, organisation="某单位", contact=CONTACT,
                  grounds="成果不实", filed_at=OPENS + timedelta(hours=1)),
        Objection(n(6002), n(1001), n(2), n(7002), name=NAME, organisation="某单位", contact=CONTACT,
                  grounds="成果不实", filed_at=OPENS + timedelta(hours=2)))
    resolved_at = OPENS + timedelta(days=1)
    resolved = evolve(state, [ObjectionResolved(event_id=n(8001), occurred_at=resolved_at, **ENVELOPE,
                                                objection_id=n(6001), nomination_id=n(1), upheld=False,
                                                note="经核实不成立")])
    assert resolved.objections == (
        Objection(n(6001), n(1001), n(1), n(7001), upheld=False, resolution_event_id=n(8001), name=NAME,
                  organisation="某单位", contact=CONTACT, grounds="成果不实",
                  filed_at=OPENS + timedelta(hours=1), note="经核实不成立", resolved_at=resolved_at),
        state.objections[1])  # the other objection is untouched
    assert resolved.objection(n(6001)).resolved and not resolved.objection(n(6002)).resolved


def test_each_published_version_is_kept_with_its_nominations():
    at = OPENS + timedelta(days=40)
    entries = tuple(PublishedEntry(nomination_id=n(i), title=f"技术{i}", unit_id="unit-a") for i in (2, 1))
    published = [ListPublished(event_id=n(9000 + v), occurred_at=at, **ENVELOPE, list_code="leading_tech",
                               entries=entries[:v], published_at=at, version=v) for v in (1, 2)]
    state = evolve(ListState("kczg-2022", "leading_tech"), published)
    assert state == ListState("kczg-2022", "leading_tech", versions=(
        Version(1, n(9001), at, (n(2),), entries=entries[:1]), Version(2, n(9002), at, (n(2), n(1)), entries=entries)))
    assert state.published


def test_corrections_before_the_release_wait_for_it_and_the_release_carries_them():
    at = OPENS + timedelta(days=40)
    renamed = EntryCorrection(nomination_id=n(1), title="技术1", reason="笔误",
                              changes=(FactChange(field="title", before="技术1", after="技术一"),))
    revoked = EntryCorrection(nomination_id=n(2), title="技术2", revoked=True, reason="不符合条件")
    state = evolve(ListState("kczg-2022", "leading_tech"), [
        EntriesCorrected(event_id=n(9100), occurred_at=at, **ENVELOPE, list_code="leading_tech",
                         corrections=(renamed,), reason="更正"),
        EntriesCorrected(event_id=n(9101), occurred_at=at, **ENVELOPE, list_code="leading_tech",
                         corrections=(revoked,), reason="撤销")])
    assert state.pending == (renamed, revoked) and state.corrections_in_effect == (renamed, revoked)
    entry = PublishedEntry(nomination_id=n(1), title="技术一", unit_id="unit-a")
    released = evolve(state, [ListPublished(event_id=n(9001), occurred_at=at, **ENVELOPE, list_code="leading_tech",
                                            entries=(entry,), published_at=at, corrections=(renamed, revoked))])
    assert released.pending == ()
    assert released.versions == (Version(1, n(9001), at, (n(1),), entries=(entry,), corrections=(renamed, revoked)),)
    assert released.corrections_in_effect == (renamed, revoked)


def test_no_events_leave_the_state_as_it_was():
    state = evolve(ListState("kczg-2022", "leading_tech"), [opened(1)])
    assert evolve(state, []) is state
