"""Conflicts hold on every path, against the real broker and database: a seat the rule bars is refused
by hand (no automatic run first), and no score can follow; a declared conflict with no replacement is
recorded with its shortfall, shown to the body and the secretariat, and filled by extending the roster
or raising the load limit. Each refusal a 4xx problem+json in Chinese that leaves nothing on the log."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contracts.events import (ConflictDeclared, ExpertAssigned, ExpertUnassigned, ReviewPlanFiled,
                              SeatShortfallRecorded, decode_event)
from contracts.topics import REVIEW
from eventlog.clock import FixedClock
from tests.integration.test_review_flow import SCORES, as_, refused
from tests.support.events import open_campaign
from tests.support.intake import Keys, OffsetWatch
from tests.support.kafka import read_topic
from tests.support.review import IN_REVIEW, MATERIALS, plan_body, put_nominations, roster, services_in_process, \
    views_show

T = "/v1/review/campaigns/kczg-2022/targets/leading_tech/advanced_materials"  # one body: MATERIALS


@pytest.fixture
async def review(env, tmp_path):
    """kczg-2022 open; unit-a with 1 and unit-b with 2 先导技术·先进材料 nominations, reserved and screened;
    the review and quota services in-process, the clock in the review window."""
    await open_campaign()
    nominations = await put_nominations({"unit-a": 1, "unit-b": 2}, domain="advanced_materials")
    async with services_in_process(Keys(tmp_path), FixedClock(IN_REVIEW)) as client:
        client.db = env["DATABASE_URL"]
        await views_show(client.db, "SELECT count(*) FROM review_views.nominations WHERE quota_outcome = 'reserved'", 3)
        for n in nominations:
            r = await client.post(f"/v1/review/nominations/{n.nomination_id}/screening", json={"passed": True},
                                  headers=as_(client, "secretariat", "kczg_secretariat"))
            assert r.status_code == 201, r.text
        await views_show(client.db, "SELECT count(*) FROM review_views.nominations WHERE in_review", 3)
        client.nominations = nominations
        client.body = as_(client, "review_body", MATERIALS)
        yield client


def expert(client, e: str) -> dict:
    return as_(client, "expert", MATERIALS, sub=e)


async def on_log() -> list:
    return [decode_event(raw) for raw in await read_topic(REVIEW.name)]


async def test_a_hand_seat_the_rule_bars_is_refused_and_no_score_can_follow(review):
    unit_a = next(str(n.nomination_id) for n in review.nominations if n.unit_id == "unit-a")
    experts = roster(4, conflicted_with="测试推荐单位unit-a")   # e00 works at the recommending unit
    experts[1]["affiliation"] = "某碳纤维股份有限公司"            # e01 at a completing unit of every nomination
    r = await review.put(T + "/plan", json=plan_body(experts, per_item=2), headers=review.body)
    assert r.status_code == 201, r.text
    # No automatic assignment has run: the rule itself refuses both, and nothing is written.
    async with OffsetWatch() as watch:
        for e, party in (("e00", "推荐单位（测试推荐单位unit-a）"), ("e01", "完成单位（某碳纤维股份有限公司）")):
            await refused(review, watch, "POST", T + "/assignments", review.body, 409, "expert_conflicted",
                          json={"nomination_id": unit_a, "expert_id": e})
            detail = (await review.post(T + "/assignments", json={"nomination_id": unit_a, "expert_id": e},
                                        headers=review.body)).json()["detail"]
            assert detail == f"该专家与该推荐对象存在回避关系（专家所在单位即本推荐对象的{party}），不能分配。"
        # So x never sits, and x's score has no seat to count on.
        await refused(review, watch, "PUT", f"{T}/nominations/{unit_a}/scores", expert(review, "e00"), 404,
                      "not_assigned", json={"scores": SCORES})
    # An expert the rule does not bar is seated by hand.
    r = await review.post(T + "/assignments", json={"nomination_id": unit_a, "expert_id": "e02"}, headers=review.body)
    assert (r.status_code, r.json()["assigned"], r.json()["conflicts"]) == (200, 1, 0), r.text
    assert [(type(e), e.expert_id) for e in await on_log() if not isinstance(e, ReviewPlanFiled)] == \
        [(ExpertAssigned, "e02")]


async def test_a_declaration_with_no_replacement_is_recorded_shown_and_filled_by_extending_the_roster(review):
    # Three experts, three per item, all seated on every nomination; one score locks the plan.
    experts = roster(3)
    r = await review.put(T + "/plan", json=plan_body(experts, per_item=3), headers=review.body)
    plan_id = r.json()["plan_event_id"]
    assert (await review.post(T + "/assignments/auto", json={}, headers=review.body)).json()["assigned"] == 9
    nid = str(review.nominations[0].nomination_id)
    assert (await review.put(f"{T}/nominations/{nid}/scores", json={"scores": SCORES},
                             headers=expert(review, "e00"))).status_code == 200
    # e01 declares: recorded, unseated, and the seat no one can take is its own fact.
    r = await review.post(f"{T}/nominations/{nid}/conflict", json={"reason_code": "relative"},
                          headers=expert(review, "e01"))
    assert (r.status_code, r.json()["recorded"], r.json()["replaced_by"], r.json()["short_by"]) == (201, True, 0, 1)
    declared = [e for e in await on_log() if isinstance(e, (ConflictDeclared, ExpertUnassigned, SeatShortfallRecorded))]
    assert [(type(e), str(e.nomination_id)) for e in declared] == [
        (ConflictDeclared, nid), (ExpertUnassigned, nid), (SeatShortfallRecorded, nid)]
    short = declared[2]
    assert (short.seats_needed, short.eligible, short.experts_needed, short.max_load_needed, short.left_by) == \
        (1, 0, 1, None, "e01")
    async with OffsetWatch() as watch:
        await refused(review, watch, "PUT", f"{T}/nominations/{nid}/scores", expert(review, "e01"), 403,
                      "expert_conflicted", json={"scores": SCORES})
        # A locked plan changes nothing but its roster and load limit.
        await refused(review, watch, "PUT", T + "/plan", review.body, 409, "plan_locked",
                      json=plan_body(experts, per_item=2))
    # The body and the secretariat both see the nomination short, and what would fix it.
    await views_show(review.db, "SELECT count(*) FROM review_views.nominations WHERE short_at IS NOT NULL", 1)
    for who in (review.body, as_(review, "secretariat", "kczg_secretariat")):
        items = (await review.get(T, headers=who)).json()["nominations"]["items"]
        shown = {i["nomination_id"]: i["shortfall"] for i in items}
        assert {n for n, s in shown.items() if s} == {nid}
        assert (shown[nid]["seats_needed"], shown[nid]["experts_needed"], shown[nid]["remedy"]) == (
            1, 1, "该推荐对象还缺 1 位评审专家，名单中无可接替的无回避专家：请增补专家名单（至少 1 位无回避关系的专家）。")
    # The body extends the roster: e03 takes the seat, the plan stays the one extended.
    r = await review.put(T + "/plan", json=plan_body([*experts, *roster(4)[3:]], per_item=3), headers=review.body)
    assert (r.status_code, r.json()["extends"], r.json()["assigned"], r.json()["short"]) == (201, plan_id, 1, []), r.text
    await views_show(review.db, "SELECT count(*) FROM review_views.panel WHERE expert_id = 'e03' AND active", 1)
    items = (await review.get(T, headers=review.body)).json()["nominations"]["items"]
    filled = next(i for i in items if i["nomination_id"] == nid)
    assert (filled["experts"], filled["shortfall"]) == (["e00", "e02", "e03"], None)
    assert (await review.put(f"{T}/nominations/{nid}/scores", json={"scores": SCORES},
                             headers=expert(review, "e03"))).status_code == 200


async def test_a_declaration_when_every_other_expert_is_at_max_load_is_filled_by_raising_the_limit(review):
    # Three nominations, two experts each, six experts at most one each: everyone is at the limit.
    r = await review.put(T + "/plan", json=plan_body(roster(6), per_item=2, max_load=1), headers=review.body)
    assert r.status_code == 201, r.text
    assert (await review.post(T + "/assignments/auto", json={}, headers=review.body)).json()["assigned"] == 6
    nid = str(review.nominations[1].nomination_id)
    items = (await review.get(T, headers=review.body)).json()["nominations"]["items"]
    leaving = next(i["experts"] for i in items if i["nomination_id"] == nid)[0]
    r = await review.post(f"{T}/nominations/{nid}/conflict", json={"reason_code": "collaboration"},
                          headers=expert(review, leaving))
    assert (r.status_code, r.json()["replaced_by"], r.json()["short_by"]) == (201, 0, 1), r.text
    (short,) = [e for e in await on_log() if isinstance(e, SeatShortfallRecorded)]
    assert (short.eligible, short.max_load, short.max_load_needed, short.experts_needed) == (4, 1, 2, 1)
    # The body raises the limit for a run: the seat is filled, and nothing else moves.
    r = await review.post(T + "/assignments/auto", json={"max_load": 2}, headers=review.body)
    assert (r.status_code, r.json()["assigned"], r.json()["filled"]) == (200, 1, 1), r.text
    await views_show(review.db, "SELECT count(*) FROM review_views.panel WHERE active AND conflict_reason_code IS NULL",
                     6)
    items = (await review.get(T, headers=review.body)).json()["nominations"]["items"]
    assert [i["shortfall"] for i in items] == [None, None, None]


# --- re-review (复评) -----------------------------------------------------------------------------------

def same(total: str) -> dict:
    return {"scores": {k: total for k in SCORES}}  # every criterion alike: the total is that score


async def _diverging(review) -> tuple[str, list[str], list[str]]:
    """A plan measuring divergence as the trimmed range (threshold 20), three experts per nomination, all
    scored 85 but one nomination scored 60, 85 and 88: (that nomination, its experts, the roster's others)."""
    plan = plan_body(roster(6), per_item=3, divergence_threshold="20", divergence_measure="trimmed_range",
                     trim_min_scores=5)
    assert (await review.put(T + "/plan", json=plan, headers=review.body)).status_code == 201
    assert (await review.post(T + "/assignments/auto", json={}, headers=review.body)).json()["assigned"] == 9
    items = (await review.get(T, headers=review.body)).json()["nominations"]["items"]
    panel = {i["nomination_id"]: i["experts"] for i in items}
    nid = str(review.nominations[0].nomination_id)
    for n, experts in panel.items():
        for e, total in zip(experts, ("60", "85", "88") if n == nid else ("85", "85", "85")):
            r = await review.put(f"{T}/nominations/{n}/scores", json=same(total), headers=expert(review, e))
            assert r.status_code == 200, r.text
    return nid, panel[nid], [e["expert_id"] for e in roster(6) if e["expert_id"] not in panel[nid]]


async def test_a_re_review_adds_experts_keeps_revisions_on_the_log_and_clears_the_divergence(review):
    nid, seated, free = await _diverging(review)
    low, url = seated[0], f"{T}/nominations/{nid}/re-review"
    # The body opens a re-review: the low scorer to revisit, two experts added.
    r = await review.post(url, json={"revisit": [low], "add": free[:2], "reason": "评分分歧较大"}, headers=review.body)
    assert (r.status_code, r.json()["spread"], r.json()["revisit"], r.json()["added"]) == (201, "28.00", [low], free[:2])
    async with OffsetWatch() as watch:
        await refused(review, watch, "POST", T + "/results", review.body, 409, "re_review_open", json={})
        await refused(review, watch, "PUT", f"{T}/nominations/{nid}/scores", expert(review, low), 422,
                      "revision_reason_required", json=same("65"))
        await refused(review, watch, "POST", url + "/close", review.body, 409, "re_review_still_divergent", json={})
    # The low scorer revises with a reason: the earlier score stays on the log, the revision names it.
    r = await review.put(f"{T}/nominations/{nid}/scores", json={**same("65"), "reason": "复核检测报告后上调"},
                         headers=expert(review, low))
    assert (r.status_code, r.json()["total"]) == (200, "65.00")
    first, revised = [e for e in await on_log() if e.type == "ExpertScoreRecorded" and e.expert_id == low
                      and str(e.nomination_id) == nid]
    assert (first.total, revised.total, revised.revises, revised.reason) == (60, 65, first.event_id, "复核检测报告后上调")
    # Both at the one instant of the fixed clock: the revision number, not the time, orders them.
    assert (first.occurred_at, first.revision, revised.revision) == (revised.occurred_at, 1, 2)
    # 65, 85, 88: still 23 apart (too few totals to trim); the added experts score, and the trimmed range is 2.
    async with OffsetWatch() as watch:
        await refused(review, watch, "POST", url + "/close", review.body, 409, "re_review_still_divergent", json={})
    for e, total in zip(free[:2], ("86", "87")):
        assert (await review.put(f"{T}/nominations/{nid}/scores", json=same(total),
                                 headers=expert(review, e))).status_code == 200
    r = await review.post(url + "/close", json={}, headers=review.body)
    assert (r.status_code, r.json()["cleared"], r.json()["spread"]) == (201, True, "2.00"), r.text
    await views_show(review.db, "SELECT count(*) FROM review_views.nominations WHERE re_review_cleared", 1)
    item = next(i for i in (await review.get(T, headers=review.body)).json()["nominations"]["items"]
                if i["nomination_id"] == nid)
    assert (item["re_review"]["open"], item["re_review"]["cleared"]) == (False, True)
    # The view shows the revision (an ordering by instant and event id kept the first score half the time).
    assert {e: Decimal(str(item["totals"][e])) for e in (low, *free[:2])} == {low: 65, free[0]: 86, free[1]: 87}
    # Now the results go in, the nomination ranked and no longer divergent.
    r = await review.post(T + "/results", json={}, headers=review.body)
    assert (r.status_code, r.json()["ranked"], r.json()["gaps"]) == (201, 3, []), r.text
    (scored,) = [e for e in await on_log() if e.type == "PrelimScored" and str(e.nomination_id) == nid]
    assert (scored.divergent, scored.expert_count) == (False, 5)


async def test_results_go_in_with_a_re_review_open_only_with_a_reason_for_it(review):
    nid, seated, _ = await _diverging(review)
    r = await review.post(f"{T}/nominations/{nid}/re-review", json={"revisit": [seated[0]]}, headers=review.body)
    assert r.status_code == 201, r.text
    async with OffsetWatch() as watch:
        await refused(review, watch, "POST", T + "/results", review.body, 409, "re_review_open",
                      json={"re_review_reasons": {str(review.nominations[1].nomination_id): "不相干的理由"}})
    r = await review.post(T + "/results", json={"re_review_reasons": {nid: "复评专家因病未能复核"}}, headers=review.body)
    assert (r.status_code, r.json()["ranked"], r.json()["gaps"]) == (201, 2, [nid]), r.text
    (submitted,) = [e for e in await on_log() if e.type == "PrelimResultsSubmitted"]
    assert [(str(g.nomination_id), g.reason, g.note) for g in submitted.gaps] == [
        (nid, "under_re_review", "复评专家因病未能复核")]
    (closed,) = [e for e in await on_log() if e.type == "ReReviewClosed"]
    assert (closed.cleared, closed.reason) == (False, "复评专家因病未能复核")
