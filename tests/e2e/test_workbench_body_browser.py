"""A review body runs its panel in a real browser: Debian's headless Chromium driven by Playwright (no browser
download, no script run by the pages), the review and quota services each their own process.

Three 先进材料 nominations are screened in through the API. The body follows the development login link to its
target, files its plan with the roster imported from the page's own workbook, runs automatic assignment, opens a
re-review on the nomination its experts scored far apart, submits its results and downloads the sheet to stamp —
through the pages alone (the experts score through the API). axe-core finds no serious or critical violation on
any of the body's pages. Screenshots go to the test's output directory (and to $WORKBENCH_SCREENSHOTS_TO, e.g.
docs/, when set)."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from contracts.events import ExpertAssigned, PrelimResultsSubmitted, ReReviewOpened, ReviewPlanFiled
from contracts.topics import NOMINATIONS, REVIEW
from tests.e2e.test_public_page_browser import ARGS, CHROMIUM, need_browser
from tests.support.axe import assert_accessible
from tests.support.events import open_campaign, publish, registered
from tests.support.intake import Keys, events_of
from tests.support.kafka import read_topic
from tests.support.processes import ServiceProcess, free_port, wait_http_ready
from tests.support.review import IN_REVIEW, MATERIALS, submission, views_show

TARGET = "/workbench/review/body/campaigns/kczg-2022/targets/leading_tech/advanced_materials"
API = "/v1/review/campaigns/kczg-2022/targets/leading_tech/advanced_materials"
TITLES = ("高熵合金增材制造", "碳化硅单晶衬底", "可降解医用镁合金")
CRITERIA = ("innovation", "advancement", "industrial_value", "social_benefit")


@pytest.fixture
async def desk(env, tmp_path):
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
        nominations = [submission(u, "advanced_materials", title=t) for u, t in zip(("unit-a", "unit-b", "unit-b"), TITLES)]
        await publish(*((NOMINATIONS, registered(u, "national_society")) for u in ("unit-a", "unit-b")),
                      *((NOMINATIONS, n) for n in nominations))
        await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.nominations "
                                              "WHERE quota_outcome = 'reserved'", 3)
        base = f"http://127.0.0.1:{ports['review']}"
        async with httpx.AsyncClient(base_url=base, timeout=60) as api:
            for n in nominations:
                r = await api.post(f"/v1/review/nominations/{n.nomination_id}/screening", json={"passed": True},
                                   headers=keys.headers("secretariat", "kczg_secretariat"))
                assert r.status_code == 201, r.text
        await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.nominations WHERE in_review", 3)
        yield {"review": base, "keys": keys, "db": env["DATABASE_URL"], "nominations": nominations}
    finally:
        for process in processes:
            process.stop()


def _roster(template: bytes) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    for i in range(4):
        for j, value in enumerate((f"m{i:02d}", f"专家{i:02d}", f"某某大学{i:02d}")):
            wb.active.cell(row=4 + i, column=1 + j, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def _score(desk) -> str:
    """The experts score through the API: far apart on the first nomination. Returns its id."""
    first = str(desk["nominations"][0].nomination_id)
    async with httpx.AsyncClient(base_url=desk["review"], timeout=60) as api:
        items = (await api.get(API, headers=desk["keys"].headers("review_body", MATERIALS))).json()["nominations"]["items"]
        for n, item in enumerate(items):
            for i, e in enumerate(item["experts"]):
                value = ("95" if i == 0 else "60") if item["nomination_id"] == first else str(85 - 3 * n + i)
                r = await api.put(f"{API}/nominations/{item['nomination_id']}/scores",
                                  json={"scores": dict.fromkeys(CRITERIA, value)},
                                  headers=desk["keys"].headers("expert", MATERIALS, sub=e))
                assert r.status_code == 200, r.text
    await views_show(desk["db"], "SELECT count(*) FROM review_views.panel WHERE scored_at IS NOT NULL", 6)
    return first


async def accessible(browser, context, url: str) -> None:
    """axe-core on the page at `url` as the signed-in body sees it: in a second context of the same session
    where the test may run a script (the journey's own context runs none, and the pages' policy allows none)."""
    checker = await browser.new_context(bypass_csp=True, storage_state=await context.storage_state(), locale="zh-CN")
    try:
        page = await checker.new_page()
        await page.goto(url)
        await assert_accessible(page)
    finally:
        await checker.close()


async def test_a_body_imports_its_roster_assigns_re_reviews_and_submits_its_results(desk, tmp_path):
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
            # The login link lands on the body's one target.
            await page.goto(f"{base}/workbench/login?token={keys.token('review_body', MATERIALS, sub='officer-m')}")
            await page.wait_for_url(base + TARGET)
            assert "尚未备案评审方案" in await page.locator("#plan-state").inner_text()
            await accessible(browser, context, page.url)
            # The plan: the campaign's criteria filled in already; the roster from the page's own workbook.
            await page.get_by_role("link", name="评审方案", exact=True).click()
            await page.wait_for_url(base + TARGET + "/plan")
            await accessible(browser, context, page.url)
            async with page.expect_download() as downloading:
                await page.locator("#roster-template").click()
            filled = tmp_path / "专家名单.xlsx"
            filled.write_bytes(_roster(Path(await (await downloading.value).path()).read_bytes()))
            await page.fill("#plan-text", "初评采用专家个人独立评分。")
            await page.fill("#plan-composition", "高校与企业专家各半。")
            await page.fill("#plan-experts_per_item", "2")
            await page.fill("#plan-divergence_threshold", "15")
            await page.set_input_files("#roster-file", str(filled))
            document = tmp_path / "评审工作方案.pdf"
            document.write_bytes(b"%PDF-1.7\n% the body's plan\n%%EOF\n")
            await page.set_input_files("#plan-document-file", str(document))
            await page.locator("#file-plan").click()
            await page.wait_for_selector("#done")
            assert "专家名单 4 人" in await page.locator("#done").inner_text()
            (plan,) = events_of(await read_topic(REVIEW.name), ReviewPlanFiled)
            assert [e.expert_id for e in plan.roster] == ["m00", "m01", "m02", "m03"] and plan.experts_per_item == 2
            assert (plan.document.name, plan.document.size) == ("评审工作方案.pdf", document.stat().st_size)
            # The plan page links the document and lists the roster by name.
            await views_show(desk["db"], "SELECT count(*) FROM review_views.targets WHERE plan_document IS NOT NULL", 1)
            await page.goto(base + TARGET + "/plan")
            assert await page.locator("#plan-document").inner_text() == "评审工作方案.pdf"
            assert await page.locator("#roster-m02 td").all_text_contents() == ["m02", "专家02", "某某大学02"]
            await accessible(browser, context, page.url)
            # Automatic assignment.
            await page.get_by_role("link", name="进度与分配", exact=True).click()
            await page.locator("#auto-assign").click()
            await page.wait_for_selector("#done")
            assert await page.locator("#done").inner_text() == "自动分配完成：新分配 6 人次。"
            assert len(events_of(await read_topic(REVIEW.name), ExpertAssigned)) == 6
            await views_show(desk["db"], "SELECT count(*) FROM review_views.panel WHERE active", 6)
            # The experts score; the first nomination diverges, and the body opens a re-review on it.
            first = await _score(desk)
            await page.goto(base + TARGET)
            await page.screenshot(path=shots / "body-home.png", full_page=True)
            await accessible(browser, context, page.url)
            form = page.locator(f"#re-review-{first}")
            await form.locator('input[name="revisit"]').first.check()
            await form.locator('input[name="reason"]').fill("评分分歧较大，请复核。")
            await page.locator(f"#open-re-review-{first}").click()
            await page.wait_for_selector("#done")
            assert "已发起复评" in await page.locator("#done").inner_text()
            (opened,) = events_of(await read_topic(REVIEW.name), ReReviewOpened)
            assert str(opened.nomination_id) == first
            await views_show(desk["db"], "SELECT count(*) FROM review_views.nominations WHERE re_review_open", 1)
            # The results: previewed with z-scores and leniency, submitted with the re-review's reason.
            await page.get_by_role("link", name="初评结果", exact=True).click()
            await page.wait_for_url(base + TARGET + "/results")
            assert await page.locator("#leniency tbody tr").count() == 4
            await page.screenshot(path=shots / "body-results.png", full_page=True)
            await accessible(browser, context, page.url)
            await page.fill(f"#rr-{first}", "专家复核后仍坚持原评分，如实报送。")
            await page.locator("#submit").click()
            await page.wait_for_selector("#done")
            (submitted,) = events_of(await read_topic(REVIEW.name), PrelimResultsSubmitted)
            assert len(submitted.ranked) == 2 and [str(g.nomination_id) for g in submitted.gaps] == [first]
            await accessible(browser, context, page.url)
            # The sheet to stamp.
            async with page.expect_download() as downloading:
                await page.locator("#sheet-pdf").click()
            assert Path(await (await downloading.value).path()).read_bytes().startswith(b"%PDF-")
        finally:
            await browser.close()
    if target := os.environ.get("WORKBENCH_SCREENSHOTS_TO"):
        for name in ("body-home.png", "body-results.png"):
            shutil.copy(shots / name, Path(target) / name)
