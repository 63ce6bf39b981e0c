"""The secretariat's receipts (回执) of filed plans against the real broker and database: over JSON, a plan in
force acknowledged or returned once (a second receipt, a body's, an unknown plan or target, a return without
reasons: refused, nothing written), no assignment under a returned plan, the receipt on the target's JSON and
the body's page; on the secretariat's page, the plans with their states and terms, a form without its CSRF token
refused and a form sent twice recorded once."""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from contracts.events import PlanAcknowledged, PlanReturned, ReviewPlanFiled
from contracts.topics import REVIEW
from eventlog.clock import FixedClock
from eventlog.http.page_session import PAGES, csrf_token
from eventlog.verify.state_verify import verify_states
from kczg.state_cli import states
from tests.support.events import open_campaign
from tests.support.intake import Keys, OffsetWatch, events_of
from tests.support.kafka import read_topic
from tests.support.review import IN_REVIEW, MATERIALS, plan_body, roster, services_in_process, view_count, views_show

API = "/v1/review/campaigns/kczg-2022/targets/leading_tech/advanced_materials"
PLANS = PAGES + "/review/campaigns/kczg-2022/plans"
BODY_PAGE = PAGES + "/review/body/campaigns/kczg-2022/targets/leading_tech/advanced_materials"
SUBMISSION = re.compile(r'name="submission" value="([0-9a-f]{32})"')
REASONS = ["专家名单中同一单位专家超过三分之一。", "评价标准缺少“社会效益”的说明。"]


@pytest.fixture
async def desk(env, tmp_path):
    """The materials body's plan filed; the secretariat signed in to the pages."""
    await open_campaign()
    async with services_in_process(Keys(tmp_path), FixedClock(IN_REVIEW)) as review:
        review.db = env["DATABASE_URL"]
        await views_show(review.db, "SELECT count(*) FROM review_views.targets", 0)  # the views built
        review.body = review.keys.headers("review_body", MATERIALS, sub="officer-m")
        review.secretariat = review.keys.headers("secretariat", "kczg_secretariat", sub="sec-1")
        r = await review.put(API + "/plan", json=plan_body(roster(4), per_item=2), headers=review.body)
        assert r.status_code == 201, r.text
        review.plan = r.json()["plan_event_id"]
        token = review.keys.token("secretariat", "kczg_secretariat", sub="sec-1")
        review.session, review.csrf = {"Cookie": f"kczg_session={token}"}, csrf_token(token)
        yield review


async def _receipts():
    return events_of(await read_topic(REVIEW.name), PlanAcknowledged, PlanReturned)


async def _receipt_shown(review, state: str) -> dict:
    await views_show(review.db, "SELECT count(*) FROM review_views.targets WHERE plan_event_id IS NOT NULL", 1)
    for _ in range(120):
        target = (await review.get(API, headers=review.body)).json()["target"]
        if target["plan_receipt"]["state"] == state:
            return target
        await asyncio.sleep(0.25)
    raise AssertionError(target)


async def test_a_plan_returned_once_over_json_blocks_assignment_until_filed_again(desk):
    review = desk
    receipt = API + "/plan/receipt"
    async with OffsetWatch() as watch:
        before = await watch.ends()
        # A body may not receipt its own plan; an unknown plan or target, or a return without reasons, is refused.
        r = await review.post(receipt, json={"plan_event_id": review.plan, "acknowledged": True}, headers=review.body)
        assert r.status_code == 403
        r = await review.post(receipt, json={"plan_event_id": "00000000-0000-4000-8000-000000000000",
                                             "acknowledged": True}, headers=review.secretariat)
        assert (r.status_code, r.json()["code"]) == (409, "plan_not_current")
        r = await review.post(receipt.replace("advanced_materials", "no_such_domain"),
                              json={"plan_event_id": review.plan, "acknowledged": True}, headers=review.secretariat)
        assert (r.status_code, r.json()["code"]) == (404, "target_not_found")
        r = await review.post(receipt, json={"plan_event_id": review.plan, "acknowledged": False, "reasons": [" "]},
                              headers=review.secretariat)
        assert (r.status_code, r.json()["code"], r.json()["detail"]) == (
            422, "reasons_required", "退回评审方案须说明理由（至少一条）。")
        assert await watch.ends() == before
        # Returned with its reasons.
        r = await review.post(receipt, json={"plan_event_id": review.plan, "acknowledged": False, "reasons": REASONS},
                              headers=review.secretariat)
        assert r.status_code == 201 and r.json()["outcome"] == "returned" and r.json()["plan_event_id"] == review.plan
        after_return = await watch.ends()
        # A second receipt of the same plan: 409 in Chinese, nothing written.
        r = await review.post(receipt, json={"plan_event_id": review.plan, "acknowledged": True},
                              headers=review.secretariat)
        assert (r.status_code, r.json()["code"], r.json()["detail"]) == (
            409, "plan_already_receipted", "该评审方案已退回，同一方案只能回执一次。")
        # No assignment under a returned plan.
        r = await review.post(API + "/assignments/auto", json={}, headers=review.body)
        assert (r.status_code, r.json()["code"]) == (409, "plan_returned")
        assert await watch.ends() == after_return
    (returned,) = await _receipts()
    assert isinstance(returned, PlanReturned) and list(returned.reasons) == REASONS
    assert (str(returned.plan_event_id), returned.body_code, returned.actor.role, returned.actor.person) == (
        review.plan, MATERIALS, "secretariat", "sec-1")
    # The target's JSON and the body's page show it returned, with the reasons.
    target = await _receipt_shown(review, "returned")
    assert (target["plan_receipt"]["label"], target["plan_receipt"]["reasons"]) == ("已退回", REASONS)
    token = review.keys.token("review_body", MATERIALS, sub="officer-m")
    page = await review.get(BODY_PAGE, headers={"Cookie": f"kczg_session={token}"})
    assert page.status_code == 200 and "秘书处回执：<strong>已退回</strong>" in page.text
    assert "<li>专家名单中同一单位专家超过三分之一。</li>" in page.text and "重新备案前不能分配专家" in page.text
    # Filed again (an hour later: the views order a target's facts by their instant): a new plan awaiting its own
    # receipt, and assignment runs (nothing to assign yet).
    review.clock.at = IN_REVIEW + timedelta(hours=1)
    r = await review.put(API + "/plan", json=plan_body(roster(5), per_item=2), headers=review.body)
    assert r.status_code == 201, r.text
    refiled = r.json()["plan_event_id"]
    r = await review.post(API + "/assignments/auto", json={}, headers=review.body)
    assert r.status_code == 200 and r.json()["assigned"] == 0
    r = await review.post(receipt, json={"plan_event_id": review.plan, "acknowledged": True},
                          headers=review.secretariat)
    assert (r.status_code, r.json()["code"]) == (409, "plan_not_current")
    review.clock.at = IN_REVIEW + timedelta(hours=2)
    r = await review.post(receipt, json={"plan_event_id": refiled, "acknowledged": True, "note": "方案已收悉。"},
                          headers=review.secretariat)
    assert r.status_code == 201 and r.json()["outcome"] == "acknowledged"
    target = await _receipt_shown(review, "acknowledged")
    assert (target["plan_receipt"]["label"], target["plan_receipt"]["note"]) == ("已确认", "方案已收悉。")
    r = await review.get("/v1/review/campaigns/kczg-2022/plans", headers=review.secretariat)
    (listed,) = r.json()["plans"]
    assert (listed["plan"]["event_id"], listed["plan"]["roster_size"], listed["receipt"]["state"]) == (
        refiled, 5, "acknowledged")
    r = await review.get("/v1/review/campaigns/kczg-2022/plans", headers=review.body)
    assert r.status_code == 403
    # The write side, receipts and all, is what a replay of the log gives (kczg state verify review).
    (verified,) = await verify_states(states("review"))
    assert verified.ok, [t.differences for t in verified.tables if t.differences]
    row = await view_count(review.db, "SELECT count(*) FROM review.targets WHERE receipt_event_id = $1 "
                                      "AND plan_returned = false AND plan_event_id = $2",
                           uuid.UUID(target["plan_receipt"]["event_id"]), uuid.UUID(refiled))
    assert row == 1


async def _post(review, pairs: list[tuple[str, str]], csrf: bool = True):
    return await review.post(PLANS, content=urlencode([*([("csrf", review.csrf)] if csrf else []), *pairs]),
                             headers={**review.session, "content-type": "application/x-www-form-urlencoded"})


async def test_the_secretariat_receipts_a_plan_on_its_page_once(desk):
    review = desk
    await views_show(review.db, "SELECT count(*) FROM review_views.targets WHERE plan_event_id IS NOT NULL", 1)
    page = await review.get(PLANS, headers=review.session)
    assert page.status_code == 200
    assert 'class="receipt-state">待回执</td>' in page.text and "先进材料" in page.text
    assert "<td>innovation</td>" in page.text and "方案回执" in page.text  # the terms, and the nav's link
    key = SUBMISSION.search(page.text).group(1)
    form = [("submission", key), ("plan_event_id", review.plan), ("list_code", "leading_tech"),
            ("domain", "advanced_materials")]
    async with OffsetWatch() as watch:
        before = await watch.ends()
        # Without its CSRF token: 403, nothing written.
        r = await _post(review, [*form, ("decision", "acknowledge")], csrf=False)
        assert r.status_code == 403
        # A return without reasons: refused beside the field, nothing written.
        r = await _post(review, [*form, ("decision", "return"), ("reasons", "  \n")])
        assert r.status_code == 422 and "退回评审方案须说明理由（至少一条）。" in r.text
        assert await watch.ends() == before
    # The page answered with a new form key; that form sent twice: recorded once.
    key = SUBMISSION.search(r.text).group(1)
    form[0] = ("submission", key)
    for _ in range(2):
        r = await _post(review, [*form, ("decision", "acknowledge"), ("note", "已收悉")])
        assert r.status_code == 200 and "已确认评审方案。" in r.text, r.text
    (acknowledged,) = await _receipts()
    assert isinstance(acknowledged, PlanAcknowledged) and acknowledged.note == "已收悉"
    await _receipt_shown(review, "acknowledged")
    page = await review.get(PLANS, headers=review.session)
    assert 'class="receipt-state">已确认</td>' in page.text and 'name="decision"' not in page.text
    # Another form for the plan already receipted: refused on the page, in Chinese.
    r = await _post(review, [("submission", "b" * 32), *form[1:], ("decision", "return"), ("reasons", "再议")])
    assert r.status_code == 409 and "该评审方案已确认，同一方案只能回执一次。" in r.text
    assert len(await _receipts()) == 1


PLAN_PDF = b"%PDF-1.7\n% the plan of a body\n%%EOF\n"


async def test_a_plan_filed_over_json_with_its_document_is_linked_on_the_receipts_page(desk):
    review = desk
    sha = hashlib.sha256(PLAN_PDF).hexdigest()
    await views_show(review.db, "SELECT count(*) FROM review_views.targets WHERE plan_event_id IS NOT NULL", 1)
    page = await review.get(PLANS, headers=review.session)
    assert "<dt>方案文件</dt><dd>未上传（仅以文字备案）</dd>" in page.text
    async with OffsetWatch() as watch:
        before = await watch.ends()
        # Not a PDF (a docx-like zip named .pdf): 415 in Chinese, nothing stored; a document never uploaded: 422.
        r = await review.post("/v1/review/plan-documents", headers=review.body,
                              files={"file": ("评审工作方案.pdf", b"PK\x03\x04" + bytes(40), "application/pdf")})
        assert (r.status_code, r.json()["code"], r.json()["detail"]) == (
            415, "unsupported_media_type", "评审方案文件须为 PDF 文档（按文件内容识别）。")
        r = await review.put(API + "/plan", json=plan_body(roster(4), per_item=2, document=sha), headers=review.body)
        assert (r.status_code, r.json()["code"], r.json()["errors"][0]["field"]) == (422, "unknown_document", "document")
        assert await watch.ends() == before
    assert await view_count(review.db, "SELECT count(*) FROM review.plan_documents") == 0
    # Uploaded, then named by the plan filed over JSON (an hour later: a new plan in force).
    r = await review.post("/v1/review/plan-documents", headers=review.body,
                          files={"file": ("评审工作方案.pdf", PLAN_PDF, "application/pdf")})
    assert r.status_code == 201 and r.json() == {"name": "评审工作方案.pdf", "size": len(PLAN_PDF),
                                                 "media_type": "application/pdf", "sha256": sha}
    review.clock.at = IN_REVIEW + timedelta(hours=1)
    r = await review.put(API + "/plan", json=plan_body(roster(4), per_item=2, document=sha), headers=review.body)
    assert r.status_code == 201, r.text
    filed = events_of(await read_topic(REVIEW.name), ReviewPlanFiled)[-1]
    assert (filed.document.name, filed.document.sha256, filed.document.size) == ("评审工作方案.pdf", sha, len(PLAN_PDF))
    # The secretariat's receipts page links it; the secretariat reads it.
    await views_show(review.db, "SELECT count(*) FROM review_views.targets WHERE plan_document->>'sha256' = $1", 1, sha)
    page = await review.get(PLANS, headers=review.session)
    link = f"{PLANS}/leading_tech/advanced_materials/{sha}.pdf"
    assert (f'<dt>方案文件</dt><dd><a href="{link}" id="document-leading_tech-advanced_materials" target="_blank" '
            f'rel="noopener">评审工作方案.pdf</a>') in page.text
    r = await review.get(link, headers=review.session)
    assert (r.status_code, r.content, r.headers["content-type"], r.headers["x-content-type-options"]) == (
        200, PLAN_PDF, "application/pdf", "nosniff")
    # A document not the plan in force's is not found; an expert may not read plans at all.
    r = await review.get(link.replace(sha, "0" * 64), headers=review.session)
    assert r.status_code == 404 and "未找到该评审方案文件" in r.text
    expert = review.keys.token("expert", MATERIALS, sub="m00")
    r = await review.get(link, headers={"Cookie": f"kczg_session={expert}"})
    assert r.status_code == 403
    (verified,) = await verify_states(states("review"))
    assert verified.ok, [t.differences for t in verified.tables if t.differences]
