"""The secretariat records a final-review sitting's votes from the minutes workbook in a real browser: Debian's
headless Chromium driven by Playwright (no browser download, no script needed by the pages), the review and
quota services each their own process.

Five 绿色低碳 nominations are screened, scored and ranked through the APIs, the bodies' results submitted. The
secretariat follows the development login link, goes from its navigation to the sitting page, downloads the
page's minutes template, fills it in (the roll call once, then each candidate's votes and decision), uploads
it, checks the preview and confirms — through the pages alone. The log then holds one FinalDecisionRecorded
per nomination of the sitting. Screenshots go to the test's output directory (and to
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

from contracts.events import FinalDecisionRecorded
from contracts.topics import NOMINATIONS, REVIEW
from tests.e2e.test_public_page_browser import ARGS, CHROMIUM, need_browser
from tests.integration.test_review_flow import _ready, as_, score_everything
from tests.support.events import open_campaign, publish, registered
from tests.support.intake import Keys, events_of
from tests.support.kafka import read_topic
from tests.support.processes import ServiceProcess, free_port, wait_http_ready
from tests.support.review import ECO, GREEN, IN_REVIEW, submission, views_show

SITTING = "/workbench/review/campaigns/kczg-2022/final"
TITLES = {"unit-a": ("高效钙钛矿光伏组件", "二氧化碳矿化封存技术", "氢燃料电池低铂催化剂"),
          "unit-b": ("长时储能液流电池", "工业余热梯级利用系统")}


@pytest.fixture
async def desk(env, tmp_path):
    """Review and quota on their own ports; five 绿色低碳 nominations ranked in the bodies' submitted results."""
    keys = Keys(tmp_path)
    await open_campaign()
    ports = {"review": free_port(), "quota": free_port()}
    common = {**keys.env(), "KCZG_CLOCK": IN_REVIEW.isoformat()}
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
        yield {"review": base, "keys": keys}
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
            # The login link lands on the screening queue; the navigation leads to the sitting.
            await page.goto(f"{base}/workbench/login?token={keys.token('secretariat', 'kczg_secretariat', sub='officer-1')}")
            await page.get_by_role("link", name="终评会议").click()
            await page.wait_for_url(base + SITTING)
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
        finally:
            await browser.close()
    if target := os.environ.get("WORKBENCH_SCREENSHOTS_TO"):
        for name in ("secretariat-sitting.png", "secretariat-sitting-recorded.png"):
            shutil.copy(shots / name, Path(target) / name)
