"""The applicant's and the unit's pages against the real broker and database: a field's error beside the
field in the API's words with what was typed kept, the applicant → unit flow through the API's handlers,
who sees what, a form without its CSRF token refused with nothing written, and a form sent twice recorded
once."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from html import unescape
from io import BytesIO
from uuid import uuid4

import asyncpg

from contracts.events import (
    ApplicationReturned, ApplicationSaved, ApplicationSentToUnit, NominationSubmitted, NominationWithdrawn,
)
from contracts.topics import APPLICATIONS, NOMINATIONS
from tests.support.intake import OffsetWatch, events_of, wait_for
from tests.support.intake_pages import (
    ATTACHMENT, BAD_CREDIT_CODE, FORM, NEW_LEADING, NOMINATIONS as UNIT_NOMINATIONS, PDF, QUEUE, QUOTA, cookie,
    SUBMISSION, log_in, tokens, typed_leading_form,
)
from tests.support.events import DECIDED
from tests.support.kafka import read_topic

TITLE = "高性能碳纤维低成本制备技术"


async def _new_form(intake, session: str) -> str:
    r = await intake.get(NEW_LEADING, headers=cookie(session))
    assert r.status_code == 200, r.text
    return r.text


def _post(form: dict, csrf: str | None, submission: str, action: str = "save", **extra) -> dict:
    base = {"campaign": "kczg-2022", "list_code": "leading_tech", "domain": "advanced_materials", "unit_id": "unit-a",
            "submission": submission, "action": action, **extra}
    return {**form, **base, **({"csrf": csrf} if csrf is not None else {})}


async def test_a_bad_credit_code_is_shown_beside_its_field_with_what_was_typed(intake):
    acme = await log_in(intake, "applicant", "acme")
    page = await _new_form(intake, acme)
    # The form is the list's model: its fields, the deadline and the time left, the accepted attachments.
    assert 'id="f-technology_name"' in page and 'id="f-lead_unit_credit_code"' in page
    assert "2022年10月31日24:00" in page and "剩余 16 天 14 小时" in page
    assert "PDF 文档" in page and "20 MB" in page
    csrf, submission = tokens(page)
    typed = typed_leading_form(lead_unit_credit_code=BAD_CREDIT_CODE, technology_name="  新型碳纤维  ")
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await intake.post(FORM, data=_post(typed, csrf, submission), headers=cookie(acme))
        assert await watch.ends() == before  # refused: nothing written
    assert r.status_code == 422, r.text
    html = unescape(r.text)
    # The error sits beside the credit code's input, in the API's message; what was typed stays.
    api = await intake.post("/v1/applications", headers=intake.keys.headers("applicant", "acme"), json={
        "campaign": "kczg-2022", "unit_id": "unit-a", "list_code": "leading_tech", "domain": "advanced_materials",
        "form": {"domain": "advanced_materials", "technology_name": "x", "completing_units": ["某单位"],
                 "summary": "x", "key_innovations": ["x"], "maturity_stage": "pilot",
                 "lead_unit_credit_code": BAD_CREDIT_CODE}})
    message = next(e["message"] for e in api.json()["errors"] if e["field"] == "form.lead_unit_credit_code")
    assert 'aria-invalid="true" aria-describedby="hint-f-lead_unit_credit_code error-f-lead_unit_credit_code"' in html
    assert f'<span class="error" id="error-f-lead_unit_credit_code">{message}</span>' in html
    assert f'value="{BAD_CREDIT_CODE}"' in html and "新型碳纤维" in html
    assert "key_people.0.name" in html and 'value="张三"' in html


async def test_apply_return_resend_recommend_through_the_pages(intake):
    acme, unit_a, unit_b = (await log_in(intake, "applicant", "acme"), await log_in(intake, "unit", "unit-a"),
                            await log_in(intake, "unit", "unit-b"))
    csrf, submission = tokens(await _new_form(intake, acme))
    # The applicant uploads a PDF with the form and sends it: saved, then sent, through the API's handlers.
    r = await intake.post(FORM, data=_post(typed_leading_form(), csrf, submission, "send"),
                          files={"upload": ("检测报告.pdf", PDF, "application/pdf")}, headers=cookie(acme))
    assert r.status_code == 303, r.text
    mine = r.headers["location"]
    r = await intake.get(mine, headers=cookie(acme))
    assert "已报送推荐单位，待处理" in r.text and "检测报告.pdf" in r.text
    app_id = mine.split("/")[-1].split("?")[0]
    # The unit's queue has it; another unit's does not, and cannot open it.
    r = await intake.get(QUEUE, headers=cookie(unit_a))
    assert "高性能碳纤维低成本制备技术" in r.text and "其中待处理 1 项" in r.text
    r = await intake.get(QUEUE, headers=cookie(unit_b))
    assert "高性能碳纤维低成本制备技术" not in r.text and "报送本单位的申报 0 项" in r.text
    assert (await intake.get(f"{QUEUE}/{app_id}", headers=cookie(unit_b))).status_code == 404
    # Another applicant cannot open it either.
    globex = await log_in(intake, "applicant", "globex")
    assert (await intake.get(f"{FORM}/{app_id}", headers=cookie(globex))).status_code == 404
    # The unit returns it with a reason; the applicant sees the reason.
    page = (await intake.get(f"{QUEUE}/{app_id}", headers=cookie(unit_a))).text
    csrf_u, sub_u = tokens(page)
    r = await intake.post(f"{QUEUE}/{app_id}", headers=cookie(unit_a),
                          data={"csrf": csrf_u, "submission": sub_u, "action": "return", "comments": "请补充应用数据。"})
    assert r.status_code == 303, r.text
    r = await intake.get(mine.split("?")[0], headers=cookie(acme))
    assert "推荐单位已退回修改" in r.text and "请补充应用数据。" in r.text
    # The applicant changes the form and sends it again.
    csrf, submission = tokens(r.text)
    r = await intake.post(FORM, headers=cookie(acme), data=_post(
        typed_leading_form(application_summary="已在五家企业推广应用。"), csrf, submission, "send",
        application_id=app_id, attachment=ATTACHMENT.search(r.text).group(1)))
    assert r.status_code == 303, r.text
    # The unit recommends it with its opinion: the nomination; the quota page counts it as awaiting the quota.
    csrf_u, sub_u = tokens((await intake.get(f"{QUEUE}/{app_id}", headers=cookie(unit_a))).text)
    recommend = {"csrf": csrf_u, "submission": sub_u, "action": "recommend", "opinion": "同意推荐。"}
    r = await intake.post(f"{QUEUE}/{app_id}", headers=cookie(unit_a), data=recommend)
    assert r.status_code == 303, r.text
    # Sent twice (a double click): the first answer again, no second nomination.
    r = await intake.post(f"{QUEUE}/{app_id}", headers=cookie(unit_a), data=recommend)
    assert (r.status_code, r.headers["location"]) == (303, QUEUE + "?done=recommend"), r.text
    events = await read_topic(NOMINATIONS.name)
    submitted = [e for e in events_of(events, NominationSubmitted) if str(e.application_id) == app_id]
    assert len(submitted) == 1 and submitted[0].opinion == "同意推荐。"
    assert submitted[0].form["application_summary"] == "已在五家企业推广应用。"
    saved = [e for e in events_of(await read_topic(APPLICATIONS.name), ApplicationSaved) if str(e.application_id) == app_id]
    assert [e.revision for e in saved] == [1, 2] and len(saved[0].attachments) == 1

    async def counted():
        page = (await intake.get(QUOTA, headers=cookie(unit_a))).text
        return 'id="pool-leading_tech-advanced_materials"' in page and '<td class="number">1</td><td class="number">0</td></tr>' in page
    await wait_for(counted)
    r = await intake.get(UNIT_NOMINATIONS, headers=cookie(unit_a))
    assert "高性能碳纤维低成本制备技术" in r.text
    assert "高性能碳纤维低成本制备技术" not in (await intake.get(UNIT_NOMINATIONS, headers=cookie(unit_b))).text
    r = await intake.get(UNIT_NOMINATIONS.replace("nominations", "nominations.xlsx"), headers=cookie(unit_a))
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook
    rows = list(load_workbook(BytesIO(r.content)).active.values)
    assert rows[0][:4] == ("推荐编号", "名称", "榜单 · 领域", "状态") and rows[1][1:3] == (TITLE, "先导技术榜 · 先进材料")
    # Its later states reach the applicant as the unit may show them: the review stage, the decision withheld.
    from contracts.events import NominationScreened, QuotaReserved
    from contracts.topics import QUOTA as QUOTA_TOPIC, REVIEW
    from tests.support.events import SECRETARIAT, _unit_envelope, decision, publish
    s = submitted[0]
    target = dict(nomination_id=s.nomination_id, list_code="leading_tech", domain="advanced_materials")
    await publish((QUOTA_TOPIC, QuotaReserved(**_unit_envelope("unit-a"), **target, unit_id="unit-a", slot=1, limit=3, used=1)),
                  (NOMINATIONS, NominationScreened(**{**_unit_envelope("unit-a"), "actor": SECRETARIAT},
                                                   nomination_id=s.nomination_id, unit_id="unit-a", passed=True)),
                  (REVIEW, decision(s.nomination_id, "leading_tech", "advanced_materials", True)))

    async def followed():
        page = unescape((await intake.get(mine.split("?")[0], headers=cookie(acme))).text)
        return '<p id="stage">评审阶段：终评</p>' in page and page
    page = await wait_for(followed)
    assert '<p id="decision">评审结果：公示后可见</p>' in page and '<p id="release">发布：—</p>' in page
    # The unit withdraws it while the campaign collects, with a reason (without one: refused, nothing sent).
    nid = str(submitted[0].nomination_id)
    page = (await intake.get(UNIT_NOMINATIONS, headers=cookie(unit_a))).text
    assert "2022年10月31日24:00（北京时间）前可撤回推荐" in page
    csrf_u, sub_u = tokens(page)
    withdraw = f"{UNIT_NOMINATIONS}/{nid}/withdraw"
    r = await intake.post(withdraw, headers=cookie(unit_a), data={"csrf": csrf_u, "submission": sub_u, "reason": ""})
    assert r.status_code == 422 and "撤回推荐须说明理由" in r.text
    r = await intake.post(withdraw, headers=cookie(unit_a),
                          data={"csrf": csrf_u, "submission": sub_u, "reason": "成果已转让。"})
    assert (r.status_code, r.headers["location"]) == (303, UNIT_NOMINATIONS + "?done=withdrawn")
    (gone,) = [e for e in events_of(await read_topic(NOMINATIONS.name), NominationWithdrawn) if str(e.nomination_id) == nid]
    assert gone.reason == "成果已转让。"


async def test_a_form_without_its_csrf_token_is_refused_and_one_sent_twice_records_once(intake):
    acme = await log_in(intake, "applicant", "acme")
    csrf, submission = tokens(await _new_form(intake, acme))
    async with OffsetWatch() as watch:
        before = await watch.ends()
        for sent in (None, "", "0" * 64):
            r = await intake.post(FORM, data=_post(typed_leading_form(), sent, submission, "send"), headers=cookie(acme))
            assert r.status_code == 403 and "CSRF" in r.text and "未做任何修改" in r.text
        assert await watch.ends() == before
    # The same form sent twice (a double click, a reload): one draft, one sending.
    first = await intake.post(FORM, data=_post(typed_leading_form(), csrf, submission, "send"), headers=cookie(acme))
    again = await intake.post(FORM, data=_post(typed_leading_form(), csrf, submission, "send"), headers=cookie(acme))
    assert first.status_code == again.status_code == 303 and first.headers["location"] == again.headers["location"]
    app_id = first.headers["location"].split("/")[-1].split("?")[0]
    values = await read_topic(APPLICATIONS.name)
    assert len([e for e in events_of(values, ApplicationSaved) if str(e.application_id) == app_id]) == 1
    assert len([e for e in events_of(values, ApplicationSentToUnit) if str(e.application_id) == app_id]) == 1
    assert not [e for e in events_of(values, ApplicationReturned) if str(e.application_id) == app_id]


async def test_after_the_deadline_the_form_is_refused_naming_it(intake):
    acme = await log_in(intake, "applicant", "acme")
    csrf, submission = tokens(await _new_form(intake, acme))
    from datetime import datetime
    intake.clock.at = datetime.fromisoformat("2022-11-01T00:00:01+08:00")
    page = await _new_form(intake, acme)
    assert "已截止，不再受理" in page
    r = await intake.post(FORM, data=_post(typed_leading_form(), csrf, submission, "send"), headers=cookie(acme))
    assert r.status_code == 422
    assert "网上申报已于2022年10月31日24:00（北京时间）截止，不再受理提交、修改或撤回。" in unescape(r.text)
    assert 'value="高性能碳纤维低成本制备技术"' in r.text


async def test_a_nomination_returned_after_the_deadline_is_amended_and_resubmitted_through_its_page(env, tmp_path):
    from contracts.events import NominationAmended, NominationResubmitted
    from tests.support.events import open_campaign
    from tests.support.intake import Keys
    from tests.support.review import IN_REVIEW
    from tests.support.world import C, all_in_process, headers, ok, rows_are, secretariat

    async with all_in_process(Keys(tmp_path)) as s:
        await open_campaign()
        ok(await s.quota.post(f"/v1/campaigns/{C}/units", json={"unit_id": "unit-a", "name": "测试推荐单位unit-a",
                                                                 "channels": ["provincial_cast"]}, headers=secretariat(s)))
        await rows_are("SELECT count(*) FROM intake.units", 1)
        unit = headers(s, "unit", "unit-a")
        # The unit nominates directly through its page (the opinion is required: told beside its field).
        page = (await s.intake.get("/workbench/intake/unit/nominate?list_code=leading_tech&domain=advanced_materials",
                                   headers=unit)).text
        submission = SUBMISSION.search(page).group(1)  # a bearer caller's form needs no CSRF token
        form = {**typed_leading_form(), "campaign": C, "list_code": "leading_tech", "domain": "advanced_materials",
                "submission": submission, "action": "nominate"}
        r = await s.intake.post("/workbench/intake/unit/nominate", headers=unit, data=form)
        assert r.status_code == 422 and '<span class="error" id="error-f-opinion">' in r.text
        r = await s.intake.post("/workbench/intake/unit/nominate", headers=unit,
                                data={**form, "submission": "1" * 32, "opinion": "同意推荐。"})
        assert r.status_code == 303, r.text
        one = r.headers["location"].split("?")[0]
        nid = one.rsplit("/", 1)[1]
        await rows_are("SELECT count(*) FROM review_views.nominations WHERE quota_outcome = 'reserved'", 1)
        # After the campaign's deadline the secretariat returns it for correction until 11-15.
        s.clocks["intake"].at = IN_REVIEW
        ok(await s.review.post(f"/v1/review/nominations/{nid}/return", headers=secretariat(s),
                               json={"reasons": ["推荐表缺少盖章页。"], "correction_due": "2022-11-15"}), 201)

        async def returned():
            page = (await s.intake.get("/workbench/intake/unit/nominations", headers=unit)).text
            return page if "修改并重新提交" in page else None
        listing = await wait_for(returned, timeout_s=60)
        assert "形式审查退回补正：推荐表缺少盖章页。请在2022年11月15日24:00（北京时间）前修改并重新提交" in unescape(listing)
        page = unescape((await s.intake.get(one, headers=unit)).text)
        assert "可修改至 2022年11月15日24:00（北京时间）（退回补正的补正期限）。" in page and 'id="resubmit"' in page
        # Amended and resubmitted before the correction deadline, though the campaign's has passed.
        r = await s.intake.post(one, headers=unit, data={**typed_leading_form(application_summary="已补充盖章页。"),
                                                         "submission": "2" * 32, "action": "resubmit"})
        assert r.status_code == 303 and r.headers["location"].endswith("?done=resubmitted"), r.text
        values = await read_topic(NOMINATIONS.name)
        (amended,) = [e for e in events_of(values, NominationAmended) if str(e.nomination_id) == nid]
        (resubmitted,) = [e for e in events_of(values, NominationResubmitted) if str(e.nomination_id) == nid]
        assert amended.form["application_summary"] == "已补充盖章页。" and resubmitted.round == 1


def _later(page: str, title: str) -> tuple[str, str, str]:
    """The review stage, decision and release cells of the row of `title` on the unit's nominations page."""
    row = unescape(page).split(f">{title}</a></td>", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)  # target, quota, screening, stage, decision, release, action
    return cells[3], cells[4], cells[5]


async def _xlsx_rows(intake, session: str) -> dict[str, tuple]:
    from openpyxl import load_workbook
    r = await intake.get(UNIT_NOMINATIONS.replace("nominations", "nominations.xlsx"), headers=cookie(session))
    rows = list(load_workbook(BytesIO(r.content)).active.values)
    assert rows[0][6:9] == ("评审阶段", "评审结果", "发布")
    return {row[1]: row[6:9] for row in rows[1:]}


async def _rows_in(table: str) -> int:
    conn = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        return await conn.fetchval(f"SELECT count(*) FROM {table}")
    finally:
        await conn.close()


async def test_the_unit_follows_each_nomination_through_the_review_and_reads_the_decision_only_under_notice(intake):
    from contracts.events import (
        Actor, EntriesCorrected, EntryCorrection, ExpertAssigned, ExpertUnassigned, ListPublished, OmittedTarget,
        PublicNoticeOpened, PublishedEntry, list_key, target_key,
    )
    from contracts.topics import PUBLISH, REVIEW
    from tests.support.events import SECRETARIAT, decision, nomination_chain, publish, results_submitted

    sel, sel2, out = (nomination_chain("unit-a", "leading_tech", "advanced_materials", title)
                      for title in ("入选的技术", "另一入选的技术", "未入选的技术"))
    bio = nomination_chain("unit-a", "leading_tech", "biomedicine", "生物医药的技术")
    chains = {"入选的技术": sel, "另一入选的技术": sel2, "未入选的技术": out, "生物医药的技术": bio}
    # Submitted, quota held, screened and scored: no decision yet (the chain's last event).
    await publish(*(e for c in chains.values() for e in c.events[:-1]))
    unit_a = await log_in(intake, "unit", "unit-a")

    async def page() -> str:
        return (await intake.get(UNIT_NOMINATIONS, headers=cookie(unit_a))).text

    async def shows(expected: dict[str, tuple[str, str, str]]):
        text = await page()
        return all(t in unescape(text) and _later(text, t) == want for t, want in expected.items())

    await wait_for(lambda: shows({t: ("形式审查通过", "公示后可见", "—") for t in chains}))
    # Experts assigned (one twice: counted once; one unassigned): counted, never named.
    review = dict(occurred_at=DECIDED, campaign="kczg-2022", actor=Actor(role="review_body", id="test-body"),
                  body_code="test-body", list_code="leading_tech")

    def assigned(chain, expert: str) -> tuple:
        s = chain.submitted
        return (REVIEW, ExpertAssigned(**review, key=target_key("kczg-2022", "leading_tech", s.domain),
                                       domain=s.domain, nomination_id=s.nomination_id, expert_id=expert))
    await publish(assigned(sel, "expert-zhang"), assigned(sel, "expert-li"), assigned(sel, "expert-zhang"),
                  *(assigned(out, e) for e in ("expert-wang", "expert-zhao", "expert-sun")),
                  (REVIEW, ExpertUnassigned(**review, key=target_key("kczg-2022", "leading_tech", "advanced_materials"),
                                            domain="advanced_materials", nomination_id=out.nomination_id,
                                            expert_id="expert-sun", reason="回避")))
    await wait_for(lambda: shows({"入选的技术": ("已分配专家（2 位）", "公示后可见", "—"),
                                  "未入选的技术": ("已分配专家（2 位）", "公示后可见", "—")}))
    assert "expert-" not in await page()
    # The preliminary results of both targets submitted.
    await publish(*results_submitted(*chains.values()))
    await wait_for(lambda: shows({t: ("初评结果已报送", "公示后可见", "—") for t in chains}))
    # The final decisions recorded; sel's revised (the later revision wins, even read first): still not shown.
    await publish((REVIEW, decision(sel.nomination_id, "leading_tech", "advanced_materials", True, revision=2)),
                  (REVIEW, decision(sel.nomination_id, "leading_tech", "advanced_materials", False, revision=1)),
                  (REVIEW, decision(sel2.nomination_id, "leading_tech", "advanced_materials", True)),
                  (REVIEW, decision(out.nomination_id, "leading_tech", "advanced_materials", False)),
                  (REVIEW, decision(bio.nomination_id, "leading_tech", "biomedicine", True)))
    await wait_for(lambda: shows({t: ("终评", "公示后可见", "—") for t in chains}))
    assert all(cells == ("终评", "公示后可见", "—") for cells in (await _xlsx_rows(intake, unit_a)).values())
    one = (await intake.get(f"{UNIT_NOMINATIONS}/{sel.nomination_id}", headers=cookie(unit_a))).text
    assert '<p id="decision">评审结果：公示后可见</p>' in one and "入选" not in one.split('id="decision"')[1][:40]
    # A notice for the list opens tomorrow (without 生物医药, whose results are outstanding): not yet open, not shown.
    opens = datetime.fromisoformat("2022-10-16T09:00:00+08:00")
    await publish((PUBLISH, PublicNoticeOpened(
        occurred_at=intake.clock.at, campaign="kczg-2022", key=list_key("kczg-2022", "leading_tech"),
        actor=SECRETARIAT, notice_id=uuid4(), list_code="leading_tech", opens_at=opens,
        closes_at=opens + timedelta(days=7), nominations=(sel.nomination_id, sel2.nomination_id),
        omitted=(OmittedTarget(domain="biomedicine", reason="初评结果尚未报送"),))))
    await wait_for(lambda: _rows_in_is("intake.notices", 1))
    assert await shows({t: ("终评", "公示后可见", "—") for t in chains})
    # Once it has opened: the decisions of the targets under notice; 生物医药's still not.
    intake.clock.at = opens + timedelta(hours=1)
    assert await shows({"入选的技术": ("终评", "入选（公示 2022-10-16 09:00 至 2022-10-23 09:00）", "—"),
                        "另一入选的技术": ("终评", "入选（公示 2022-10-16 09:00 至 2022-10-23 09:00）", "—"),
                        "未入选的技术": ("终评", "未入选", "—"), "生物医药的技术": ("终评", "公示后可见", "—")})
    assert (await _xlsx_rows(intake, unit_a))["未入选的技术"] == ("终评", "未入选", "—")
    one = (await intake.get(f"{UNIT_NOMINATIONS}/{sel.nomination_id}", headers=cookie(unit_a))).text
    assert '<p id="decision">评审结果：入选（公示 2022-10-16 09:00 至 2022-10-23 09:00）</p>' in one
    # Released: sel2 revoked before the release; sel in version 1, then revoked by version 2.
    key = list_key("kczg-2022", "leading_tech")
    await publish((PUBLISH, EntriesCorrected(
        occurred_at=intake.clock.at, campaign="kczg-2022", key=key, actor=SECRETARIAT, list_code="leading_tech",
        reason="公示期异议", corrections=(EntryCorrection(nomination_id=sel2.nomination_id, title="另一入选的技术",
                                                        revoked=True, reason="经核实存在知识产权纠纷"),))),
                  (PUBLISH, ListPublished(
                      occurred_at=intake.clock.at, campaign="kczg-2022", key=key, actor=SECRETARIAT,
                      list_code="leading_tech", published_at=intake.clock.at, version=1,
                      public_at=intake.clock.at + timedelta(days=1),  # embargoed until the annual meeting
                      entries=(PublishedEntry(nomination_id=sel.nomination_id, title="入选的技术", unit_id="unit-a",
                                              domain="advanced_materials"),))))
    await wait_for(lambda: shows({"另一入选的技术": ("终评", "入选（公示 2022-10-16 09:00 至 2022-10-23 09:00）",
                                              "已撤销：经核实存在知识产权纠纷")}))
    await wait_for(lambda: _rows_in_is("intake.review_states WHERE release_version = 1", 1))
    assert _later(await page(), "入选的技术")[2] == "—"  # not public before the embargo lifts
    intake.clock.at += timedelta(days=1)
    await wait_for(lambda: shows({"入选的技术": ("终评", "入选（公示 2022-10-16 09:00 至 2022-10-23 09:00）", "已发布（第 1 版）"),
                                  "另一入选的技术": ("终评", "入选（公示 2022-10-16 09:00 至 2022-10-23 09:00）",
                                              "已撤销：经核实存在知识产权纠纷")}))
    later = intake.clock.at + timedelta(days=30)
    await publish((PUBLISH, ListPublished(
        occurred_at=later, campaign="kczg-2022", key=key, actor=SECRETARIAT, list_code="leading_tech",
        published_at=later, version=2, reason="撤销一项", entries=(),
        corrections=(EntryCorrection(nomination_id=sel.nomination_id, title="入选的技术", revoked=True,
                                     reason="发现数据造假"),))))
    intake.clock.at = later
    await wait_for(lambda: shows({"入选的技术": ("终评", "入选（公示 2022-10-16 09:00 至 2022-10-23 09:00）",
                                            "已撤销：发现数据造假")}))
    assert (await _xlsx_rows(intake, unit_a))["入选的技术"][2] == "已撤销：发现数据造假"


async def _rows_in_is(table: str, n: int) -> bool:
    return await _rows_in(table) == n


async def test_a_form_with_full_tables_and_an_upload_passes_the_csrf_check(intake):
    acme = await log_in(intake, "applicant", "acme")
    csrf, submission = tokens(await _new_form(intake, acme))
    people = {f"key_people.{i}.{k}": f"{k}{i}" for i in range(20) for k in ("name", "organisation", "role")}
    patents = {f"patents.{i}.{k}": v for i in range(50)
               for k, v in (("kind", "software_copyright"), ("status", "granted"), ("number", f"2021SR{i:07d}"))}
    r = await intake.post(FORM, data=_post({**typed_leading_form(), **people, **patents}, csrf, submission),
                          files={"upload": ("检测报告.pdf", PDF, "application/pdf")}, headers=cookie(acme))
    assert r.status_code == 303, r.text[:500]
    (saved,) = events_of(await read_topic(APPLICATIONS.name), ApplicationSaved)
    assert (len(saved.form["key_people"]), len(saved.form["patents"]), len(saved.attachments)) == (20, 50, 1)
