"""The campaign's public-notice (公示) window, apart from 宣传推广, and the review and final-vote
defaults the review service starts from."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from contracts.campaign import (CampaignChangeError, CampaignFileError, Share, campaign_from_dict, campaign_to_dict,
                                load_builtin_campaign)

BJ = timezone(timedelta(hours=8))


def c22_dict() -> dict[str, Any]:
    return campaign_to_dict(load_builtin_campaign("kczg-2022"))


def refused(d: dict[str, Any]) -> set[str]:
    with pytest.raises(CampaignFileError) as e:
        campaign_from_dict(d)
    return {p.field for p in e.value.problems}


def test_2022_has_a_modelled_seven_day_notice_inside_the_final_review_month() -> None:
    t = load_builtin_campaign("kczg-2022").timeline
    assert (t.notice_opens_at, t.notice_closes_at) == (datetime(2022, 12, 20, tzinfo=BJ), datetime(2022, 12, 27, tzinfo=BJ))
    assert t.notice_basis == "modelled_default"
    assert t.final_review_opens_at <= t.notice_opens_at and t.notice_closes_at <= t.release_planned_from
    assert (t.publicity_opens_at, t.publicity_closes_at) != (t.notice_opens_at, t.notice_closes_at)


def test_an_old_definition_without_the_notice_or_new_defaults_still_loads() -> None:
    d = c22_dict()
    for name in ("notice_opens_at", "notice_closes_at", "notice_basis"):
        del d["timeline"][name]
    for name in ("public_notice_min_days", "final_vote"):
        del d["rules"][name]
    for name in ("divergence_threshold", "trim_min_scores", "tie_break", "max_load"):
        del d["review"][name]
    c = campaign_from_dict(d)
    assert c.timeline.notice_opens_at is None and c.rules.public_notice_min_days == 7
    assert c.review.trim_min_scores == 5 and c.review.tie_break == ("raw_sum", "earliest_submission")


@pytest.mark.parametrize("opens, closes, field", [
    ("2022-12-20T00:00:00+08:00", "2022-12-26T23:59:59+08:00", "timeline.notice_closes_at"),  # under 7 days
    ("2022-12-20T00:00:00+08:00", None, "timeline.notice_closes_at"),                         # one end only
    ("2022-11-20T00:00:00+08:00", "2022-11-27T00:00:00+08:00", "timeline.notice_opens_at"),   # before final review
    ("2022-12-28T00:00:00+08:00", "2023-01-05T00:00:00+08:00", "timeline.release_planned_from"),  # after release
    ("2022-12-27T00:00:00+08:00", "2022-12-20T00:00:00+08:00", "timeline.notice_closes_at"),  # reversed
], ids=["short", "one-end", "before-final-review", "overlaps-release", "reversed"])
def test_a_bad_notice_window_is_refused_at_its_field(opens: str, closes: str | None, field: str) -> None:
    d = c22_dict()
    d["timeline"]["notice_opens_at"], d["timeline"]["notice_closes_at"] = opens, closes
    assert field in refused(d)


def test_the_minimum_notice_length_is_configurable() -> None:
    d = c22_dict()
    d["rules"]["public_notice_min_days"] = 10
    assert refused(d) == {"timeline.notice_closes_at"}


def test_the_notice_moves_like_any_timeline_instant_but_its_basis_does_not() -> None:
    c = load_builtin_campaign("kczg-2022")
    moved = c.with_changes(notice_closes_at=datetime(2022, 12, 31, tzinfo=BJ))
    assert moved.timeline.notice_closes_at == datetime(2022, 12, 31, tzinfo=BJ)
    with pytest.raises(CampaignChangeError, match="notice shorter than 7 days"):
        c.with_changes(notice_closes_at=datetime(2022, 12, 22, tzinfo=BJ))
    with pytest.raises(CampaignChangeError, match="unknown timeline field"):
        c.with_changes(notice_basis=datetime(2022, 12, 22, tzinfo=BJ))


def test_review_defaults_the_review_service_starts_from() -> None:
    r = load_builtin_campaign("kczg-2022").review
    assert (r.divergence_threshold, r.trim_min_scores, r.tie_break, r.max_load) == (
        Decimal(20), 5, ("raw_sum", "earliest_submission"), None)
    assert load_builtin_campaign("demo-2023").review.max_load == 40


@pytest.mark.parametrize("section, name, value, field", [
    ("review", "divergence_threshold", 0, "review.divergence_threshold"),
    ("review", "divergence_threshold", 101, "review.divergence_threshold"),
    ("review", "tie_break", ["raw_sum", "raw_sum"], "review.tie_break"),
    ("review", "trim_min_scores", 2, "review.trim_min_scores"),
    ("rules", "final_vote", {"quorum": {"numerator": 4, "denominator": 3}}, "rules.final_vote.quorum"),
])
def test_bad_review_and_vote_settings_are_refused(section: str, name: str, value: Any, field: str) -> None:
    d = c22_dict()
    d[section][name] = value
    assert field in refused(d)


def test_final_vote_is_two_thirds_inclusive_by_default() -> None:
    vote = load_builtin_campaign("kczg-2022").rules.final_vote
    assert vote.quorum == vote.approval == Share(numerator=2, denominator=3)
    assert vote.quorum.met_by(10, 15) and not vote.quorum.met_by(9, 15)  # 含三分之二: exactly 2/3 passes
    assert vote.approval.met_by(6, 9) and not vote.approval.met_by(5, 9) and not vote.approval.met_by(0, 0)
