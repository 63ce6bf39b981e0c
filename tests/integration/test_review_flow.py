"""The review service against the real broker and database: screening, a joint target's plan,
assignment with conflicts excluded, scores and their refusals, and results flagged late — each refusal
a 4xx with a specific code and a Chinese message that leaves nothing on the log."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal

import pytest

from contracts.events import (ConflictDeclared, ExpertAssigned, ExpertScoreRecorded, NominationScreened,
                              PrelimResultsSubmitted, PrelimScored, QuotaReleased, ReviewPlanFiled)
from contracts.topics import NOMINATIONS, QUOTA, REVIEW
from eventlog.clock import FixedClock
from tests.support.events import open_campaign
from tests.support.intake import Keys, OffsetWatch, events_of
from tests.support.kafka import read_topic
from tests.support.review import (BJ, CLEAN, ECO, GREEN, IN_REVIEW, MATERIALS, plan_body, put_nominations, roster,
                                  services_in_process, views_show)

SCORES = {"innovation": "90", "advancement": "80", "industrial_value": "85", "social_benefit": "70"}


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
async def review(env, tmp_path):
    """kczg-2022 open; two units with 3 and 2 绿色低碳 nominations, reserved by the quota decider; the review
    and quota services in-process; the clock in the review window (after submissions closed)."""
    await open_campaign()
    nominations = await put_nominations({"unit-a": 3, "unit-b": 2})
    async with services_in_process(Keys(tmp_path), FixedClock(IN_REVIEW)) as client:
        await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.nominations "
                         "WHERE quota_outcome = 'reserved'", len(nominations))
        client.nominations = nominations
        client.db = env["DATABASE_URL"]
        yield client


def as_(client, role: str, org: str, sub: str | None = None) -> dict:
    return client.keys.headers(role, org, **({"sub": sub} if sub else {}))


async def refused(client, watch, method: str, url: str, headers: dict, status: int, code: str, **kw) -> None:
    before = await watch.ends()
    r = await client.request(method, url, headers=headers, **kw)
    assert (r.status_code, r.json()["code"]) == (status, code), r.text
    assert r.headers["content-type"].startswith("application/problem+json") and chinese(r.json()["detail"])
    assert await watch.ends() == before, "a refusal put something on the log"


async def screen_all(client, fail: set = frozenset()) -> None:
    secretariat = as_(client, "secretariat", "kczg_secretariat")
    for n in client.nominations:
        passed = n.nomination_id not in fail
        body = {"passed": passed, "reasons": [] if passed else ["推荐表缺少盖章页"]}
        r = await client.post(f"/v1/review/nominations/{n.nomination_id}/screening", json=body, headers=secretariat)
        assert r.status_code == 201, r.text
    await views_show(client.db, "SELECT count(*) FROM review_views.nominations WHERE screening_passed IS NOT NULL",
                     len(client.nominations))


async def test_screening_passes_or_fails_and_a_failure_frees_the_quota_slot(review):
    failed = review.nominations[0]
    async with OffsetWatch() as watch:
        unit = as_(review, "unit", "unit-a")
        await refused(review, watch, "POST", f"/v1/review/nominations/{failed.nomination_id}/screening", unit, 403,
                      "role_not_allowed", json={"passed": True})
        await refused(review, watch, "POST", f"/v1/review/nominations/{failed.nomination_id}/screening",
                      as_(review, "secretariat", "kczg_secretariat"), 422, "reasons_required", json={"passed": False})
    await screen_all(review, fail={failed.nomination_id})
    screened = events_of(await read_topic(NOMINATIONS.name), NominationScreened)
    assert Counter(e.passed for e in screened) == {True: 4, False: 1}
    # The quota decider frees exactly the failed nomination's slot.
    await views_show(review.db, "SELECT count(*) FROM review_views.nominations WHERE quota_outcome = 'released'", 1)
    (released,) = events_of(await read_topic(QUOTA.name), QuotaReleased)
    assert (released.nomination_id, released.reason) == (failed.nomination_id, "screened_out")
    # The queue shows where each stands; a screening once made is final.
    queue = (await review.get("/v1/review/campaigns/kczg-2022/screening",
                              headers=as_(review, "secretariat", "kczg_secretariat"))).json()
    assert queue["by_state"] == {"pending": 0, "passed": 4, "failed": 0}  # the failed one holds no slot now
    async with OffsetWatch() as watch:
        await refused(review, watch, "POST", f"/v1/review/nominations/{review.nominations[1].nomination_id}/screening",
                      as_(review, "secretariat", "kczg_secretariat"), 409, "already_screened",
                      json={"passed": False, "reasons": ["改判"]})


async def test_a_joint_plan_both_bodies_manage_and_a_third_body_never_sees(review):
    await screen_all(review)
    eco, clean, third = as_(review, "review_body", ECO), as_(review, "review_body", CLEAN), as_(review, "review_body", MATERIALS)
    experts = roster(8, conflicted_with="测试推荐单位unit-a")
    async with OffsetWatch() as watch:
        # A third body: the target does not exist for it, in reads and writes.
        await refused(review, watch, "GET", GREEN, third, 404, "target_not_found")
        await refused(review, watch, "PUT", GREEN + "/plan", third, 404, "target_not_found", json=plan_body(experts))
        # Nothing is assigned before a plan is filed.
        await refused(review, watch, "POST", GREEN + "/assignments/auto", eco, 409, "plan_not_filed", json={})
    r = await review.put(GREEN + "/plan", json=plan_body(experts), headers=eco)
    assert r.status_code == 201, r.text
    plan_id = r.json()["plan_event_id"]
    async with OffsetWatch() as watch:
        await refused(review, watch, "POST", GREEN + "/assignments/auto", clean, 409, "plan_not_confirmed", json={})
        await refused(review, watch, "POST", GREEN + "/plan/confirmation", eco, 409, "confirm_by_other_body",
                      json={"plan_event_id": plan_id})
    r = await review.post(GREEN + "/plan/confirmation", json={"plan_event_id": plan_id}, headers=clean)
    assert r.status_code == 201, r.text
    # The confirming body assigns: every nomination gets 3 experts, e00 (of unit-a) never on unit-a's.
    r = await review.post(GREEN + "/assignments/auto", json={}, headers=clean)
    assert r.status_code == 200, r.text
    assert (r.json()["assigned"], r.json()["conflicts"]) == (15, 3)
    on_log = [e for e in map(__import__("contracts.events", fromlist=["decode_event"]).decode_event,
                             await read_topic(REVIEW.name))]
    conflicts = {(e.nomination_id, e.expert_id) for e in on_log if isinstance(e, ConflictDeclared)}
    seats = {(e.nomination_id, e.expert_id) for e in on_log if isinstance(e, ExpertAssigned)}
    unit_a = {n.nomination_id for n in review.nominations if n.unit_id == "unit-a"}
    assert conflicts == {(n, "e00") for n in unit_a} and not (seats & conflicts)
    assert {e.solver_input_hash for e in on_log if isinstance(e, ExpertAssigned)} == {r.json()["solver_input_hash"]}
    assert {e.key for e in on_log} == {"kczg-2022:leading_tech:green_low_carbon"}  # one partition for the target
    # Both bodies see the target and its panel.
    await views_show(review.db, "SELECT count(*) FROM review_views.panel WHERE active", 15)
    for body in (eco, clean):
        view = (await review.get(GREEN, headers=body)).json()
        assert view["target"]["plan_confirmed"] and all(len(n["experts"]) == 3 for n in view["nominations"]["items"])


async def _ready(review, experts=None) -> dict:
    """Screened, a confirmed plan, assigned: {nomination id: [seated experts]}."""
    await screen_all(review)
    eco, clean = as_(review, "review_body", ECO), as_(review, "review_body", CLEAN)
    r = await review.put(GREEN + "/plan", json=plan_body(experts or roster(8)), headers=eco)
    await review.post(GREEN + "/plan/confirmation", json={"plan_event_id": r.json()["plan_event_id"]}, headers=clean)
    assert (await review.post(GREEN + "/assignments/auto", json={}, headers=eco)).status_code == 200
    await views_show(review.db, "SELECT count(*) FROM review_views.panel WHERE active", 15)
    items = (await review.get(GREEN, headers=eco)).json()["nominations"]["items"]
    return {i["nomination_id"]: i["experts"] for i in items}


async def test_scores_and_every_refusal_of_one(review):
    panel = await _ready(review)
    nid, seated = next(iter(panel.items()))
    idle = next(e for e in (f"e{i:02d}" for i in range(8)) if e not in seated)
    expert = lambda e: as_(review, "expert", ECO, sub=e)  # noqa: E731
    url = f"{GREEN}/nominations/{nid}/scores"
    async with OffsetWatch() as watch:
        await refused(review, watch, "PUT", url, expert(idle), 404, "not_assigned", json={"scores": SCORES})
        await refused(review, watch, "PUT", url, expert(seated[0]), 422, "score_out_of_range",
                      json={"scores": {**SCORES, "innovation": "101"}})
        await refused(review, watch, "PUT", url, expert(seated[0]), 422, "criterion_missing",
                      json={"scores": {k: v for k, v in SCORES.items() if k != "social_benefit"}})
        await refused(review, watch, "PUT", url, as_(review, "expert", MATERIALS, sub=seated[0]), 404,
                      "target_not_found", json={"scores": SCORES})
        review.clock.at = datetime(2022, 10, 31, 23, 59, tzinfo=BJ)  # submissions still open
        await refused(review, watch, "PUT", url, expert(seated[0]), 409, "review_not_open", json={"scores": SCORES})
        review.clock.at = IN_REVIEW
    r = await review.put(url, json={"scores": SCORES}, headers=expert(seated[0]))
    assert (r.status_code, r.json()["total"]) == (200, "83.00")  # 27 + 20 + 25.5 + 10.5
    # Revised before the results: a second event with the new total; the plan is now locked.
    r = await review.put(url, json={"scores": {**SCORES, "innovation": "100"}}, headers=expert(seated[0]))
    assert r.json()["total"] == "86.00"
    async with OffsetWatch() as watch:
        await refused(review, watch, "PUT", GREEN + "/plan", as_(review, "review_body", ECO), 409, "plan_locked",
                      json=plan_body(roster(8)))
    # A declared conflict: the expert leaves, another takes the seat, and their scores cannot go on.
    r = await review.post(f"{GREEN}/nominations/{nid}/conflict", json={"reason_code": "relative", "reason": "亲属"},
                          headers=expert(seated[1]))
    assert (r.status_code, r.json()["replaced_by"]) == (201, 1), r.text
    async with OffsetWatch() as watch:
        await refused(review, watch, "PUT", url, expert(seated[1]), 403, "expert_conflicted", json={"scores": SCORES})
    recorded = events_of(await read_topic(REVIEW.name), ExpertScoreRecorded)
    assert [(e.expert_id, e.total) for e in recorded] == [(seated[0], Decimal("83.00")), (seated[0], Decimal("86.00"))]
    # The conflicted expert's queue no longer shows the nomination.
    await views_show(review.db, "SELECT count(*) FROM review_views.panel WHERE conflict_reason_code = 'relative'", 1)
    queue = (await review.get("/v1/review/me/queue", headers=expert(seated[1]))).json()
    assert nid not in {i["nomination_id"] for i in queue["items"]}


async def score_everything(review, panel: dict) -> None:
    for n, (nid, experts) in enumerate(panel.items()):
        for i, e in enumerate(experts):
            body = {"scores": {k: str(90 - 5 * n + i) for k in SCORES}}
            r = await review.put(f"{GREEN}/nominations/{nid}/scores", json=body, headers=as_(review, "expert", ECO, sub=e))
            assert r.status_code == 200, r.text


@pytest.mark.parametrize("at, late", [("2022-11-30T23:59:59+08:00", False), ("2022-12-01T00:00:00+08:00", True)])
async def test_results_are_ranked_and_flagged_late_from_the_deadline_on(review, at, late):
    panel = await _ready(review)
    eco = as_(review, "review_body", ECO)
    async with OffsetWatch() as watch:
        await refused(review, watch, "POST", GREEN + "/results", eco, 409, "results_incomplete", json={})
    await score_everything(review, panel)
    review.clock.at = datetime.fromisoformat(at)
    r = await review.post(GREEN + "/results", json={}, headers=eco)
    assert (r.status_code, r.json()["late"], r.json()["ranked"]) == (201, late, 5), r.text
    on_log = events_of(await read_topic(REVIEW.name), PrelimScored, PrelimResultsSubmitted)
    scored = [e for e in on_log if isinstance(e, PrelimScored)]
    assert [e.rank for e in scored] == [1, 2, 3, 4, 5] and all(e.method == "trimmed_mean" for e in scored)
    assert scored[0].aggregate == Decimal("91.00") and scored[0].raw_sum == Decimal("273.00")
    assert on_log[-1].late is late and list(on_log[-1].ranked) == [e.nomination_id for e in scored]
    async with OffsetWatch() as watch:
        await refused(review, watch, "POST", GREEN + "/results", eco, 409, "results_submitted", json={})
        nid, experts = next(iter(panel.items()))
        await refused(review, watch, "PUT", f"{GREEN}/nominations/{nid}/scores", as_(review, "expert", ECO, sub=experts[0]),
                      409, "results_submitted", json={"scores": SCORES})


async def test_final_review_decides_with_the_committees_vote_until_the_notice_opens(review):
    from uuid import uuid4

    from contracts.events import FinalDecisionRecorded, PublicNoticeOpened
    from contracts.topics import PUBLISH
    from tests.support.events import SECRETARIAT, publish

    panel = await _ready(review)
    await score_everything(review, panel)
    assert (await review.post(GREEN + "/results", json={}, headers=as_(review, "review_body", ECO))).status_code == 201
    secretariat = as_(review, "secretariat", "kczg_secretariat")
    first = next(iter(panel))
    url = f"/v1/review/campaigns/kczg-2022/nominations/{first}/decision"
    quorate = {"eligible": 15, "present": 12, "recused": 1, "yes": 8, "no": 3, "abstain": 1}
    async with OffsetWatch() as watch:
        # 9 of 15 present (a recused member is not present): no quorum, and the figures are named.
        r = await review.post(url, json={"selected": True, "vote": {**quorate, "present": 9, "yes": 7, "no": 1}},
                              headers=secretariat)
        assert (r.status_code, r.json()["code"]) == (422, "no_quorum")
        assert "应到 15 人，实到 9 人" in r.json()["detail"] and "须至少 10 人" in r.json()["detail"]
        # 7 yes of 12 present: below two thirds (8 needed).
        await refused(review, watch, "POST", url, secretariat, 422, "not_approved",
                      json={"selected": True, "vote": {**quorate, "yes": 7, "no": 4}})
        await refused(review, watch, "POST", url, secretariat, 422, "vote_inconsistent",
                      json={"selected": True, "vote": {**quorate, "yes": 9}})
        await refused(review, watch, "POST", f"/v1/review/campaigns/kczg-2022/nominations/{uuid4()}/decision",
                      secretariat, 409, "no_prelim_results", json={"selected": True, "vote": quorate})
    # Exactly two thirds approve (8 of 12, 含三分之二): selected. Then revised: a second revision.
    r = await review.post(url, json={"selected": True, "vote": quorate, "note": "终评通过"}, headers=secretariat)
    assert (r.status_code, r.json()["revision"]) == (201, 1), r.text
    revised = {**quorate, "yes": 5, "no": 6}
    r = await review.post(url, json={"selected": False, "vote": revised}, headers=secretariat)
    assert (r.status_code, r.json()["revision"], r.json()["selected"]) == (201, 2, False)
    # Once the list's public notice opens, decisions are final.
    notice = PublicNoticeOpened(occurred_at=IN_REVIEW, campaign="kczg-2022", key="kczg-2022:leading_tech",
                                actor=SECRETARIAT, notice_id=uuid4(), list_code="leading_tech",
                                opens_at=IN_REVIEW, closes_at=IN_REVIEW.replace(day=20), nominations=(first,))
    await publish((PUBLISH, notice))
    await views_show(review.db, "SELECT count(*) FROM review_views.notices", 1)
    async with OffsetWatch() as watch:
        await refused(review, watch, "POST", url, secretariat, 409, "notice_open", json={"selected": True, "vote": quorate})
    decisions = events_of(await read_topic(REVIEW.name), FinalDecisionRecorded)
    assert [(d.revision, d.selected, d.vote.yes) for d in decisions] == [(1, True, 8), (2, False, 5)]
    # The secretariat's final-review view shows the submitted results, ranked.
    final = (await review.get("/v1/review/campaigns/kczg-2022/final", headers=secretariat)).json()
    (green,) = final["targets"]
    assert [n["prelim"]["rank"] for n in green["nominations"]] == [1, 2, 3, 4, 5] and final["vote_rule"]["quorum"] == "2/3"


async def test_a_timeline_extension_moves_the_late_line(review):
    from contracts.events import CampaignTimelineChanged
    from contracts.topics import CAMPAIGNS
    from tests.support.events import SECRETARIAT, publish
    from tests.support.intake import wait_for

    moved = datetime(2022, 12, 8, tzinfo=BJ)
    await publish((CAMPAIGNS, CampaignTimelineChanged(occurred_at=IN_REVIEW, campaign="kczg-2022", key="kczg-2022",
                                                      actor=SECRETARIAT, reason="初评结果报送延长一周",
                                                      changes={"prelim_due_at": moved, "final_review_opens_at": moved})))

    async def follower_moved():
        return review.app.state.service.campaigns.campaign("kczg-2022").timeline.prelim_due_at == moved
    await wait_for(follower_moved)
    panel = await _ready(review)
    await score_everything(review, panel)
    review.clock.at = datetime(2022, 12, 1, 0, 0, tzinfo=BJ)  # late before the extension, in time after it
    r = await review.post(GREEN + "/results", json={}, headers=as_(review, "review_body", ECO))
    assert (r.status_code, r.json()["late"]) == (201, False)
    await views_show(review.db, "SELECT count(*) FROM review_views.targets WHERE results_submitted_at IS NOT NULL", 1)
    progress = (await review.get("/v1/review/campaigns/kczg-2022/progress",
                                 headers=as_(review, "secretariat", "kczg_secretariat"))).json()
    assert "kczg-2022:leading_tech:green_low_carbon" not in progress["missing"]
    assert "kczg-2022:leading_tech:biomedicine" in progress["missing"] and progress["late"] == []


async def test_a_sitting_decides_a_target_at_once_or_not_at_all(review):
    from contracts.events import FinalDecisionRecorded

    panel = await _ready(review)
    await score_everything(review, panel)
    assert (await review.post(GREEN + "/results", json={}, headers=as_(review, "review_body", ECO))).status_code == 201
    secretariat = as_(review, "secretariat", "kczg_secretariat")
    url = "/v1/review/campaigns/kczg-2022/final/sittings"
    carried = {"eligible": 15, "present": 12, "recused": 1, "yes": 9, "no": 2, "abstain": 1}
    rejected = {**carried, "yes": 2, "no": 9}
    ids = list(panel)
    decisions = [{"nomination_id": nid, "selected": i < 2, "vote": carried if i < 2 else rejected}
                 for i, nid in enumerate(ids)]
    # One decision short of its quorum: the whole sitting is refused, that item named, nothing on the log.
    short = [*decisions[:-1], {**decisions[-1], "vote": {**rejected, "present": 9, "no": 6}}]
    async with OffsetWatch() as watch:
        await refused(review, watch, "POST", url, secretariat, 422, "no_quorum", json={"decisions": short})
    r = await review.post(url, json={"decisions": short}, headers=secretariat)
    assert [(e["field"], e["code"], e["nomination_id"]) for e in r.json()["errors"]] == [
        ("decisions[4]", "no_quorum", ids[4])]
    # The sitting as minuted: one event per nomination, each carrying the sitting's id.
    r = await review.post(url, json={"decisions": decisions}, headers=secretariat)
    assert (r.status_code, r.json()["recorded"], r.json()["unchanged"]) == (201, 5, 0), r.text
    on_log = events_of(await read_topic(REVIEW.name), FinalDecisionRecorded)
    assert [(str(e.nomination_id), e.selected, e.revision) for e in on_log] == [
        (nid, i < 2, 1) for i, nid in enumerate(ids)]
    assert {str(e.sitting_id) for e in on_log} == {r.json()["sitting_id"]}
    # The same minutes sent again record nothing; a single decision after it revises as usual.
    again = await review.post(url, json={"decisions": decisions}, headers=secretariat)
    assert (again.status_code, again.json()["recorded"], again.json()["unchanged"]) == (200, 0, 5)
    r = await review.post(f"/v1/review/campaigns/kczg-2022/nominations/{ids[0]}/decision",
                          json={"selected": False, "vote": rejected}, headers=secretariat)
    assert (r.status_code, r.json()["revision"]) == (201, 2)
    assert len(events_of(await read_topic(REVIEW.name), FinalDecisionRecorded)) == 6


async def test_an_infeasible_auto_assignment_is_refused_from_the_worker_process_and_changes_nothing(review):
    # Four experts of at most two items each for five nominations of three: the solver (in the worker) cannot.
    await screen_all(review)
    eco, clean = as_(review, "review_body", ECO), as_(review, "review_body", CLEAN)
    r = await review.put(GREEN + "/plan", json=plan_body(roster(4), max_load=2), headers=eco)
    await review.post(GREEN + "/plan/confirmation", json={"plan_event_id": r.json()["plan_event_id"]}, headers=clean)
    async with OffsetWatch() as watch:
        await refused(review, watch, "POST", GREEN + "/assignments/auto", eco, 422, "assignment_infeasible", json={})
    r = await review.post(GREEN + "/assignments/auto", json={}, headers=eco)
    assert "至少还需增加" in r.json()["detail"], r.text
