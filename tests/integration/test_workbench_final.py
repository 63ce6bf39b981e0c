"""The secretariat's final-review sitting page against the real broker and database: one list's ranked
candidates in one table; the roll call entered once, then yes/no/abstain and the decision per candidate,
recorded as one FinalDecisionRecorded per nomination through the handler the sittings route calls — a
refused decision refuses the sitting, shown beside its row with what was typed kept and nothing written;
a form sent twice records once; a form without its CSRF token is refused with 403 writing nothing. The same
sitting from the minutes workbook the page offers (download, fill in, upload, preview, confirm), and the
secretariat's exports."""

from __future__ import annotations

import io
import re
from html import unescape
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from contracts.events import FinalDecisionRecorded
from contracts.topics import REVIEW
from eventlog.clock import FixedClock
from eventlog.http.page_session import PAGES, csrf_token
from tests.integration.test_review_flow import _ready, as_, score_everything
from tests.support.events import open_campaign
from tests.support.intake import Keys, OffsetWatch, events_of
from tests.support.kafka import read_topic
from tests.support.review import ECO, GREEN, IN_REVIEW, put_nominations, services_in_process, views_show

SITTING = PAGES + "/review/campaigns/kczg-2022/final"
SUBMISSION = re.compile(r'name="submission" value="([0-9a-f]{32})"')
ROLL = {"eligible": "15", "present": "12", "recused": "1"}
CARRIED, REJECTED = ("9", "2", "1"), ("2", "9", "1")


@pytest.fixture
async def sitting(env, tmp_path):
    """Five 绿色低碳 nominations (unit-a three, unit-b two) screened, scored and ranked in the bodies' submitted
    results; the secretariat signed in to the pages."""
    await open_campaign()
    nominations = await put_nominations({"unit-a": 3, "unit-b": 2})
    async with services_in_process(Keys(tmp_path), FixedClock(IN_REVIEW)) as review:
        review.db, review.nominations = env["DATABASE_URL"], nominations
        await views_show(review.db, "SELECT count(*) FROM review_views.nominations WHERE quota_outcome = 'reserved'", 5)
        await score_everything(review, await _ready(review))
        r = await review.post(GREEN + "/results", json={}, headers=as_(review, "review_body", ECO))
        assert r.status_code == 201, r.text
        await views_show(review.db, "SELECT count(*) FROM review_views.nominations WHERE prelim_at IS NOT NULL", 5)
        token = review.keys.token("secretariat", "kczg_secretariat", sub="officer-1")
        review.session = {"Cookie": f"kczg_session={token}"}
        review.csrf = csrf_token(token)
        yield review


def _ranked(html: str) -> list[str]:
    return re.findall(r'<tr id="row-([0-9a-f-]{36})"', html)


def _form(html: str, rows: dict[int, tuple[str, str, str, str]], roll: dict[str, str] = ROLL) -> list[tuple[str, str]]:
    """The sitting form as a browser sends it: its hidden fields, the roll call, and per row index
    (yes, no, abstain, selected[, the row's own recusals]); other rows left blank."""
    form = unescape(html[html.index('id="sitting"'):])
    pairs = [("csrf", re.search(r'name="csrf" value="([0-9a-f]{64})"', form).group(1)),
             ("submission", SUBMISSION.search(form).group(1)), ("list", "leading_tech"), *roll.items()]
    for i, nid in enumerate(_ranked(html)):
        yes, no, abstain, selected, *recused = rows.get(i, ("", "", "", ""))
        pairs += [(f"n.{i}", nid), (f"yes.{i}", yes), (f"no.{i}", no), (f"abstain.{i}", abstain),
                  (f"recused.{i}", recused[0] if recused else ""), (f"selected.{i}", selected)]
    return pairs


async def _send(review, pairs: list[tuple[str, str]]):
    return await review.post(SITTING, content=urlencode(pairs), headers={
        **review.session, "content-type": "application/x-www-form-urlencoded"})


async def _decisions() -> list[FinalDecisionRecorded]:
    return events_of(await read_topic(REVIEW.name), FinalDecisionRecorded)


async def test_a_sitting_is_recorded_once_each_decision_checked_and_a_refusal_shown_beside_its_row(sitting):
    review = sitting
    # From the secretariat's navigation to the one list with results, ranked.
    page = await review.get(PAGES + "/review/campaigns/kczg-2022/screening", headers=review.session)
    assert '<a href="/workbench/review/final">终评会议</a>' in page.text
    r = await review.get(PAGES + "/review/final", headers=review.session)
    assert (r.status_code, r.headers["location"]) == (303, SITTING)
    page = await review.get(SITTING, headers=review.session)
    assert page.status_code == 200 and "<strong>先导技术榜</strong>" in page.text and "绿色低碳" in page.text
    ranked = _ranked(page.text)
    assert len(ranked) == 5 and "实到人数（不含回避）须达到应到人数的三分之二" in page.text
    assert page.text.count("未决定") == 5
    # One domain of the list, or (a domain without results) all of it; the template follows the choice.
    one = await review.get(SITTING, params={"list": "leading_tech", "domain": "green_low_carbon"}, headers=review.session)
    assert _ranked(one.text) == ranked and "<strong>绿色低碳</strong>" in one.text
    assert "minutes.xlsx?list=leading_tech&amp;domain=green_low_carbon" in one.text
    other = await review.get(SITTING, params={"list": "leading_tech", "domain": "biomedicine"}, headers=review.session)
    assert _ranked(other.text) == ranked and "<strong>先导技术榜</strong>" in other.text
    # Four decisions carried or rejected as voted, the fifth selected on 2 yes of 12: the sitting is refused,
    # the fifth named beside its row in the domain's words, every typed figure kept, nothing on the log.
    votes = {0: (*CARRIED, "1"), 1: (*CARRIED, "1"), 2: (*REJECTED, "0"), 3: (*REJECTED, "0"), 4: (*REJECTED, "1")}
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await _send(review, _form(page.text, votes))
        assert r.status_code == 422, r.text
        assert await watch.ends() == before
    assert "本次终评会议的决定均未记录：1 项不符合要求" in r.text
    assert f'<span class="error" id="error-{ranked[4]}">赞成票未达到通过要求：实到 12 人，赞成 2 票，须至少 8 票' in r.text
    assert f'id="yes-{ranked[4]}" name="yes.4" value="2"' in r.text and 'id="roll-eligible" name="eligible" value="15"' in r.text
    assert f'<option value="1" selected>入选</option>' in r.text[r.text.index(f'id="selected-{ranked[4]}"'):]
    # Figures the API's model refuses, beside their fields: a word for a count, the roll call's quorum left out.
    bad = await _send(review, _form(r.text, {0: ("九", "2", "1", "1")}, {**ROLL, "eligible": ""}))
    assert bad.status_code == 422
    assert '<span class="error" id="error-eligible">应为整数' in bad.text
    assert f'<span class="error" id="error-{ranked[0]}">赞成：应为整数' in bad.text and 'value="九"' in bad.text
    # A row's own recusals beyond those attending: refused beside it.
    bad = await _send(review, _form(r.text, {**votes, 3: ("2", "8", "1", "0", "14")}))
    assert bad.status_code == 422 and f'id="error-{ranked[3]}">本项回避 14 人，超过到会 13 人' in bad.text
    # The fifth rejected as voted, the fourth with two members recused on it (11 of the 13 attending vote),
    # from the page the refusal answered with: five decisions, one sitting.
    form = _form(r.text, {**votes, 3: ("2", "8", "1", "0", "2"), 4: (*REJECTED, "0")})
    for _ in range(2):  # the same form twice records once
        r = await _send(review, form)
        assert r.status_code == 200, r.text
        assert "本次会议已记录：5 项决定已记录" in r.text
    assert "同一表单重复提交" in r.text
    on_log = await _decisions()
    assert [(str(e.nomination_id), e.selected, e.revision) for e in on_log] == [
        (nid, i < 2, 1) for i, nid in enumerate(ranked)]
    assert len({e.sitting_id for e in on_log}) == 1 and {e.actor.person for e in on_log} == {"officer-1"}
    assert on_log[0].vote.model_dump() == {"eligible": 15, "present": 12, "recused": 1, "yes": 9, "no": 2, "abstain": 1}
    assert on_log[3].vote.model_dump() == {"eligible": 15, "present": 11, "recused": 2, "yes": 2, "no": 8, "abstain": 1}
    assert r.text.count("\">入选（第 1 次）") == 2 and r.text.count("\">不入选（第 1 次）") == 3
    # A new form revising one (the others left blank): one more event, revision 2.
    r = await _send(review, _form(r.text, {0: (*REJECTED, "0")}))
    assert r.status_code == 200 and "本次会议已记录：1 项决定已记录" in r.text
    assert [(str(e.nomination_id), e.revision) for e in (await _decisions())[5:]] == [(ranked[0], 2)]
    # Nothing filled in: refused beside the form. Without its CSRF token: 403, nothing written.
    r = await _send(review, _form(r.text, {}))
    assert r.status_code == 422 and "请至少填写一项" in r.text
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await _send(review, [p for p in _form(r.text, {1: (*REJECTED, "0")}) if p[0] != "csrf"])
        assert r.status_code == 403 and "CSRF" in r.text and await watch.ends() == before
    assert len(await _decisions()) == 6
    # Another role: refused in the page's words.
    expert = review.keys.token("expert", ECO, sub="e01")
    r = await review.get(SITTING, headers={"Authorization": f"Bearer {expert}"})
    assert r.status_code == 403 and "仅限秘书处" in r.text


def _fill(template: bytes, votes: dict[int, tuple]) -> bytes:
    """The downloaded minutes filled in as a secretary would: the roll call, then the rows' votes."""
    wb = load_workbook(io.BytesIO(template))
    ws = wb.active
    ws["B3"], ws["B4"], ws["B5"], ws["B6"] = 15, 12, 1, "2022 年 12 月 8 日终评会议"
    for i, (yes, no, abstain, decision) in votes.items():
        row = 9 + i
        ws[f"H{row}"], ws[f"I{row}"], ws[f"J{row}"], ws[f"K{row}"] = yes, no, abstain, decision
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def _upload(review, data: bytes, csrf: str | None = None):
    fields = {"list": "leading_tech", **({"csrf": csrf} if csrf is not None else {})}
    return await review.post(SITTING + "/minutes", data=fields, headers=review.session,
                             files={"file": ("终评会议纪要.xlsx", data, "application/octet-stream")})


async def test_the_sitting_from_the_minutes_workbook_and_the_exports(sitting):
    review = sitting
    page = await review.get(SITTING, headers=review.session)
    ranked = _ranked(page.text)
    # The template: the roll call's labels, one row per candidate in the page's order.
    r = await review.get(SITTING + "/minutes.xlsx", params={"list": "leading_tech"}, headers=review.session)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [ws[f"A{n}"].value for n in (3, 4, 5, 6)] == ["应到人数", "实到人数（不含回避）", "回避人数", "会议说明"]
    assert [c.value for c in ws[8]][:8] == ["序号", "推荐编号", "领域", "初评排名", "名称", "推荐单位", "初评汇总分", "赞成"]
    assert [ws[f"B{9 + i}"].value for i in range(5)] == ranked and ws["D9"].value == 1
    filled = _fill(r.content, {0: (10, 1, 1, "入选"), 1: (9, 2, 1, "入选"), 2: (3, 8, 1, "不入选"),
                               3: (2, 9, 1, "不入选")})
    # Not a workbook; a workbook without its CSRF token: refused, nothing written.
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await _upload(review, b"not a workbook", review.csrf)
        assert r.status_code == 422 and "无法读取该文件" in r.text
        assert (await _upload(review, filled)).status_code == 403
        # A row naming a nomination not on this page: refused, the rows it could place read in.
        stranger = load_workbook(io.BytesIO(filled))
        stranger.active["B11"] = "00000000-0000-4000-8000-000000000000"
        out = io.BytesIO()
        stranger.save(out)
        r = await _upload(review, out.getvalue(), review.csrf)
        assert r.status_code == 422 and "文件第 11 行的推荐编号不在本页的终评名单中" in r.text
        assert f'id="yes-{ranked[0]}" name="yes.0" value="10"' in r.text
        # Uploaded: a preview of the form filled as the file says; nothing recorded yet.
        r = await _upload(review, filled, review.csrf)
        assert r.status_code == 200, r.text
        assert await watch.ends() == before
    assert "已读取会议纪要“终评会议纪要.xlsx”：4 项" in r.text and "尚未记录任何决定" in r.text
    assert f'id="yes-{ranked[0]}" name="yes.0" value="10"' in r.text and 'name="note" maxlength="2000" size="50" value="2022 年 12 月 8 日终评会议"' in r.text
    assert f'id="yes-{ranked[4]}" name="yes.4" value=""' in r.text
    # Confirmed as previewed: four decisions, the fifth candidate not decided at this sitting.
    pairs = _form(r.text, {0: ("10", "1", "1", "1"), 1: (*CARRIED, "1"), 2: ("3", "8", "1", "0"),
                           3: (*REJECTED, "0")}) + [("note", "2022 年 12 月 8 日终评会议")]
    r = await _send(review, pairs)
    assert r.status_code == 200 and "本次会议已记录：4 项决定已记录" in r.text, r.text
    on_log = await _decisions()
    assert [(str(e.nomination_id), e.selected, e.vote.yes, e.note) for e in on_log] == [
        (ranked[0], True, 10, "2022 年 12 月 8 日终评会议"), (ranked[1], True, 9, "2022 年 12 月 8 日终评会议"),
        (ranked[2], False, 3, "2022 年 12 月 8 日终评会议"), (ranked[3], False, 2, "2022 年 12 月 8 日终评会议")]
    # The exports: every nomination with quota, screening, preliminary result and decision; the body's results.
    r = await review.get(PAGES + "/review/exports", headers=review.session)
    assert r.status_code == 200 and "推荐总表" in r.text
    r = await review.get(PAGES + "/review/campaigns/kczg-2022/exports/nominations.xlsx", headers=review.session)
    assert r.status_code == 200 and r.headers["content-disposition"] == 'attachment; filename="nominations-kczg-2022.xlsx"'
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    header, body = rows[0], {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert header[:3] == ("推荐编号", "榜单", "领域") and set(body) == set(ranked)
    first = body[ranked[0]]
    assert (first["榜单"], first["领域"], first["名额"], first["形式审查"], first["初评排名"], first["终评决定"],
            first["决定次数"]) == ("先导技术榜", "绿色低碳", "占用名额", "通过", 1, "入选", 1)
    assert body[ranked[4]]["终评决定"] is None and body[ranked[2]]["终评决定"] == "不入选"
    r = await review.get(PAGES + "/review/campaigns/kczg-2022/exports/results.xlsx", headers=review.session)
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["先导技术榜-绿色低碳"]
    sheet = list(wb.active.iter_rows(values_only=True))
    assert sheet[1][:2] == ("初评机构", "中国科协生态环境产学联合体、中国科协清洁能源学会联合体")
    assert [row[1] for row in sheet[5:]] == ranked and [row[0] for row in sheet[5:]] == [1, 2, 3, 4, 5]
    # Someone else's role gets no export.
    expert = review.keys.token("expert", ECO, sub="e01")
    r = await review.get(PAGES + "/review/campaigns/kczg-2022/exports/nominations.xlsx",
                         headers={"Authorization": f"Bearer {expert}"})
    assert r.status_code == 403 and "仅限秘书处" in r.text


async def test_the_minutes_come_out_as_a_pdf_with_each_recorded_vote(sitting):
    import pypdf

    review = sitting
    page = await review.get(SITTING, headers=review.session)
    assert 'id="minutes-pdf"' in page.text and "minutes.pdf?list=leading_tech" in page.text
    ranked = _ranked(page.text)
    r = await _send(review, _form(page.text, {0: (*CARRIED, "1"), 1: ("2", "8", "1", "0", "2")}))
    assert r.status_code == 200 and 'id="minutes-pdf-done"' in r.text, r.text
    r = await review.get(SITTING + "/minutes.pdf", params={"list": "leading_tech"}, headers=review.session)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF-")
    assert r.headers["content-disposition"] == 'attachment; filename="minutes-kczg-2022-leading_tech.pdf"'
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    compact = re.sub(r"\s+", "", text)
    assert "先导技术榜·终评会议表决记录" in compact and "已记录终评决定2项，其中入选1项" in compact
    sittings = {e.sitting_id for e in await _decisions()}
    assert len(sittings) == 1 and str(next(iter(sittings))) in compact
    # Each row's vote as recorded: the first carried (15 eligible, 12 present, 1 recused: 9/2/1), the second with
    # two recused on it (11 of the 13 attending vote: 2/8/1), the other three undecided.
    assert "15121921入选" in compact and "15112281不入选" in compact
    assert compact.index("15121921入选") < compact.index("15112281不入选") and len(ranked) == 5
    assert compact.count("未决定") == 3 and compact.count("未记录表决票数") == 3
    # Another role: refused; without a session: the login's pointer.
    expert = review.keys.token("expert", ECO, sub="e01")
    r = await review.get(SITTING + "/minutes.pdf", headers={"Authorization": f"Bearer {expert}"})
    assert r.status_code == 403
