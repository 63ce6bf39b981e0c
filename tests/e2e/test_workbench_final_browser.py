"""The secretariat records a final-review sitting's votes from the minutes workbook in a real browser: Debian's
headless Chromium driven by Playwright (no browser download, no script needed by the pages), the review and
quota services each their own process.

Five 绿色低碳 nominations are screened, scored and ranked through the APIs, the bodies' results submitted. The
secretariat follows the development login link, goes from its navigation to the sitting page, downloads the
page's minutes template, fills it in (the roll call once, then each candidate's votes and decision), uploads
it, checks the preview and confirms — through the pages alone. The log then holds one FinalDecisionRecorded
per nomination of the sitting; the minutes come out as a PDF. From the secretariat's home the journey goes on
to the publish service's controls (the same login): the notice opens, and after it the release is scheduled for
the annual meeting. axe-core scans every page on the way. Screenshots go to the test's output directory (and to
$WORKBENCH_SCREENSHOTS_TO, e.g. docs/, when set)."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from contracts.events import FinalDecisionRecorded, ListPublished, PublicNoticeOpened
from contracts.topics import NOMINATIONS, PUBLISH, REVIEW
from tests.e2e.test_public_page_browser import ARGS, CHROMIUM, need_browser
from tests.integration.test_review_flow import _ready, as_, score_everything
from tests.support.axe import assert_accessible_snapshot
from tests.support.events import open_campaign, publish, registered
from tests.support.intake import Keys, events_of
from tests.support.kafka import read_topic
from tests.support.processes import ServiceProcess, free_port, wait_http_ready
from tests.support.review import ECO, GREEN, IN_REVIEW, submission, views_show

SITTING = "/workbench/review/campaigns/kczg-2022/final"
CONTROLS = "/workbench/publish/campaigns/kczg-2022/controls"
AFTER_NOTICE = "2023-01-05T10:00:00+08:00"
TITLES = {"unit-a": ("高效钙钛矿光伏组件", "二氧化碳矿化封存技术", "氢燃料电池低铂催化剂"),
          "unit-b": ("长时储能液流电池", "工业余热梯级利用系统")}


@pytest.fixture
async def desk(env, tmp_path):
    """Review, quota and publish on their own ports; five 绿色低碳 nominations ranked in the bodies' submitted
    results. The clock is the review's; a request may name another (the release, after the notice)."""
    keys = Keys(tmp_path)
    await open_campaign()
    ports = {"review": free_port(), "quota": free_port(), "publish": free_port()}
    common = {**keys.env(), "KCZG_CLOCK": IN_REVIEW.isoformat(), "KCZG_CLOCK_HEADER": "1",
              "KCZG_PUBLISH_URL": f"http://127.0.0.1:{ports['publish']}", "KCZG_REVIEW_URL": f"http://127.0.0.1:{ports['review']}"}
    processes = [ServiceProcess(f"services.{name}", env, tmp_path / f"{name}.log",
                                extra_env={**common, f"{name.upper()}_PORT": str(port)}).start()
                 for name, port in ports.items()]
    try:
        for process, port in zip(processes, ports.values()):
            await asyncio.to_thread(wait_http_ready, f"http://127.0.0.1:{port}", process)
        nominations = [submission(u, "green_low_carbon", title=t) for u, titles in TITLES.items() for t in titles]
        await publish(*((NOMINATIONS, registered(u, "national_society")) for u in TITLES),
                      *((NOMINATIONS, n) for n in nominations))
        await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.nominations "
                                              "WHERE quota_outcome = 'reserved'", 5)
        base = f"http://127.0.0.1:{ports['review']}"
        async with httpx.AsyncClient(base_url=base, timeout=60) as api:
            api.keys, api.nominations, api.db = keys, nominations, env["DATABASE_URL"]
            await score_everything(api, await _ready(api))
            r = await api.post(GREEN + "/results", json={}, headers=as_(api, "review_body", ECO))
            assert r.status_code == 201, r.text
        await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.nominations "
                                              "WHERE prelim_at IS NOT NULL", 5)
        yield {"review": base, "keys": keys, "publish": common["KCZG_PUBLISH_URL"]}
    finally:
        for process in processes:
            process.stop()


def _fill(template: bytes, votes: list[tuple[int, int, int, str]]) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    ws = wb.active
    ws["B3"], ws["B4"], ws["B5"], ws["B6"] = 15, 12, 1, "2022 年 12 月终评会议"
    for i, (yes, no, abstain, decision) in enumerate(votes):
        ws[f"H{9 + i}"], ws[f"I{9 + i}"], ws[f"J{9 + i}"], ws[f"K{9 + i}"] = yes, no, abstain, decision
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def test_the_secretariat_records_a_sittings_votes_from_the_minutes_workbook(desk, tmp_path):
    need_browser()
    from playwright.async_api import async_playwright

    base, keys = desk["review"], desk["keys"]
    shots = tmp_path / "screenshots"
    shots.mkdir()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                                java_script_enabled=False, accept_downloads=True)
            page = await context.new_page()
            # The login link lands on the secretariat's home; its navigation leads to the sitting.
            await page.goto(f"{base}/workbench/login?token={keys.token('secretariat', 'kczg_secretariat', sub='officer-1')}")
            assert page.url == base + "/workbench/review/secretariat"
            await assert_accessible_snapshot(browser, page)
            await page.locator("nav.tasks").get_by_role("link", name="终评会议").click()
            await page.wait_for_url(base + SITTING)
            await assert_accessible_snapshot(browser, page)
            rows = page.locator("#candidates tbody tr")
            assert await rows.count() == 5
            ranked = [(await rows.nth(i).get_attribute("id"))[4:] for i in range(5)]
            # The minutes template, downloaded and filled in: two selected, three not.
            async with page.expect_download() as downloading:
                await page.locator("#minutes-template").click()
            download = await downloading.value
            template = Path(await download.path()).read_bytes()
            filled = tmp_path / "终评会议纪要.xlsx"
            filled.write_bytes(_fill(template, [(11, 1, 0, "入选"), (9, 2, 1, "入选"), (4, 7, 1, "不入选"),
                                                (3, 8, 1, "不入选"), (2, 9, 1, "不入选")]))
            # Uploaded: the preview fills the table; nothing is recorded until it is confirmed.
            await page.set_input_files("#minutes-file", str(filled))
            await page.get_by_role("button", name="上传并预览").click()
            await page.wait_for_selector("#read")
            assert "5 项" in await page.locator("#read").inner_text()
            assert await page.locator(f"#yes-{ranked[0]}").input_value() == "11"
            assert await page.locator(f"#selected-{ranked[1]}").input_value() == "1"
            assert await page.locator("#roll-present").input_value() == "12"
            assert events_of(await read_topic(REVIEW.name), FinalDecisionRecorded) == []
            await assert_accessible_snapshot(browser, page)
            await page.screenshot(path=shots / "secretariat-sitting.png", full_page=True)
            # Confirmed: five decisions, one sitting.
            await page.get_by_role("button", name="记录本次会议决定").click()
            await page.wait_for_selector("#done")
            assert (await page.locator("#done p").first.inner_text()) == "本次会议已记录：5 项决定已记录。"
            assert await page.locator(f"#decided-{ranked[0]}").inner_text() == "入选（第 1 次）"
            await page.screenshot(path=shots / "secretariat-sitting-recorded.png", full_page=True)
            on_log = events_of(await read_topic(REVIEW.name), FinalDecisionRecorded)
            assert [(str(e.nomination_id), e.selected, e.vote.yes) for e in on_log] == [
                (ranked[0], True, 11), (ranked[1], True, 9), (ranked[2], False, 4), (ranked[3], False, 3),
                (ranked[4], False, 2)]
            assert len({e.sitting_id for e in on_log}) == 1 and {e.actor.person for e in on_log} == {"officer-1"}
            assert {e.note for e in on_log} == {"2022 年 12 月终评会议"}
            await assert_accessible_snapshot(browser, page)
            # The minutes as a PDF, to sign and file.
            async with page.expect_download() as downloading:
                await page.locator("#minutes-pdf-done").click()
            assert Path(await (await downloading.value).path()).read_bytes().startswith(b"%PDF-")
            # The dashboard: the list's five collected, scored, ranked and submitted, with the charts and their tables.
            await page.locator("nav.tasks").get_by_role("link", name="进度看板").click()
            green = page.locator("#target-kczg-2022-leading_tech-green_low_carbon td.number")
            assert await green.all_inner_texts() == ["5", "5", "5", "0", "5", "5", "5", "15/15"]
            assert await page.locator("svg.chart").count() == 4
            await assert_accessible_snapshot(browser, page)
            await page.screenshot(path=shots / "secretariat-dashboard.png", full_page=True)
            # Home, then on to the publish service's controls: the notice guard has nothing to say; the notice opens.
            await page.locator("nav.tasks").get_by_role("link", name="首页").click()
            await page.get_by_role("link", name="公示与发布").click()
            await page.wait_for_url(desk["publish"] + CONTROLS)
            assert await page.locator("#guard-leading_tech").inner_text() == "评审已完成，可以开启公示。"
            await assert_accessible_snapshot(browser, page)
            await page.locator("#notice-leading_tech").get_by_role("button", name="开启公示").click()
            await page.wait_for_selector("#done")
            assert (await page.locator("#done").inner_text()).startswith("公示已开启，共 2 项")
            await assert_accessible_snapshot(browser, page)
            # After the notice (the request names the instant): released, scheduled for the annual meeting.
            await context.set_extra_http_headers({"X-Kczg-Clock": AFTER_NOTICE})
            await page.goto(desk["publish"] + CONTROLS)
            await page.fill("#public-at-leading_tech", "2023-02-20T09:30")
            await page.locator("#release-leading_tech").get_by_role("button", name="发布榜单").click()
            await page.wait_for_selector("#done")
            assert (await page.locator("#done").inner_text()) == (
                "第 1 版已发布，共 2 项，定于 2023-02-20 09:30（北京时间）公开，此前仅秘书处可预览。")
            await assert_accessible_snapshot(browser, page)
            await page.screenshot(path=shots / "secretariat-release.png", full_page=True)
            assert await page.get_by_role("link", name="秘书处首页").get_attribute("href") == \
                f"{base}/workbench/review/secretariat"
            published = events_of(await read_topic(PUBLISH.name), PublicNoticeOpened, ListPublished)
            assert [type(e).__name__ for e in published] == ["PublicNoticeOpened", "ListPublished"]
            assert published[1].public_at.isoformat() == "2023-02-20T09:30:00+08:00"
            assert {e.actor.person for e in published} == {"officer-1"}
        finally:
            await browser.close()
    if target := os.environ.get("WORKBENCH_SCREENSHOTS_TO"):
        for name in ("secretariat-sitting.png", "secretariat-sitting-recorded.png", "secretariat-dashboard.png",
                     "secretariat-release.png"):
            shutil.copy(shots / name, Path(target) / name)
