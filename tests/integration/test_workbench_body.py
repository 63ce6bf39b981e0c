"""A review body's pages against the real broker and database: the home leads to the body's one target; the plan
filed from the page with the roster imported from the page's own workbook (a refusal beside the file or the
field, what was typed kept, nothing written; the same form twice files once); automatic and manual assignment
through the handlers the JSON routes call; a re-review opened on a divergent nomination; the results previewed
(raw totals beside the aggregate, z-scores and each expert's leniency), submitted once though sent twice, and
the results sheet downloaded as XLSX and PDF; a cookie's form without its CSRF token refused."""

from __future__ import annotations

import hashlib
import io
import re
from urllib.parse import quote, urlencode

import asyncpg
import pytest
from openpyxl import load_workbook

from contracts.events import AttachmentRef, ExpertAssigned, PrelimResultsSubmitted, ReReviewOpened, ReviewPlanFiled
from contracts.personal import expert_id
from contracts.topics import REVIEW
from eventlog import privacy
from eventlog.clock import FixedClock
from eventlog.http.page_session import PAGES, csrf_token
from services.review.pages.roster_sheet import XLSX
from tests.support.events import open_campaign
from tests.support.intake import Keys, OffsetWatch, events_of
from tests.support.kafka import read_topic
from tests.support.review import (IN_REVIEW, MATERIALS, plan_body, put_nominations, roster, services_in_process, view_count,
                                  views_show)

TARGET = PAGES + "/review/body/campaigns/kczg-2022/targets/leading_tech/advanced_materials"
API = "/v1/review/campaigns/kczg-2022/targets/leading_tech/advanced_materials"
SUBMISSION = re.compile(r'name="submission" value="([0-9a-f]{32})"')
# Larger than a page form's own limit (256 KiB): the plan's form takes a document up to the review's limit for it.
PLAN_PDF = b"%PDF-1.7\n% the body's plan\n" + b"%" * (600 * 1024) + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)
CRITERIA = {"innovation": "90", "advancement": "80", "industrial_value": "85", "social_benefit": "70"}


@pytest.fixture
async def desk(env, tmp_path):
    """Three 先进材料 nominations screened in; the materials body signed in to the pages."""
    await open_campaign()
    nominations = await put_nominations({"unit-a": 1, "unit-b": 2}, domain="advanced_materials")
    async with services_in_process(Keys(tmp_path), FixedClock(IN_REVIEW)) as review:
        review.db = env["DATABASE_URL"]
        await views_show(review.db, "SELECT count(*) FROM review_views.nominations WHERE quota_outcome = 'reserved'", 3)
        secretariat = review.keys.headers("secretariat", "kczg_secretariat")
        for n in nominations:
            r = await review.post(f"/v1/review/nominations/{n.nomination_id}/screening", json={"passed": True},
                                  headers=secretariat)
            assert r.status_code == 201, r.text
        await views_show(review.db, "SELECT count(*) FROM review_views.nominations WHERE in_review", 3)
        token = review.keys.token("review_body", MATERIALS, sub="officer-m")
        review.session = {"Cookie": f"kczg_session={token}"}
        review.csrf = csrf_token(token)
        review.nominations = nominations
        yield review


def _key(html: str) -> str:
    return SUBMISSION.search(html).group(1)


async def _post(review, path: str, pairs: list[tuple[str, str]], csrf: bool = True):
    return await review.post(path, content=urlencode([*([("csrf", review.csrf)] if csrf else []), *pairs]),
                             headers={**review.session, "content-type": "application/x-www-form-urlencoded"})


def _roster_file(template: bytes, rows: list[tuple]) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    ws = wb.active
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            ws.cell(row=4 + i, column=1 + j, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _plan_form(key: str, **over) -> dict[str, str]:
    form = {"submission": key, "plan": "初评采用专家独立评分。", "expert_composition": "高校与企业专家。",
            "score_min": "0", "score_max": "100", "experts_per_item": "2", "aggregation": "mean",
            "trim_min_scores": "5", "divergence_threshold": "15", "divergence_measure": "range",
            "tie_break.0": "raw_sum", "tie_break.1": "earliest_submission"}
    for i, (code, name, weight) in enumerate((("innovation", "创新性", "40"), ("advancement", "先进性", "30"),
                                              ("industrial_value", "产业价值", "20"), ("social_benefit", "社会效益", "10"))):
        form |= {f"criteria.{i}.code": code, f"criteria.{i}.name": name, f"criteria.{i}.weight": weight}
    return form | over


async def _file(review, form: dict[str, str], roster_bytes: bytes | None, document: tuple | None = None):
    files = {"roster": ("专家名单.xlsx", roster_bytes, XLSX)} if roster_bytes is not None else {"roster": ("", b"", XLSX)}
    if document is not None:
        files["document"] = document
    return await review.post(TARGET + "/plan", data={"csrf": review.csrf, **form}, files=files, headers=review.session)


async def _review_events(*types):
    return events_of(await read_topic(REVIEW.name), *types)


async def test_a_body_files_its_plan_with_the_roster_imported_from_the_pages_workbook(desk):
    review = desk
    # The body's home is its one target, whose plan is not filed yet.
    r = await review.get(PAGES + "/", headers=review.session)
    assert (r.status_code, r.headers["location"]) == (303, PAGES + "/review/body")
    r = await review.get(PAGES + "/review/body", headers=review.session)
    assert (r.status_code, r.headers["location"]) == (303, TARGET)
    page = await review.get(TARGET, headers=review.session)
    assert page.status_code == 200 and "尚未备案评审方案" in page.text and "推荐对象（3 项在评）" in page.text
    # The plan's form starts from the campaign's defaults; the roster's template is a workbook with its header.
    page = await review.get(TARGET + "/plan", headers=review.session)
    assert page.status_code == 200
    assert 'name="criteria.0.code" aria-label="第 1 项代码" size="14" maxlength="64" value="innovation"' in page.text
    template = await review.get(TARGET + "/plan/roster.xlsx", headers=review.session)
    assert template.status_code == 200 and template.headers["content-type"] == XLSX
    ws = load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in ws[3]][:3] == ["专家编号", "姓名", "工作单位"]
    experts = [(f"m{i:02d}", f"专家{i:02d}", f"某某大学{i:02d}") for i in range(4)]
    async with OffsetWatch() as watch:
        before = await watch.ends()
        # No file: refused beside the file input, what was typed kept.
        r = await _file(review, _plan_form(_key(page.text), plan="本机构的评审方案。"), None)
        assert r.status_code == 422 and 'id="error-plan-roster">请选择专家名单文件' in r.text
        assert ">本机构的评审方案。</textarea>" in r.text
        # A row without a name: its row and column named.
        bad = _roster_file(template.content, [*experts, ("m09", None, "某某研究院")])
        r = await _file(review, _plan_form(_key(r.text)), bad)
        assert r.status_code == 422 and "第 8 行“姓名”：缺少必填字段" in r.text
        # Weights that do not sum to 100: the domain's words on the page.
        r = await _file(review, _plan_form(_key(r.text), **{"criteria.0.weight": "30"}),
                        _roster_file(template.content, experts))
        assert r.status_code == 422 and "权重之和须为 100" in r.text and 'value="30"' in r.text
        # A 方案 document that is no PDF (a PNG named .pdf): refused beside its field, what was typed kept.
        r = await _file(review, _plan_form(_key(r.text), plan="附方案文件的方案。"), _roster_file(template.content, experts),
                        ("评审工作方案.pdf", PNG, "application/pdf"))
        assert r.status_code == 422
        assert ('id="error-plan-document">评审方案文件须为 PDF 文档（按文件内容识别）。</span>' in r.text
                and ">附方案文件的方案。</textarea>" in r.text)
        assert await watch.ends() == before
    assert await view_count(review.db, "SELECT count(*) FROM review.plan_documents") == 0
    # Filed with its 方案 document; the same form again files nothing more.
    form = _plan_form(_key(r.text))
    filled = _roster_file(template.content, experts)
    for _ in range(2):
        r = await _file(review, form, filled, ("评审工作方案.pdf", PLAN_PDF, "application/pdf"))
        assert r.status_code == 200, r.text
        assert "评审方案已备案" in r.text and "专家名单 4 人" in r.text
    (filed,) = await _review_events(ReviewPlanFiled)
    assert filed.schema_version == 4 and filed.document == AttachmentRef(
        name="评审工作方案.pdf", size=len(PLAN_PDF), media_type="application/pdf", sha256=hashlib.sha256(PLAN_PDF).hexdigest())
    # The plan page links it; the body that filed it reads it back as the dossier's files are served.
    await views_show(review.db, "SELECT count(*) FROM review_views.targets WHERE plan_document IS NOT NULL", 1)
    page = await review.get(TARGET + "/plan", headers=review.session)
    link = (PAGES + "/review/campaigns/kczg-2022/plans/leading_tech/advanced_materials/"
            + filed.document.sha256 + ".pdf")
    assert f'方案文件 <a href="{link}" id="plan-document" target="_blank" rel="noopener">评审工作方案.pdf</a>' in page.text
    assert "不上传则保留当前文件“评审工作方案.pdf”" in page.text
    page = await review.get(TARGET, headers=review.session)
    assert f'方案文件：<a href="{link}" id="target-plan-document" target="_blank" rel="noopener">评审工作方案.pdf</a>' in page.text
    r = await review.get(link, headers=review.session)
    assert (r.status_code, r.content, r.headers["content-type"]) == (200, PLAN_PDF, "application/pdf")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    assert r.headers["content-disposition"] == "inline; filename*=UTF-8''" + quote("评审工作方案.pdf")
    # Another body: no such document.
    other = review.keys.token("review_body", "cast_info_tech_consortium", sub="officer-x")
    r = await review.get(link, headers={"Cookie": f"kczg_session={other}"})
    assert r.status_code == 404 and "未找到该评审方案文件" in r.text
    # Filed again without choosing a file: the plan in force's document stays.
    r = await _file(review, _plan_form(_key(page.text), plan="修订后的方案。"), filled)
    assert r.status_code == 200 and "评审方案已备案" in r.text, r.text
    refiled = (await _review_events(ReviewPlanFiled))[-1]
    assert (refiled.plan, refiled.document) == ("修订后的方案。", filed.document)
    assert [e.expert_id for e in filed.roster] == ["m00", "m01", "m02", "m03"]
    assert (filed.experts_per_item, filed.aggregation, str(filed.divergence_threshold)) == (2, "mean", "15")
    assert [c.weight for c in filed.criteria] == [40, 30, 20, 10] and filed.actor.person == "officer-m"
    await views_show(review.db, "SELECT count(*) FROM review_views.targets WHERE roster_size = 4", 1)
    page = await review.get(TARGET, headers=review.session)
    assert '专家名单 <strong id="roster-size">4</strong> 人' in page.text
    # The plan page lists the roster by name (opened with each expert's key); an erased expert reads 已删除.
    page = await review.get(TARGET + "/plan", headers=review.session)
    assert '<tr id="roster-m01"><td>m01</td><td>专家01</td><td>某某大学01</td></tr>' in page.text
    conn = await asyncpg.connect(review.db)
    try:
        assert await privacy.erase(conn, expert_id("kczg-2022", "m01"), "本人申请删除", IN_REVIEW)
    finally:
        await conn.close()
    page = await review.get(TARGET + "/plan", headers=review.session)
    assert '<tr id="roster-m01"><td>m01</td><td>已删除</td><td>某某大学01</td></tr>' in page.text
    assert '<tr id="roster-m00"><td>m00</td><td>专家00</td><td>某某大学00</td></tr>' in page.text
    # A cookie's form without its CSRF token: 403, nothing written.
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await _post(review, TARGET + "/assignments/auto", [("submission", "a" * 32)], csrf=False)
        assert r.status_code == 403 and await watch.ends() == before


async def test_a_body_assigns_opens_a_re_review_and_submits_its_results_once(desk):
    review = desk
    body = review.keys.headers("review_body", MATERIALS)
    r = await review.put(API + "/plan", json=plan_body(roster(4), per_item=2, divergence_threshold="15"), headers=body)
    assert r.status_code == 201, r.text
    await views_show(review.db, "SELECT count(*) FROM review_views.targets WHERE roster_size = 4", 1)
    # Automatic assignment from the page: two experts on each of three nominations.
    page = await review.get(TARGET, headers=review.session)
    key = _key(page.text)
    for _ in range(2):
        r = await _post(review, TARGET + "/assignments/auto", [("submission", key), ("max_load", "")])
        assert r.status_code == 200 and "自动分配完成：新分配 6 人次" in r.text
    assert len(await _review_events(ExpertAssigned)) == 6
    # By hand: a bad load and an expert not on the roster are refused in the API's words, kept as typed.
    r = await _post(review, TARGET + "/assignments/auto", [("submission", _key(r.text)), ("max_load", "0")])
    assert r.status_code == 422 and 'id="error-auto-max_load">数值过小' in r.text and 'value="0"' in r.text
    nid = str(review.nominations[0].nomination_id)
    r = await _post(review, TARGET + "/assignments", [("submission", _key(r.text)), ("nomination_id", nid),
                                                      ("expert_id", "nobody")])
    assert r.status_code >= 400 and 'value="nobody"' in r.text and 'class="alert"' in r.text
    await views_show(review.db, "SELECT count(*) FROM review_views.panel WHERE active", 6)
    # The experts score: on the first nomination 95 against 60 (beyond the threshold of 15).
    panel = {}
    target = (await review.get(API, headers=body)).json()["nominations"]["items"]
    for item in target:
        panel[item["nomination_id"]] = item["experts"]
    for n, (nomination, experts) in enumerate(panel.items()):
        for i, e in enumerate(experts):
            value = ("95" if i == 0 else "60") if nomination == nid else str(80 - n + i)
            r = await review.put(f"{API}/nominations/{nomination}/scores",
                                 json={"scores": dict.fromkeys(CRITERIA, value)},
                                 headers=review.keys.headers("expert", MATERIALS, sub=e))
            assert r.status_code == 200, r.text
    await views_show(review.db, "SELECT count(*) FROM review_views.panel WHERE scored_at IS NOT NULL", 6)
    # Experts are named by the roster wherever they are listed: progress, the panels, the hand assignment's list.
    seated = sorted({e for experts in panel.values() for e in experts})
    page = await review.get(TARGET, headers=review.session)
    for e in seated:
        assert f'<tr id="expert-{e}"><th scope="row">专家{e[1:]}（{e}）</th>' in page.text
    row = page.text[page.text.index(f'id="n-{nid}"'):]
    assert row[:row.index("</tr>")].count("专家") == 2
    assert '<option value="e03">专家03（某某大学03）</option>' in page.text
    # The preview: raw totals beside the aggregate, z-scores, each expert's leniency (by name).
    page = await review.get(TARGET + "/results", headers=review.session)
    assert page.status_code == 200 and 'id="leniency"' in page.text
    for e in seated:
        assert f'<tr id="lenient-{e}"><th scope="row">专家{e[1:]}（{e}）</th>' in page.text
    row = page.text[page.text.index(f'id="r-{nid}"'):]
    row = row[:row.index("</tr>")]
    assert "95.00" in row and "60.00" in row and "77.50" in row and "超过阈值" in row
    # A re-review opened on the divergent nomination: its first expert asked to revisit.
    page = await review.get(TARGET, headers=review.session)
    assert f'id="re-review-{nid}"' in page.text
    first = panel[nid][0]
    assert f'name="revisit" value="{first}"> 专家{first[1:]}（{first}）：95.00</label>' in page.text
    r = await _post(review, f"{TARGET}/nominations/{nid}/re-review",
                    [("submission", _key(page.text)), ("revisit", first), ("add", ""), ("reason", "分歧较大，请复核。")])
    assert r.status_code == 200 and "已发起复评：请 1 位在席专家复核" in r.text, r.text
    (opened,) = await _review_events(ReReviewOpened)
    assert (str(opened.nomination_id), opened.revisit) == (nid, (first,))
    await views_show(review.db, "SELECT count(*) FROM review_views.nominations WHERE re_review_open", 1)
    # Submitting while it is open and still divergent: refused beside its reason field, nothing written.
    page = await review.get(TARGET + "/results", headers=review.session)
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await _post(review, TARGET + "/results", [("submission", _key(page.text)), ("reason", "")])
        assert r.status_code == 409 and f'id="error-results-rr-{nid}"' in r.text
        assert await watch.ends() == before
    # With the reason: submitted once, however often the form is sent.
    key = _key(r.text)
    for _ in range(2):
        r = await _post(review, TARGET + "/results", [("submission", key), ("reason", ""),
                                                      (f"rr.{nid}", "专家复核后仍坚持原评分。")])
        assert r.status_code == 200 and "初评结果已报送" in r.text, r.text
    (submitted,) = await _review_events(PrelimResultsSubmitted)
    assert len(submitted.ranked) == 2 and [str(g.nomination_id) for g in submitted.gaps] == [nid]
    # The sheet to stamp, as a workbook and as a PDF.
    await views_show(review.db, "SELECT count(*) FROM review_views.targets WHERE results_submitted_at IS NOT NULL", 1)
    xlsx = await review.get(TARGET + "/results.xlsx", headers=review.session)
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws["A1"].value.endswith("· 初评结果") and ws["B2"].value == "中国科协先进材料学会联合体"
    assert [ws.cell(row=5 + i, column=1).value for i in range(3)] == [1, 2, None]
    assert ws.cell(row=7, column=2).value == nid
    totals = {panel[nid][0]: "95.00", panel[nid][1]: "60.00"}  # each expert by the roster's name, as the pages do
    assert ws.cell(row=7, column=9).value == "；".join(f"专家{e[1:]}（{e}） {totals[e]}" for e in sorted(totals))
    pdf = await review.get(TARGET + "/results.pdf", headers=review.session)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    # Another body's target does not exist to this body.
    other = PAGES + "/review/body/campaigns/kczg-2022/targets/leading_tech/green_low_carbon"
    r = await review.get(other, headers=review.session)
    assert r.status_code == 404 and "未找到该评审对象" in r.text
