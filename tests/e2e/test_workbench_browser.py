"""The expert's workbench in a real browser: Debian's headless Chromium driven by Playwright (no browser
download), the review and quota services each their own process (fixtures as the public page's test).

An expert follows the development login link, finds the queue with the deadline and progress, opens a
nomination, scores it with the keyboard alone (a digit starts the first score, Tab moves on, Enter
submits), sees the weighted total recorded, moves to the next item with j, and finds the queue counting
the score. A screenshot of the queue and of the score sheet go to the test's output directory (and to
$WORKBENCH_SCREENSHOTS_TO, e.g. docs/, when set). axe-core (vendored, injected by the test) finds no serious or
critical violation on the queue, the sheet, the recorded score or the phone's layout.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from contracts.events import ExpertScoreRecorded
from contracts.review_terms import Criterion
from contracts.topics import REVIEW
from services.review.domain.scoring import weighted_total
from tests.e2e.test_public_page_browser import ARGS, CHROMIUM, need_browser
from tests.support.axe import assert_accessible
from tests.support.events import open_campaign
from tests.support.intake import Keys, events_of
from tests.support.kafka import read_topic
from tests.support.processes import ServiceProcess, free_port, wait_http_ready
from tests.support.review import IN_REVIEW, MATERIALS, put_nominations, views_show
from tests.support.workbench import HOME, seat_experts

TYPED = ["88", "76.5", "90", "69"]  # in the sheet's order of criteria


@pytest.fixture
async def workbench(env, tmp_path):
    """Review and quota on their own ports; three 先进材料 nominations screened, a plan filed, experts seated."""
    keys = Keys(tmp_path)
    await open_campaign()
    nominations = await put_nominations({"unit-a": 1, "unit-b": 2}, domain="advanced_materials")
    common = {**keys.env(), "KCZG_CLOCK": IN_REVIEW.isoformat()}
    ports = {"review": free_port(), "quota": free_port()}
    processes = [ServiceProcess(f"services.{name}", env, tmp_path / f"{name}.log",
                                extra_env={**common, f"{name.upper()}_PORT": str(port)}).start()
                 for name, port in ports.items()]
    base = f"http://127.0.0.1:{ports['review']}"
    try:
        for process, port in zip(processes, ports.values()):
            await asyncio.to_thread(wait_http_ready, f"http://127.0.0.1:{port}", process)
        async with httpx.AsyncClient(base_url=base, timeout=60) as api:
            api.db, api.keys, api.body = env["DATABASE_URL"], keys, keys.headers("review_body", MATERIALS)
            await views_show(api.db, "SELECT count(*) FROM review_views.nominations WHERE quota_outcome = 'reserved'", 3)
            for n in nominations:
                r = await api.post(f"/v1/review/nominations/{n.nomination_id}/screening", json={"passed": True},
                                   headers=keys.headers("secretariat", "kczg_secretariat"))
                assert r.status_code == 201, r.text
            await views_show(api.db, "SELECT count(*) FROM review_views.nominations WHERE in_review", 3)
            seats = await seat_experts(api)
            plan = (await api.get("/v1/review/campaigns/kczg-2022/targets/leading_tech/advanced_materials",
                                  headers=api.body)).json()["target"]["plan"]
        yield base, keys, seats, {str(n.nomination_id): n.title for n in nominations}, plan
    finally:
        for process in processes:
            process.stop()


async def test_an_expert_logs_in_and_scores_a_nomination_with_the_keyboard(workbench, tmp_path):
    need_browser()
    from playwright.async_api import async_playwright

    base, keys, seats, titles, plan = workbench
    mine = [n for n, experts in seats.items() if "e01" in experts]
    criteria = [Criterion(**c) for c in plan["criteria"]]
    expected = weighted_total({c.code: Decimal(v) for c, v in zip(criteria, TYPED)}, criteria, Decimal(0), Decimal(100))
    shots = tmp_path / "screenshots"
    shots.mkdir()
    link = f"{base}/workbench/login?token={keys.token('expert', MATERIALS, sub='e01')}"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                          bypass_csp=True)  # axe-core is injected as a script
            # The login link lands on the expert's queue: the deadline, the progress, the two seats.
            await page.goto(link)
            assert page.url == base + HOME
            assert await page.locator("#progress").inner_text() == "已评分 0 / 2 项，还有 2 项待评分。"
            assert await page.locator("#deadline").inner_text() == \
                "初评结果报送截止：2022年11月30日24:00（北京时间）。评审机构报送结果前可修改已提交的评分。"
            assert sorted(await page.locator("#queue tbody a").all_inner_texts()) == sorted(titles[n] for n in mine)
            await assert_accessible(page)
            await page.screenshot(path=shots / "expert-queue.png", full_page=True)
            # Open the first nomination: the dossier beside the sheet of the plan's criteria.
            await page.locator("#queue tbody a").first.click()
            first = page.url
            assert await page.locator("h1").inner_text() in titles.values()
            assert await page.locator("#score-form input.score").count() == len(criteria)
            await assert_accessible(page)
            # Score with the keyboard only: a digit outside a field starts the first score.
            await page.locator("h1").click()
            for i, value in enumerate(TYPED):
                await page.keyboard.type(value)
                if i < len(TYPED) - 1:
                    await page.keyboard.press("Tab")
            assert await page.locator("#total").inner_text() == str(expected)  # the live total, as it will be computed
            await page.screenshot(path=shots / "expert-score-sheet.png", full_page=True)
            await page.keyboard.press("Enter")
            await page.wait_for_selector("#recorded")
            assert await page.locator("#recorded").inner_text() == f"评分已记录：加权总分 {expected}。"
            await assert_accessible(page)
            # j: the next nomination of the queue.
            await page.locator("h1").click()
            await page.keyboard.press("j")
            await page.wait_for_url(lambda url: url != first)
            assert await page.locator("h1").inner_text() in {titles[n] for n in mine}
            # The queue counts the score once the view has it.
            for _ in range(100):
                await page.goto(base + HOME)
                if (await page.locator("#progress").inner_text()).startswith("已评分 1 / 2"):
                    break
                await asyncio.sleep(0.2)
            assert await page.locator("#progress").inner_text() == "已评分 1 / 2 项，还有 1 项待评分。"
            # On a 390-pixel phone the sheet stacks under the dossier, every field reachable.
            await page.set_viewport_size({"width": 390, "height": 844})
            await page.goto(first)
            assert await page.locator("#score-form input.score").first.is_visible()
            await assert_accessible(page)
            await page.screenshot(path=shots / "expert-phone.png", full_page=True)
        finally:
            await browser.close()
    (recorded,) = events_of(await read_topic(REVIEW.name), ExpertScoreRecorded)
    assert (recorded.expert_id, recorded.total, recorded.scores) == (
        "e01", expected, {c.code: Decimal(v) for c, v in zip(criteria, TYPED)})
    if target := os.environ.get("WORKBENCH_SCREENSHOTS_TO"):
        for name in ("expert-queue.png", "expert-score-sheet.png", "expert-phone.png"):
            shutil.copy(shots / name, Path(target) / name)
