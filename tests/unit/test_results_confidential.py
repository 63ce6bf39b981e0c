"""Results stay confidential until the notice (a campaign setting, `rules.results_to_units`): by default a
unit reads its nomination's preliminary score, rank and decision only once the list's public notice
opens; a campaign may say "as_recorded" instead. A value the setting does not know is refused by line."""

from __future__ import annotations

import pytest

from contracts.campaign import CampaignFileError, load_builtin_campaign, parse_campaign
from tests.unit.test_campaign_loader import BASE


def with_rules(text: str) -> str:
    return BASE + "rules:\n" + text


def test_the_default_keeps_results_from_units_until_the_notice_opens():
    default = parse_campaign(BASE)
    assert default.rules.results_to_units == "at_notice"
    assert [default.unit_sees_results(opened) for opened in (False, True)] == [False, True]
    for code in ("kczg-2022", "demo-2023"):
        campaign = load_builtin_campaign(code)
        assert campaign.rules.results_to_units == "at_notice"
        assert campaign.unit_sees_results(False) is False


def test_a_campaign_may_show_results_as_they_are_recorded():
    shown = parse_campaign(with_rules("  results_to_units: as_recorded\n"))
    assert [shown.unit_sees_results(opened) for opened in (False, True)] == [True, True]


def test_an_unknown_setting_is_refused_naming_its_line():
    with pytest.raises(CampaignFileError) as refused:
        parse_campaign(with_rules("  results_to_units: never\n"), "mini.yaml")
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (BASE.count("\n") + 2, "rules.results_to_units")
