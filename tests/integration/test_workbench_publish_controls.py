"""The secretariat's notice and release controls and objections queue, pages of the publish service, against
the real broker and database: the page shows the notice guard's reasons before anyone tries; the notice opens
(without an outstanding domain only with a reason) and the list is scheduled for release through the handlers
the JSON routes call, a form sent twice recording once; an objection is resolved from the queue; a form
without its CSRF token is refused with 403 and writes nothing; nobody but the secretariat gets the pages."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlencode

import pytest

from contracts.events import ListPublished, ObjectionResolved, OmittedTarget, PublicNoticeOpened
from contracts.topics import PUBLISH
from eventlog.clock import FixedClock
from eventlog.http.page_session import PAGES, csrf_token
from tests.integration.test_publish_notice_guard import LEAD, Scene
from tests.support.events import open_campaign, publish
from tests.support.intake import Keys, OffsetWatch, events_of
from tests.support.kafka import read_topic
from tests.support.publish import AFTER_NOTICE, C, NOTICE_TIME, facts_caught_up, objection, publish_in_process

CONTROLS = f"{PAGES}/publish/campaigns/{C}/controls"
OBJECTIONS = f"{PAGES}/publish/campaigns/{C}/objections"
SUBMISSION = re.compile(r'name="submission" value="([0-9a-f]{32})"')
REASON = "生物医药领域初评延期，经主任办公会同意先行公示其余领域。"


@pytest.fixture
async def desk(env, tmp_path):
    s = Scene()
    await open_campaign()
    await publish(*s.events())
    async with publish_in_process(Keys(tmp_path), FixedClock(NOTICE_TIME)) as client:
        await facts_caught_up()
        token = client.keys.token("secretariat", "kczg_secretariat", sub="officer-1")
        client.session, client.csrf = {"Cookie": f"kczg_session={token}"}, csrf_token(token)
        yield client, s


async def _post(client, path: str, pairs: list[tuple[str, str]], csrf: bool = True):
    pairs = ([("csrf", client.csrf)] if csrf else []) + pairs
    return await client.post(path, content=urlencode(pairs), headers={
        **client.session, "content-type": "application/x-www-form-urlencoded"})


async def _published() -> list:
    return events_of(await read_topic(PUBLISH.name), PublicNoticeOpened, ListPublished, ObjectionResolved)


async def test_the_guard_speaks_first_then_the_notice_opens_and_the_release_is_scheduled(desk, monkeypatch):
    client, s = desk
    monkeypatch.setenv("KCZG_REVIEW_URL", "https://review.example.cn/")
    # The secretariat's start page on the publish service is its controls; the guard's reasons are on it.
    r = await client.get(PAGES + "/", headers=client.session)
    assert (r.status_code, r.headers["location"]) == (303, PAGES + "/publish")
    r = await client.get(PAGES + "/publish", headers=client.session)
    assert (r.status_code, r.headers["location"]) == (303, CONTROLS)
    page = await client.get(CONTROLS, headers=client.session)
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    assert '<a href="https://review.example.cn/workbench/review/secretariat">秘书处首页</a>' in page.text
    guard = page.text[page.text.index(f'id="guard-{LEAD}"'):]
    assert "<li>生物医药（初评结果尚未报送）</li>" in guard[:guard.index("</div>")]
    assert "终评决定 2 项，其中入选 1 项。" in page.text
    form = SUBMISSION.search(page.text).group(1)
    notice = f"{CONTROLS}/lists/{LEAD}/notice"
    async with OffsetWatch() as watch:
        before = await watch.ends()
        # Without its CSRF token: 403, nothing written.
        r = await _post(client, notice, [("submission", form)], csrf=False)
        assert r.status_code == 403
        # Without a reason for the domain not waited for: the guard's words on the page, nothing written.
        r = await _post(client, notice, [("submission", form)])
        assert r.status_code == 409 and "先导技术榜尚有评审未完成，不能开启公示：生物医药（初评结果尚未报送）" in r.text
        form = SUBMISSION.search(r.text).group(1)  # each page its own form key, as a browser sends it
        r = await _post(client, notice, [("submission", form), ("omit", "biomedicine"), ("reason.biomedicine", " ")])
        assert r.status_code == 422 and "不等待生物医药即开启公示，须说明原因。" in r.text
        assert 'id="omit-leading_tech-biomedicine" name="omit" value="biomedicine" checked' in r.text
        assert await watch.ends() == before
    form = SUBMISSION.search(r.text).group(1)
    # With the reason: opened; the same form again records once.
    for _ in range(2):
        r = await _post(client, notice, [("submission", form), ("omit", "biomedicine"), ("reason.biomedicine", REASON)])
        assert r.status_code == 200, r.text
        assert re.search(r"公示已开启，共 1 项，至 \d{4}-\d\d-\d\d \d\d:\d\d（北京时间）结束。", r.text)
    opened = [e for e in await _published() if isinstance(e, PublicNoticeOpened)]
    assert len(opened) == 1 and opened[0].omitted == (OmittedTarget(domain="biomedicine", reason=REASON),)
    assert opened[0].actor.person == "officer-1"
    assert "（公示中）" in r.text and f'id="notice-{LEAD}"' not in r.text

    # An objection from the public; the queue shows it with the objector's contact; resolved from the page.
    nid = opened[0].nominations[0]
    r = await client.post(f"/v1/publish/campaigns/{C}/notices/{opened[0].notice_id}/objections", json=objection(nid))
    assert r.status_code == 201, r.text
    oid = r.json()["objection_id"]
    await facts_caught_up()
    queue = await client.get(OBJECTIONS, headers=client.session)
    assert queue.status_code == 200 and "待处理（1）" in queue.text and "zhangsan@example.edu.cn" in queue.text
    form = SUBMISSION.search(queue.text).group(1)
    resolution = f"{OBJECTIONS}/{oid}/resolution"
    r = await _post(client, resolution, [("submission", form), ("upheld", "0"), ("note", "")])
    assert r.status_code == 422 and "请填写处理意见。" in r.text and f'id="rejected-{oid}" name="upheld" value="0" checked' in r.text
    form = SUBMISSION.search(r.text).group(1)
    r = await _post(client, resolution, [("submission", form), ("upheld", "0"), ("note", "经核实，专利权属清楚。")])
    assert r.status_code == 200 and "异议已处理：不成立。" in r.text and "待处理（0）" in r.text
    assert [(str(e.objection_id), e.upheld) for e in await _published() if isinstance(e, ObjectionResolved)] == [(oid, False)]

    # After the notice: released, scheduled for the annual meeting (Beijing time), previewed by the secretariat only.
    client.clock.at = AFTER_NOTICE
    page = await client.get(CONTROLS, headers=client.session)
    form = SUBMISSION.search(page.text).group(1)
    release = f"{CONTROLS}/lists/{LEAD}/release"
    r = await _post(client, release, [("submission", form), ("public_at", "2023年2月20日")])
    assert r.status_code == 422 and "公开时间格式应为" in r.text and 'value="2023年2月20日"' in r.text
    r = await _post(client, release, [("submission", form), ("public_at", "2022-12-01T09:30")])
    assert r.status_code == 422 and "公开时间须晚于现在" in r.text
    form = SUBMISSION.search(r.text).group(1)
    for _ in range(2):
        r = await _post(client, release, [("submission", form), ("public_at", "2023-02-20T09:30")])
        assert r.status_code == 200, r.text
        assert "第 1 版已发布，共 1 项，定于 2023-02-20 09:30（北京时间）公开，此前仅秘书处可预览。" in r.text
    released = [e for e in await _published() if isinstance(e, ListPublished)]
    assert len(released) == 1 and released[0].public_at == datetime.fromisoformat("2023-02-20T09:30:00+08:00")
    assert "定于 2023-02-20 09:30 公开（仅秘书处可预览）" in r.text


async def test_the_controls_are_the_secretariats_alone(desk):
    client, _ = desk
    unit = client.keys.token("unit", "unit-a")
    for path in (CONTROLS, OBJECTIONS, PAGES + "/publish"):
        r = await client.get(path)
        assert r.status_code == 401 and "请先登录" in r.text
        r = await client.get(path, headers={"Cookie": f"kczg_session={unit}"})
        assert r.status_code == 403 and "无权访问" in r.text
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await client.post(f"{CONTROLS}/lists/{LEAD}/notice", content=urlencode({"csrf": csrf_token(unit)}),
                              headers={"Cookie": f"kczg_session={unit}", "content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 403
        assert await watch.ends() == before
