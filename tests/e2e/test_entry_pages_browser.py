"""The pages after the release in a real browser (Debian's headless Chromium, Playwright): the campaign page, an
entry's page, the search and the statistics page, each at 1280 and at 390 pixels wide, where nothing may scroll
sideways (wide tables scroll inside their own box); axe-core finds no serious or critical violation on any of them.
Screenshots go to the test's output directory, and the entry and statistics pages to $PUBLISH_SCREENSHOTS_TO (docs/)
as entry-page.png and statistics-page.png."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_public_page_browser import ARGS, CHROMIUM, need_browser
from tests.integration.publish_support import Listed
from tests.support.axe import assert_accessible
from tests.support.events import nomination_chain, open_campaign, publish
from tests.support.intake import Keys, wait_for
from tests.support.processes import ServiceProcess, free_port, wait_http_ready

NOW = "2023-01-10T10:00:00+08:00"
C = "kczg-2022"
WIDTHS = (1280, 390)


@pytest.fixture
async def site(env, tmp_path):
    """The publish service on a port: 先导技术榜 released with consented fields, one news item, three matching
    requests (one reaching 落地, one declined, one waiting for its holder)."""
    keys, facts = Keys(tmp_path), Listed()
    # A holder whose name has no place to break (a long Latin name): what pushed the phone's page sideways.
    facts.wide = nomination_chain("unit-a", Listed.LIST, "biomedicine", "BioNTechmRNALNPDeliveryPlatform2022", {
        "completing_units": ["ShenzhenInternationalAdvancedBiomedicalResearchInstituteCoLtd"],
        "region": "guangdong"})
    facts.chains.append(facts.wide)
    await open_campaign()
    await publish(*facts.events())
    port = free_port()
    service = ServiceProcess("services.publish", env, tmp_path / "publish.log", extra_env={
        **keys.env(), "PUBLISH_PORT": str(port), "KCZG_CLOCK": f"start:{NOW}", "KCZG_CLOCK_HEADER": "1"}).start()
    base = f"http://127.0.0.1:{port}"
    try:
        await asyncio.to_thread(wait_http_ready, base, service)
        async with httpx.AsyncClient(base_url=base, headers=keys.headers("secretariat", "kczg_secretariat"),
                                     timeout=60) as api:
            async def command(path: str, at: str | None = None, **kw) -> httpx.Response:
                for _ in range(200):  # the views' first build: 503 until then
                    r = await api.post(path, headers={"X-Kczg-Clock": at} if at else {}, **kw)
                    if r.status_code != 503:
                        return r
                    await asyncio.sleep(0.2)
                return r

            lists = f"/v1/publish/campaigns/{C}/lists"
            assert (await command(f"{lists}/leading_tech/notice", at="2022-12-20T10:00:00+08:00")).status_code == 201
            assert (await command(f"{lists}/leading_tech/release", at="2023-01-05T10:00:00+08:00")).status_code == 201
            r = await command(f"/v1/publish/campaigns/{C}/news", json={
                "title": "2022年“科创中国”系列榜单发布", "body": "先导技术榜等榜单已正式发布，欢迎检索上榜条目。"})
            assert r.status_code == 201, r.text

            # 资源对接, so the statistics page shows numbers: one request reaches 落地, one is declined, one waits
            # for its holder.
            pub = f"/v1/publish/campaigns/{C}"
            for entry, holder, kind, triage, outcome in (
                    (facts.chip, "unit-b", "landing", {"accepted": True}, "landed"),
                    (facts.quantum, "unit-a", "investment", {"accepted": False, "reason": "too_early"}, None),
                    (facts.vaccine, "unit-z", "tech_cooperation", {"accepted": True}, None)):
                requester = keys.headers("requester", "park-hefei")
                r = await api.post(f"{pub}/entries/{entry.nomination_id}/match-requests", headers=requester, json={
                    "organisation": "合肥高新区管委会", "kind": kind, "need": "拟在园区开展合作。", "region": "安徽省合肥市",
                    "contact": "招商局王女士 0551-12345678"})
                assert r.status_code == 201, r.text
                match = f"{pub}/match-requests/{r.json()['match_id']}"
                assert (await api.post(f"{match}/triage", json=triage)).status_code == 200
                if outcome:
                    r = await api.post(f"{match}/consent", headers=keys.headers("unit", holder),
                                       json={"consent": True, "contact": "成果转化处 010-87654321"})
                    assert r.status_code == 200, r.text
                    r = await api.post(f"{match}/outcomes", headers=requester, json={"outcome": outcome})
                    assert r.status_code == 200, r.text

            async def shown():
                return ("存算一体芯片" in (await api.get(f"/campaigns/{C}/entries")).text
                        and "对接请求共 3 项，其中已对接 1 项；落地 1 项" in (await api.get(f"/campaigns/{C}/statistics")).text)

            await wait_for(shown, timeout_s=60)
        yield base, facts
    finally:
        service.stop()


async def no_sideways_scroll(page) -> None:
    sizes = await page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], f"{page.url} scrolls sideways at {sizes[1]} px: {sizes[0]} px wide"


async def test_entry_search_and_statistics_pages_at_1280_and_390_pixels(site, tmp_path):
    need_browser()
    from playwright.async_api import async_playwright

    base, facts = site
    shots = tmp_path / "screenshots"
    shots.mkdir()
    entry = f"{base}/campaigns/{C}/entries/{facts.chip.nomination_id}"
    pages = {"campaign": f"{base}/campaigns/{C}", "entry": entry, "search": f"{base}/campaigns/{C}/entries?q=芯片",
             "statistics": f"{base}/campaigns/{C}/statistics", "news": f"{base}/campaigns/{C}/news",
             "archive": f"{base}/archive"}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for width in WIDTHS:
                page = await browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN",
                                              bypass_csp=True)  # axe is injected; the pages run no script
                for name, url in pages.items():
                    r = await page.goto(url)
                    assert r.status == 200, (url, r.status)
                    await no_sideways_scroll(page)
                    await assert_accessible(page)
                    await page.screenshot(path=shots / f"{name}-{width}.png", full_page=True)
                await page.close()
            # What the entry page says, and that the search finds it by a Chinese substring and links to it.
            page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                          java_script_enabled=False)
            await page.goto(f"{base}/campaigns/{C}/entries")
            await page.fill("#f-q", "稀疏")
            await page.click("button[type=submit]")
            await page.click("text=存算一体芯片")
            assert await page.locator("h1").inner_text() == "存算一体芯片"
            facts_text = await page.locator("dl.facts").inner_text()
            assert "丁半导体有限公司" in facts_text and "北京市科学技术协会" in facts_text
            assert "片上稀疏调度" in await page.locator("dl.shown").inner_text()
            await page.click("text=/核验地址/ >> a")
            assert "证书有效" in await page.locator("[role=status]").inner_text()
            # The campaign page lists the latest news; its link lands on the item on the news page.
            await page.goto(f"{base}/campaigns/{C}")
            assert await page.locator("#news li a").all_inner_texts() == ["2022年“科创中国”系列榜单发布"]
            await page.locator("#news li a").click()
            assert "/news#news-" in page.url
            assert await page.locator("article h2").all_inner_texts() == ["2022年“科创中国”系列榜单发布"]
            await page.goto(f"{base}/campaigns/{C}/statistics")
            assert await page.locator("svg.chart").count() == 3
            captions = await page.locator("table caption").all_inner_texts()
            # One data table under each chart, then the 资源对接 tables.
            assert [c for c in captions if c.endswith("（数据表）")] and len(captions) == 5, captions
            assert captions[3:] == ["对接请求按类型与结果", "对接请求按进度"], captions
        finally:
            await browser.close()
    if target := os.environ.get("PUBLISH_SCREENSHOTS_TO"):
        shutil.copy(shots / "entry-1280.png", Path(target) / "entry-page.png")
        shutil.copy(shots / "statistics-1280.png", Path(target) / "statistics-page.png")
