"""The simulated release's pure parts: the selection and its caps, votes the review's own rule accepts (one
short of its quorum refused), the revisions and objections planned, the declared order, and a self-check
that catches files, a page or a view disagreeing with what was decided."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from fractions import Fraction
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from contracts.errors import DomainError
from kczg.simulator.release.check import (Item, check_correction, check_correction_notice, check_manifest, check_page,
                                          check_release_json, check_view,
                                         declared_order)
from kczg.simulator.release.scenarios import held_target, meeting
from kczg.simulator.release.plan import (COMMITTEE, OBJECTIONS, Rule, objections, revisions, selection, short_vote,
                                        vote)
from services.review.domain.votes import CommitteeVote, Threshold, VoteRule, check_decision

RULE = Rule(Fraction(2, 3), Fraction(2, 3))
REVIEW_RULE = VoteRule(Threshold(2, 3), Threshold(2, 3))


def test_the_top_share_of_each_target_capped_per_list_at_2022s_size():
    sizes = {"lt:a": 400, "lt:b": 200, "ee:": 500, "tm:": 10, "io:": 0}
    lists = {"lt:a": "leading_tech", "lt:b": "leading_tech", "ee:": "emerging_enterprise",
             "tm:": "tech_manager_pioneer", "io:": "international_cooperation"}
    chosen = selection(sizes, lists, 1.0)
    assert chosen == {"lt:a": 100, "lt:b": 50, "ee:": 100, "tm:": 4, "io:": 0}  # 150 先导, 100 新锐, 40 % of ten
    assert selection({"lt:a": 3}, {"lt:a": "leading_tech"}, 0.001) == {"lt:a": 1}  # at least one


def test_votes_carry_their_decision_under_the_reviews_own_rule():
    for i in range(300):
        for selected in (True, False):
            v = vote(f"n{i}", selected, RULE, 7)
            assert v["eligible"] == COMMITTEE and v == vote(f"n{i}", selected, RULE, 7)
            check_decision(selected, CommitteeVote(**v), REVIEW_RULE)  # raises if the vote does not carry it
    with pytest.raises(DomainError) as refused:
        check_decision(True, CommitteeVote(**short_vote(RULE)), REVIEW_RULE)
    assert refused.value.code == "no_quorum" and "应到 15 人，实到 9 人" in refused.value.message


def test_revisions_swap_the_selection_line_and_objections_fall_on_distinct_noticed_nominations():
    ranked = {"a": ["a1", "a2", "a3"], "b": ["b1", "b2"], "c": ["c1"]}
    swaps = revisions(ranked, {"a": 1, "b": 1, "c": 1}, 7)
    assert sorted(swaps) == [("a1", False), ("a2", True), ("b1", False), ("b2", True)]  # c has no line to cross
    plans = objections({"x": ["x1", "x2", "x3"], "y": ["y1"], "z": []}, 7)
    assert len(plans) == OBJECTIONS - 1  # y's only nomination is taken: no second objection there
    assert len({p.nomination_id for p in plans}) == len(plans) and [p.upheld for p in plans] == [True, False, False]
    assert all(p.nomination_id.startswith(p.list_code) for p in plans)


def items() -> list[Item]:
    return [Item("n3", "lt", "bio", "u2", "乙单位", "<b>甲</b>"), Item("n1", "lt", "ele", "u9", "丙单位", "乙"),
            Item("n2", "lt", "bio", "u1", "乙单位", "甲"), Item("n4", "lt", "bio", "u0", None, "丁")]


def test_the_declared_order_is_domain_then_unit_name_by_code_points_then_id_then_title():
    ordered = declared_order(["ele", "bio"], items())
    assert [i.nomination_id for i in ordered] == ["n1", "n4", "n2", "n3"]  # "u0" < "乙单位" by code points


def test_the_check_catches_order_sha_page_and_view_disagreements():
    expected = {"lt": declared_order(["ele", "bio"], items()[:3])}
    doc = {"lists": [{"list_code": "lt", "version": 1, "reason": None, "released_on": "2023-02-20", "corrections": [],
                      "entries": [
        {"nomination_id": i.nomination_id, "title": i.title, "unit_id": i.unit_id, "domain": i.domain}
        for i in expected["lt"]]}]}
    found: list[str] = []
    check_release_json(doc, expected, {"lt": 1}, {}, "2023-02-20", found)
    assert found == []
    doc["lists"][0]["entries"].reverse()
    check_release_json(doc, expected, {"lt": 1}, {}, "2023-02-20", found)
    assert found and "other order" in found[0]
    data = json.dumps(doc).encode()
    manifest = json.dumps({"versions": {"lt": 1}, "released_on": "2023-02-20", "files": {
        "release.json": {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}}}).encode()
    found = []
    check_manifest(manifest, {"release.json": data}, {"lt": 1}, "2023-02-20", found)
    assert found == []
    check_manifest(manifest, {"release.json": data + b" "}, {"lt": 1}, "2023-02-20", found)
    assert len(found) == 1 and "sha256" in found[0]
    rows = "".join(f'<tr><td class="number">{n}</td><td>{t}</td><td></td></tr>'
                   for n, t in enumerate(["乙", "甲", "&lt;b&gt;甲&lt;/b&gt;"], 1))
    page = f'<section class="list" id="list-lt">{rows}</section>'
    found = []
    check_page(page, expected, [items()[3]], ["a@example.org"], found)
    assert found == []
    check_page(page.replace("&lt;b&gt;甲&lt;/b&gt;", "<b>甲</b>") + "丁 a@example.org", expected, [items()[3]],
               ["a@example.org"], found)
    assert len(found) == 4  # titles differ, the unreleased 丁 shown, a title unescaped, a contact shown
    found = []
    check_view({"n1": "published", "n2": "selected", "n3": "not_selected"}, {"n1"}, {"n2"}, {"n3"}, found)
    assert found == []
    check_view({"n1": "published", "n2": "published", "n3": "selected"}, {"n1"}, {"n2"}, {"n3"}, found)
    assert len(found) == 2


CORRECTIONS = [
    {"nomination_id": "n1", "title": "<b>甲</b>", "revoked": False, "reason": "笔误",
     "changes": [{"field": "title", "before": "<b>甲</b>", "after": "<b>甲</b>（名称更正）"}]},
    {"nomination_id": "n2", "title": "乙", "revoked": True, "reason": "不符合条件", "changes": []}]


def test_the_correction_check_holds_version_1_and_2_to_exactly_the_correction():
    before = items()[:2]
    first = {"entries": [{"nomination_id": i.nomination_id, "title": i.title} for i in before], "corrections": []}
    found: list[str] = []
    check_correction(first, {"corrections": CORRECTIONS}, before, CORRECTIONS, found)
    assert found == []
    changed = {**first, "entries": [{**first["entries"][0], "title": "改"}, first["entries"][1]]}
    check_correction(changed, {"corrections": CORRECTIONS[:1]}, before, CORRECTIONS, found)
    assert len(found) == 2 and "version 1 changed" in found[0] and "version 2 corrections" in found[1]
    # The check finds the entry's change and the revocation in the page's correction notice, escaped.
    notice = ("<li>“&lt;b&gt;甲&lt;/b&gt;”：名称由“&lt;b&gt;甲&lt;/b&gt;”更正为“&lt;b&gt;甲&lt;/b&gt;（名称更正）”。原因：笔误</li>"
              "<li>撤销“乙”。原因：不符合条件</li>")
    found = []
    check_correction_notice(notice, CORRECTIONS, found)
    assert found == []
    check_correction_notice(notice.replace("撤销", ""), CORRECTIONS, found)
    assert len(found) == 1 and "撤销" in found[0]
    found = []
    check_view({"n1": "published", "n2": "published"}, {"n1"}, set(), set(), found, revoked={"n2"})
    assert len(found) == 2  # n2 should read revoked, and it reads published without being released


def test_the_held_domain_and_the_meeting_follow_the_seed_and_the_campaign():
    ranked = {"c:leading_tech:a": ["n1"], "c:leading_tech:b": ["n2", "n3"], "c:leading_tech:c": [],
              "c:open_source:": ["n4"]}
    held = held_target(ranked, "leading_tech", 7)
    assert held == held_target(dict(reversed(ranked.items())), "leading_tech", 7)
    assert held in ("c:leading_tech:a", "c:leading_tech:b")                   # a domain with something to decide
    assert held_target({"c:leading_tech:c": []}, "leading_tech", 7) is None
    tz = ZoneInfo("Asia/Shanghai")
    book = SimpleNamespace(tz=tz, timeline=SimpleNamespace(
        release_planned_from=datetime(2023, 2, 19, 16, 0, tzinfo=ZoneInfo("UTC"))))  # 2023-02-20 00:00 in Beijing
    assert meeting(book).isoformat() == "2023-02-20T09:30:00+08:00"
