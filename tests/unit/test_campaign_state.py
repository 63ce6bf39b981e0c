"""The campaigns topic folded into a CampaignBook: opening, re-loading, timeline changes, as-of reads,
and a second, differently shaped campaign through the same code. Pure: no Kafka here."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from contracts.campaign import CampaignChangeError, load_builtin_campaign
from contracts.campaign.decisions import (CampaignAlreadyOpen, deadline_extension, decide_open, decide_timeline_change,
                                          release_move)
from contracts.campaign.book import CampaignBook, UnknownCampaign, evolve, fold
from contracts.events import Actor, CampaignTimelineChanged, UnitRegistered

BJ = timezone(timedelta(hours=8))
OPERATOR = Actor(role="secretariat", id="secretariat-ops")
KCZG_2022 = load_builtin_campaign("kczg-2022")
DEMO_2023 = load_builtin_campaign("demo-2023")


def opened(campaign=KCZG_2022, at=datetime(2022, 9, 5, 9, tzinfo=BJ)):
    return decide_open(CampaignBook(), campaign, actor=OPERATOR, at=at)[0]


def changed(book, code, changes, at, reason="测试调整"):
    return decide_timeline_change(book, code, changes, reason, actor=OPERATOR, at=at)[0]


def test_an_opened_campaign_is_in_the_book_as_loaded() -> None:
    book = fold([opened()])
    assert book.codes == ("kczg-2022",)
    assert book.as_of("kczg-2022") == KCZG_2022
    assert book.ignored == ()


def test_the_opening_event_carries_the_definition_keyed_by_code() -> None:
    event = opened()
    assert (event.campaign, event.key, event.definition["code"]) == ("kczg-2022", "kczg-2022", "kczg-2022")


def test_loading_the_identical_definition_again_is_a_no_op() -> None:
    book = fold([opened()])
    # The decision publishes nothing...
    assert decide_open(book, KCZG_2022, actor=OPERATOR, at=datetime.now(timezone.utc)) == []
    # ...and a duplicate that reached the log anyway (a redelivery) changes nothing.
    assert evolve(book, opened()).versions == book.versions


def test_a_different_definition_under_an_open_code_is_refused_and_ignored_on_replay() -> None:
    book = fold([opened()])
    other = KCZG_2022.model_copy(update={"title": "另一份定义"})
    with pytest.raises(CampaignAlreadyOpen, match="已开启且定义不同"):
        decide_open(book, other, actor=OPERATOR, at=datetime.now(timezone.utc))
    # If two operators raced, the first definition wins, deterministically.
    racing = opened(other)
    after = evolve(book, racing)
    assert after.as_of("kczg-2022").title == KCZG_2022.title
    assert [event_id for event_id, _ in after.ignored] == [racing.event_id]


def test_extend_deadline_then_the_book_shows_the_new_deadline() -> None:
    book = fold([opened()])
    until = datetime(2022, 11, 8, tzinfo=BJ)
    event = changed(book, "kczg-2022", deadline_extension(book.as_of("kczg-2022"), "submission", until),
                    at=datetime(2022, 10, 28, 10, tzinfo=BJ), reason="应多家推荐单位申请延期一周")
    book = evolve(book, event)
    assert book.as_of("kczg-2022").timeline.submission_closes_at == until
    assert book.as_of("kczg-2022").submissions_open(datetime(2022, 11, 5, tzinfo=BJ))
    # The opening definition is kept; the history records the change and its reason.
    assert book.opened("kczg-2022").timeline.submission_closes_at == datetime(2022, 11, 1, tzinfo=BJ)
    assert book.history("kczg-2022")[-1].reason == "应多家推荐单位申请延期一周"


def test_as_of_gives_the_campaign_as_it_stood_when_an_event_happened() -> None:
    book = fold([opened()])
    extension = changed(book, "kczg-2022", {"submission_closes_at": datetime(2022, 11, 8, tzinfo=BJ)},
                        at=datetime(2022, 11, 2, 12, tzinfo=BJ))
    book = evolve(book, extension)
    # A submission at Nov 1 00:30 came before the extension was announced: still refused on replay.
    assert not book.as_of("kczg-2022", datetime(2022, 11, 1, 0, 30, tzinfo=BJ)).submissions_open(
        datetime(2022, 11, 1, 0, 30, tzinfo=BJ))
    # One on Nov 3 came after it: accepted.
    assert book.as_of("kczg-2022", datetime(2022, 11, 3, tzinfo=BJ)).submissions_open(datetime(2022, 11, 3, tzinfo=BJ))


def test_the_2022_release_moved_to_2023_02_20_replays() -> None:
    book = fold([opened()])
    move = changed(book, "kczg-2022", release_move(KCZG_2022, date(2023, 2, 20)), at=datetime(2023, 1, 5, tzinfo=BJ),
                   reason="年度会议改期至2023年2月20日")
    # Replaying the log from the start gives the moved release.
    replayed = fold([opened(), move])
    timeline = replayed.as_of("kczg-2022").timeline
    assert timeline.release_planned_from == datetime(2023, 2, 20, tzinfo=BJ)
    assert timeline.release_planned_until == datetime(2023, 2, 21, tzinfo=BJ)
    assert replayed.as_of("kczg-2022").phase_at(datetime(2023, 1, 20, tzinfo=BJ)) == "awaiting_release"


def test_an_invalid_change_is_refused_before_publishing_and_ignored_on_replay() -> None:
    book = fold([opened()])
    past_prelim = {"submission_closes_at": datetime(2022, 12, 15, tzinfo=BJ)}
    with pytest.raises(CampaignChangeError) as refused:
        decide_timeline_change(book, "kczg-2022", past_prelim, "太晚", actor=OPERATOR, at=datetime.now(timezone.utc))
    assert refused.value.field == "timeline.prelim_due_at"
    bad = CampaignTimelineChanged(occurred_at=datetime.now(timezone.utc), campaign="kczg-2022", key="kczg-2022",
                                  actor=OPERATOR, changes=past_prelim, reason="太晚")
    assert evolve(book, bad).as_of("kczg-2022") == KCZG_2022


@pytest.mark.parametrize("changes, reason, match", [
    ({"submission_closes_at": datetime(2022, 11, 8, tzinfo=BJ)}, "  ", "reason required"),
    ({"no_such_field": datetime(2022, 11, 8, tzinfo=BJ)}, "原因", "unknown timeline field"),
])
def test_timeline_decisions_refuse_bad_input(changes, reason, match) -> None:
    with pytest.raises(CampaignChangeError, match=match):
        decide_timeline_change(fold([opened()]), "kczg-2022", changes, reason, actor=OPERATOR,
                               at=datetime.now(timezone.utc))


def test_an_extension_must_move_the_deadline_later() -> None:
    with pytest.raises(CampaignChangeError, match="须晚于"):
        deadline_extension(KCZG_2022, "submission", datetime(2022, 10, 20, tzinfo=BJ))


def test_unknown_campaigns_are_refused_and_other_events_pass_through() -> None:
    book = fold([opened()])
    with pytest.raises(UnknownCampaign):
        book.as_of("kczg-2030")
    unit = UnitRegistered(occurred_at=datetime.now(timezone.utc), campaign="kczg-2022", key="kczg-2022:u1",
                          actor=OPERATOR, unit_id="u1", name="单位", channels=("provincial_cast",))
    assert evolve(book, unit) is book


def test_a_second_differently_shaped_campaign_lives_beside_the_first() -> None:
    book = fold([opened(), opened(DEMO_2023, at=datetime(2023, 7, 1, tzinfo=BJ))])
    assert book.codes == ("kczg-2022", "demo-2023")
    demo, y2022 = book.as_of("demo-2023"), book.as_of("kczg-2022")
    assert demo.rules.previously_listed_not_renominable
    # Same unit, same two channels: 2022 stacks 3 per domain per channel, the demo gives 2 without stacking.
    channels = ("national_society", "provincial_cast")
    assert y2022.quota_limit("leading_tech", "electronic_info", channels) == 6
    assert demo.quota_limit("leading_tech", "electronic_info", channels) == 2
    assert demo.quota_limit("tech_manager_pioneer", None, channels) == 1
