"""The campaign loader: a second campaign loads through the same code, bad files are refused with the
line and field of each problem, and the dict form carried in events round-trips losslessly."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.campaign import (Campaign, CampaignChangeError, CampaignFileError, Problem, campaign_from_dict,
                                campaign_to_dict, load_builtin_campaign, load_campaign, parse_campaign)
from contracts.errors import DomainError

CAMPAIGNS = Path(__file__).resolve().parents[2] / "contracts" / "campaigns"
BJ = timezone(timedelta(hours=8))

# A small valid campaign; the tests below change single lines of it, so line numbers are fixed.
BASE = """\
schema_version: 1
code: mini-2024
title: 测试活动
timezone: Asia/Shanghai
secretariat: 秘书处
lists:
  - code: tech
    name: 技术榜
    quota_per_unit: 3
    quota_scope: per_domain
    domains:
      - {code: d1, name: 领域一}
      - {code: d2, name: 领域二, kind: special}
  - code: firm
    name: 企业榜
    quota_per_unit: 5
    quota_scope: per_list
    channels: [c1, c2]
channels:
  - {code: c1, name: 渠道一}
  - {code: c2, name: 渠道二}
timeline:
  collection_opens_at: 2024-09-01T00:00:00+08:00
  submission_closes_at: 2024-11-01T00:00:00+08:00
  prelim_due_at: 2024-12-01T00:00:00+08:00
  final_review_opens_at: 2024-12-01T00:00:00+08:00
  final_review_closes_at: 2025-01-01T00:00:00+08:00
  release_planned_from: 2025-01-01T00:00:00+08:00
  release_planned_until: 2025-02-01T00:00:00+08:00
  publicity_opens_at: 2024-09-01T00:00:00+08:00
  publicity_closes_at: 2025-05-01T00:00:00+08:00
bodies:
  - code: b1
    name: 机构一
    lists:
      - {list_code: tech, domain: d1}
      - {list_code: tech, domain: d2}
  - code: b2
    name: 机构二
    lists:
      - {list_code: firm}
"""


def edit(changes: dict[int, str]) -> str:
    """BASE with the given 1-based lines replaced (same line count, so numbers stay put)."""
    lines = BASE.splitlines()
    for n, text in changes.items():
        lines[n - 1] = text
    return "\n".join(lines) + "\n"


def problems(text: str) -> list[Problem]:
    with pytest.raises(CampaignFileError) as e:
        parse_campaign(text, "mini.yaml")
    err = e.value
    assert isinstance(err, DomainError) and err.code == "invalid_campaign_file"
    for p in err.problems:  # str() lists every problem as source:line: field: reason
        assert f"mini.yaml:{p.line}: {p.field}: {p.reason}" in str(err)
    return err.problems


def where(ps: list[Problem]) -> set[tuple[int, str]]:
    return {(p.line, p.field) for p in ps}


def test_base_is_valid():
    c = parse_campaign(BASE)
    assert c.code == "mini-2024" and c.lists[0].form == "tech"


# ---------------------------------------------------------------- the demo campaign

def test_demo_2023_loads_and_differs_from_2022():
    c22 = load_builtin_campaign("kczg-2022")
    c23 = load_campaign(CAMPAIGNS / "demo-2023.yaml")
    assert c23.code == "demo-2023"
    assert len(c23.lists) == 4 and len(c22.lists) == 7
    assert c23.base_quota("leading_tech") == 2 != c22.base_quota("leading_tech")
    assert c23.base_quota("emerging_enterprise") == 4 != c22.base_quota("emerging_enterprise")
    assert {d.code for d in c23.ranking_list("leading_tech").domains} != \
        {d.code for d in c22.ranking_list("leading_tech").domains}
    assert c23.timeline.submission_closes_at == datetime(2023, 10, 16, tzinfo=BJ)
    assert c23.timeline.submission_closes_at != c22.timeline.submission_closes_at
    assert c23.rules.previously_listed_not_renominable and c23.rules.previously_listed_reason
    # no stacking in the demo: several channels still give the base quota
    assert c23.rules.quota_stacking == "single"
    assert c23.quota_limit("emerging_enterprise", None, ["national_society", "provincial_cast"]) == 4
    # a list open to two channels only: other channels earn no quota for it
    assert c23.quota_limit("tech_manager_pioneer", None, ["pilot_city_park"]) == 0
    assert c23.quota_limit("tech_manager_pioneer", None, ["pilot_city_park", "provincial_cast"]) == 1
    assert c23.quota_limit("open_source", None, ["national_society"]) is None
    assert [b.code for b in c23.review_bodies("leading_tech", "industrial_foundation")] == ["demo_energy_body"]


# ---------------------------------------------------------------- refused files

def test_unknown_list_code_in_body_assignment():
    ps = problems(edit({36: "      - {list_code: tehc, domain: d1}"}))
    assert (36, "bodies[0].lists[0].list_code") in where(ps)
    assert any("tehc" in p.reason for p in ps)
    # and the domain it no longer covers is reported at the domain's own line
    assert (12, "lists[0].domains[0].code") in where(ps)


def test_negative_quota():
    ps = problems(edit({16: "    quota_per_unit: -2"}))
    assert where(ps) == {(16, "lists[1].quota_per_unit")}
    assert "负数" in ps[0].reason


def test_domain_without_review_body():
    ps = problems(edit({37: ""}))
    assert where(ps) == {(13, "lists[0].domains[1].code")}
    assert "领域二" in ps[0].reason


def test_domainless_list_without_review_body():
    ps = problems(edit({41: "      - {list_code: tech, domain: d1}"}))
    assert (14, "lists[1].code") in where(ps)


def test_overlapping_stages():
    ps = problems(edit({26: "  final_review_opens_at: 2024-11-20T00:00:00+08:00"}))
    assert where(ps) == {(26, "timeline.final_review_opens_at")}


def test_dates_out_of_order():
    ps = problems(edit({25: "  prelim_due_at: 2024-10-01T00:00:00+08:00"}))
    assert where(ps) == {(25, "timeline.prelim_due_at")}


def test_naive_datetime():
    ps = problems(edit({24: "  submission_closes_at: 2024-11-01T00:00:00"}))
    assert where(ps) == {(24, "timeline.submission_closes_at")}


def test_unknown_key():
    ps = problems(edit({17: "    quota_scop: per_list"}))
    assert where(ps) == {(17, "lists[1].quota_scop")}
    assert "未知字段" in ps[0].reason


def test_misspelt_key_reports_unknown_and_missing():
    ps = problems(edit({34: "    nmae: 机构一"}))
    assert where(ps) == {(33, "bodies[0].name"), (34, "bodies[0].nmae")}


def test_unknown_channel_code():
    ps = problems(edit({18: "    channels: [c1, c9]"}))
    assert where(ps) == {(18, "lists[1].channels[1]")}


def test_duplicate_codes():
    ps = problems(edit({38: "  - code: b1"}))
    assert where(ps) == {(38, "bodies[1].code")}
    # the second channel now duplicates c1, so c2 (referenced by a list) is also unknown
    ps = problems(edit({21: "  - {code: c1, name: 渠道二}"}))
    assert where(ps) == {(21, "channels[1].code"), (18, "lists[1].channels[1]")}


def test_duplicate_yaml_key():
    ps = problems(edit({10: "    quota_per_unit: 4"}))
    assert where(ps) == {(10, "lists[0].quota_per_unit")}


def test_bad_yaml_syntax():
    ps = problems(edit({9: "    quota_per_unit: 3: 4"}))
    assert [(p.line, p.field) for p in ps] == [(9, "<yaml>")]
    ps = problems(edit({9: "\tquota_per_unit: 3"}))
    assert [(p.line, p.field) for p in ps] == [(9, "<yaml>")]
    # an unclosed flow mapping is reported where the parser notices it: the next line
    ps = problems(edit({20: "  - {code: c1, name: 渠道一"}))
    assert [(p.line, p.field) for p in ps] == [(21, "<yaml>")]


def test_several_problems_reported_together_in_line_order():
    ps = problems(edit({36: "      - {list_code: tehc, domain: d1}", 38: "  - code: b1",
                        26: "  final_review_opens_at: 2024-11-20T00:00:00+08:00"}))
    assert {(36, "bodies[0].lists[0].list_code"), (38, "bodies[1].code"),
            (26, "timeline.final_review_opens_at")} <= where(ps)
    assert [p.line for p in ps] == sorted(p.line for p in ps)


def test_empty_and_non_mapping_files():
    assert where(problems("")) == {(1, "<document>")}
    assert where(problems("- a\n- b\n")) == {(1, "<document>")}


def test_missing_file(tmp_path):
    with pytest.raises(CampaignFileError) as e:
        load_campaign(tmp_path / "nope.yaml")
    assert e.value.problems[0].field == "<file>"


def test_load_from_path_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(edit({16: "    quota_per_unit: -2"}), encoding="utf-8")
    with pytest.raises(CampaignFileError) as e:
        load_campaign(path)
    assert f"{path}:16: lists[1].quota_per_unit: " in str(e.value)


# ---------------------------------------------------------------- timeline changes from events

def test_with_changes_extends_and_refuses_invalid():
    c = parse_campaign(BASE)
    later = datetime(2024, 11, 8, tzinfo=BJ)
    moved = c.with_changes(submission_closes_at=later)
    assert moved.timeline.submission_closes_at == later and c.timeline.submission_closes_at != later
    assert moved.submissions_open(datetime(2024, 11, 5, tzinfo=BJ))
    with pytest.raises(CampaignChangeError) as e:
        c.with_changes(submission_closes_at=datetime(2024, 12, 5, tzinfo=BJ))
    assert e.value.field == "timeline.prelim_due_at"
    with pytest.raises(CampaignChangeError):
        c.with_changes(submission_closes_at=datetime(2024, 11, 8))  # naive
    with pytest.raises(CampaignChangeError):
        c.with_changes(deadline=later)


# ---------------------------------------------------------------- dict round trip

@pytest.mark.parametrize("path", sorted(CAMPAIGNS.glob("*.yaml")), ids=lambda p: p.name)
def test_round_trip_through_json(path):
    c = load_campaign(path)
    d = json.loads(json.dumps(campaign_to_dict(c), ensure_ascii=False))
    back = campaign_from_dict(d)
    assert back == c
    assert campaign_to_dict(back) == d


def test_from_dict_refuses_inconsistent_data():
    d = campaign_to_dict(parse_campaign(BASE))
    d["bodies"][0]["lists"][0] = ["tehc", "d1"]
    with pytest.raises(CampaignFileError) as e:
        campaign_from_dict(d)
    assert (0, "bodies[0].lists[0].list_code") in where(e.value.problems)


@settings(max_examples=50, deadline=None)
@given(shift=st.integers(min_value=-60 * 24 * 30, max_value=60 * 24 * 29),
       channels=st.lists(st.sampled_from(["c1", "c2", "zz"]), max_size=5))
def test_round_trip_after_changes(shift, channels):
    c = parse_campaign(BASE)
    moved = c.with_changes(submission_closes_at=c.timeline.submission_closes_at + timedelta(minutes=shift))
    assert campaign_from_dict(json.loads(json.dumps(campaign_to_dict(moved)))) == moved
    assert moved.quota_limit("firm", None, channels) == 5 * len(set(channels) - {"zz"})
    assert moved.quota_limit("tech", "d2", channels) == 3 * len(set(channels) - {"zz"})


def test_campaign_is_frozen():
    c: Campaign = parse_campaign(BASE)
    with pytest.raises(Exception):
        c.code = "other"  # type: ignore[misc]
