"""The secretariat's screening queue page against the real broker and database: filters by list, domain and
status; batch actions (pass the selected, fail with reasons, return for correction) recorded by the handlers
the JSON routes call, each nomination once even when the form is sent twice; a refusal beside its field with
what was typed kept, writing nothing; the dossier opened beside the queue."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from contracts.events import NominationReturned, NominationScreened
from contracts.topics import NOMINATIONS
from eventlog.clock import FixedClock
from eventlog.http.page_session import PAGES, csrf_token
from tests.support.events import open_campaign
from tests.support.intake import Keys, OffsetWatch, events_of
from tests.support.kafka import read_topic
from tests.support.review import IN_REVIEW, put_nominations, services_in_process, views_show

QUEUE = PAGES + "/review/campaigns/kczg-2022/screening"
SUBMISSION = re.compile(r'name="submission" value="([0-9a-f]{32})"')


@pytest.fixture
async def desk(env, tmp_path):
    """Five nominations holding slots: three 先进材料 (unit-a one, unit-b two), two 生物医药 (unit-c); the
    secretariat signed in to the pages."""
    await open_campaign()
    materials = await put_nominations({"unit-a": 1, "unit-b": 2}, domain="advanced_materials")
    bio = await put_nominations({"unit-c": 2}, domain="biomedicine")
    async with services_in_process(Keys(tmp_path), FixedClock(IN_REVIEW)) as review:
        review.db = env["DATABASE_URL"]
        await views_show(review.db, "SELECT count(*) FROM review_views.nominations WHERE quota_outcome = 'reserved'", 5)
        token = review.keys.token("secretariat", "kczg_secretariat", sub="officer-1")
        r = await review.get(f"{PAGES}/login?token={token}")
        assert r.status_code == 303
        review.cookies.clear()
        review.session = {"Cookie": f"kczg_session={token}"}
        review.csrf = csrf_token(token)
        yield review, materials, bio


async def _send(review, pairs: list[tuple[str, str]]):
    """The batch form as a browser sends it (a checkbox per selected nomination: the field repeated)."""
    return await review.post(QUEUE, content=urlencode(pairs), headers={
        **review.session, "content-type": "application/x-www-form-urlencoded"})


def _rows(html: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="nomination" value="([0-9a-f-]{36})"', html)


async def _screened() -> list:
    return events_of(await read_topic(NOMINATIONS.name), NominationScreened, NominationReturned)


async def test_the_secretariat_filters_the_queue_and_opens_a_dossier_beside_it(desk):
    review, materials, bio = desk
    # The secretariat's home links the screening queue of the one campaign.
    r = await review.get(PAGES + "/", headers=review.session)
    assert (r.status_code, r.headers["location"]) == (303, PAGES + "/review/secretariat")
    r = await review.get(PAGES + "/review/screening", headers=review.session)
    assert (r.status_code, r.headers["location"]) == (303, QUEUE)
    page = await review.get(QUEUE, headers=review.session)
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    assert sorted(_rows(page.text)) == sorted(str(n.nomination_id) for n in (*materials, *bio))
    assert '待审查 <strong id="count-pending">5</strong>' in page.text
    # By domain, by list, by status.
    page = await review.get(QUEUE, params={"domain": "biomedicine"}, headers=review.session)
    assert sorted(_rows(page.text)) == sorted(str(n.nomination_id) for n in bio)
    assert '<option value="biomedicine" selected>生物医药</option>' in page.text
    page = await review.get(QUEUE, params={"list": "emerging_enterprise"}, headers=review.session)
    assert _rows(page.text) == [] and "没有符合筛选条件的推荐。" in page.text
    page = await review.get(QUEUE, params={"status": "passed"}, headers=review.session)
    assert _rows(page.text) == []
    # A dossier opens beside the queue: its form's fields and its attachments.
    opened = materials[0]
    page = await review.get(QUEUE, params={"open": str(opened.nomination_id)}, headers=review.session)
    dossier = page.text[page.text.index('id="dossier"'):]
    assert f"推荐材料：{opened.title}" in dossier and "技术名称" in dossier and "technology_name" not in dossier and "附件" in dossier
    # Someone else's role: refused in the page's words.
    expert = review.keys.token("expert", "cast_advanced_materials_consortium", sub="e01")
    r = await review.get(QUEUE, headers={"Authorization": f"Bearer {expert}"})
    assert r.status_code == 403 and "仅限秘书处" in r.text


async def test_a_batch_passes_fails_and_returns_each_once_even_sent_twice(desk):
    review, materials, bio = desk
    page = await review.get(QUEUE, headers=review.session)
    key = SUBMISSION.search(page.text).group(1)
    chosen = [str(n.nomination_id) for n in materials[:2]]
    form = [("csrf", review.csrf), ("submission", key), ("action", "pass"), ("reasons", ""), ("correction_due", ""),
            *(("nomination", n) for n in chosen)]
    # Passing two: both recorded; the same form again records nothing more (one key per form and nomination).
    for _ in range(2):
        r = await _send(review, form)
        assert r.status_code == 200, r.text
        assert "已处理 2 项：2 项已记录" in r.text
    verdicts = await _screened()
    assert sorted(str(e.nomination_id) for e in verdicts) == sorted(chosen) and all(e.passed for e in verdicts)
    assert {e.actor.person for e in verdicts} == {"officer-1"}
    await views_show(review.db, "SELECT count(*) FROM review_views.nominations WHERE screening_passed", 2)
    # Failing without a reason: refused beside the reasons field, the selection kept, nothing written.
    page = await review.get(QUEUE, params={"status": "pending"}, headers=review.session)
    key = SUBMISSION.search(page.text).group(1)
    fail = [str(bio[0].nomination_id)]
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await _send(review, [("csrf", review.csrf), ("submission", key), ("action", "fail"),
                                           ("reasons", "  "), ("nomination", fail[0])])
        assert r.status_code == 422, r.text
        assert '<span class="error" id="error-reasons">形式审查不通过须说明理由。</span>' in r.text
        assert f'value="{fail[0]}" id="n-{fail[0]}" checked' in r.text
        assert await watch.ends() == before
    # With reasons, one per line, from the page the refusal answered with (its form has a key of its own).
    key = SUBMISSION.search(r.text).group(1)
    r = await _send(review, [("csrf", review.csrf), ("submission", key), ("action", "fail"),
                             ("reasons", "缺少推荐单位盖章页。\n申报领域与内容不符。"), ("nomination", fail[0])])
    assert r.status_code == 200 and "已处理 1 项：1 项已记录" in r.text
    failed = [e for e in await _screened() if str(e.nomination_id) == fail[0]]
    assert [(e.passed, e.reasons) for e in failed] == [(False, ("缺少推荐单位盖章页。", "申报领域与内容不符。"))]
    # Returning for correction: a date before today is refused beside the date, kept as typed.
    back = str(bio[1].nomination_id)
    returning = lambda key: [("csrf", review.csrf), ("submission", key), ("action", "return"),  # noqa: E731
                             ("reasons", "推荐表缺少盖章页。"), ("nomination", back)]
    r = await _send(review, [*returning(SUBMISSION.search(r.text).group(1)), ("correction_due", "2022-11-01")])
    assert r.status_code == 422 and 'id="error-correction-due"' in r.text and 'value="2022-11-01"' in r.text
    r = await _send(review, [*returning(SUBMISSION.search(r.text).group(1)), ("correction_due", "2022-11-20")])
    assert r.status_code == 200 and "已处理 1 项：1 项已记录" in r.text
    (returned,) = [e for e in await _screened() if isinstance(e, NominationReturned)]
    assert (str(returned.nomination_id), returned.reasons) == (back, ("推荐表缺少盖章页。",))
    # Passing one already passed and one now returned: the first is so already, the second refused in the
    # domain's words beside its title.
    page = await review.get(QUEUE, headers=review.session)
    key = SUBMISSION.search(page.text).group(1)
    r = await _send(review, [("csrf", review.csrf), ("submission", key), ("action", "pass"),
                                       ("nomination", chosen[0]), ("nomination", back)])
    assert r.status_code == 200 and "已处理 2 项：1 项已记录，1 项未记录" in r.text
    assert "须待推荐单位在补正期限" in r.text
    assert len(await _screened()) == 4
    # A cookie's form without its CSRF token: 403, nothing written.
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await _send(review, [("submission", "f" * 32), ("action", "pass"),
                                           ("nomination", str(materials[2].nomination_id))])
        assert r.status_code == 403 and await watch.ends() == before
