"""The public page in a real browser: Debian's headless Chromium driven by Playwright (no browser download).

The publish service runs as its own process; 先导技术榜 is released (its notice over), 新锐企业榜 is under
notice. The browser loads the index, sees the list by domain and the notice marked 公示中, follows the
notice, files a named objection through the form (no JavaScript involved), and a screenshot of each page
is written to the test's output directory (and to $PUBLISH_SCREENSHOTS_TO, e.g. docs/, when set).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from datetime import date
from pathlib import Path

import httpx
import pytest

from contracts.campaign.book import CampaignBook, evolve
from contracts.campaign.decisions import decide_timeline_change, release_move
from contracts.events import ObjectionFiled
from contracts.topics import CAMPAIGNS, PUBLISH, REVIEW
from deploy.local import packages
from tests.integration.publish_support import Facts
from tests.support.events import (
    CAMPAIGN, SECRETARIAT, campaign_opened, decision, open_campaign, publish, results_submitted,
)
from tests.support.intake import Keys, events_of, wait_for
from tests.support.kafka import read_topic
from tests.support.processes import ServiceProcess, free_port, wait_http_ready

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
NOW = "2023-01-10T10:00:00+08:00"  # the service's clock starts here: 新锐企业榜's notice is open then
C = "kczg-2022"


def need_browser() -> None:
    """Never a skip: `make test` installs Chromium first (deploy/local/stack.py packages --tests)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(packages.missing_line(packages.TEST_PACKAGES, f"没有 {CHROMIUM}（make test 会先安装）"), pytrace=False)


@pytest.fixture
async def site(env, tmp_path):
    """The publish service on a port, with 先导技术榜 released (2023-02-20) and 新锐企业榜 under notice."""
    keys, facts = Keys(tmp_path), Facts()
    await open_campaign()
    (moved,) = decide_timeline_change(evolve(CampaignBook(), campaign_opened()), C,
                                      release_move(CAMPAIGN, date(2023, 2, 20)), "年度会议于2月20日举行",
                                      actor=SECRETARIAT, at=campaign_opened().occurred_at)
    await publish((CAMPAIGNS, moved), *facts.events(), *results_submitted(facts.enterprise),
                  (REVIEW, decision(facts.enterprise.nomination_id, "emerging_enterprise", None, True)))
    port = free_port()
    service = ServiceProcess("services.publish", env, tmp_path / "publish.log", extra_env={
        **keys.env(), "PUBLISH_PORT": str(port), "KCZG_CLOCK": f"start:{NOW}", "KCZG_CLOCK_HEADER": "1"}).start()
    base = f"http://127.0.0.1:{port}"
    try:
        await asyncio.to_thread(wait_http_ready, base, service)
        headers = keys.headers("secretariat", "kczg_secretariat")
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as api:
            async def command(path: str, at: str | None = None, **kw) -> httpx.Response:
                for _ in range(200):  # the views' first build: 503 until then
                    r = await api.post(path, headers={"X-Kczg-Clock": at} if at else {}, **kw)
                    if r.status_code != 503:
                        return r
                    await asyncio.sleep(0.2)
                return r

            lists = f"/v1/publish/campaigns/{C}/lists"
            r = await command(f"{lists}/leading_tech/notice", at="2022-12-20T10:00:00+08:00")
            assert r.status_code == 201, r.text
            r = await command(f"{lists}/leading_tech/release", at="2023-01-05T10:00:00+08:00")
            assert r.status_code == 201, r.text
            r = await command(f"{lists}/emerging_enterprise/notice")
            assert r.status_code == 201, r.text

            async def shown():
                page = (await api.get(f"/campaigns/{C}")).text
                return "存算一体芯片" in page and "新锐企业榜 公示名单" in page

            await wait_for(shown, timeout_s=60)
        yield base, facts
    finally:
        service.stop()


async def test_the_public_page_in_headless_chromium(site, tmp_path):
    need_browser()
    from playwright.async_api import async_playwright

    base, facts = site
    shots = tmp_path / "screenshots"
    shots.mkdir()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1200, "height": 900}, locale="zh-CN",
                                          java_script_enabled=False)  # the pages need none
            # The index: the released list by domain, the notice marked as not a release, the files.
            await page.goto(f"{base}/campaigns/{C}")
            assert await page.title() == "2022年“科创中国”系列榜单征集遴选 · 发布名单"
            lead = page.locator("#list-leading_tech")
            assert await lead.locator("h3").all_inner_texts() == ["电子信息", "生物医药"]
            rows = await lead.locator("tbody tr td:nth-child(2)").all_inner_texts()
            assert rows == [c.submitted.title for c in facts.listed]  # markup in a title shows as text
            assert "发布日期 2023年2月20日" in await lead.locator(".version").inner_text()
            assert "正在公示（非正式发布）" in await page.locator("#notices").inner_text()
            assert await page.locator("#files a", has_text="release.pdf").count() == 1
            assert "去掉一个最高分和一个最低分后平均" in await page.locator("#methods").inner_text()
            await page.screenshot(path=shots / "index.png", full_page=True)
            href = await page.locator("#files a", has_text="release.pdf").get_attribute("href")
            pdf = await page.request.get(base + href)
            assert pdf.ok and (await pdf.body()).startswith(b"%PDF")
            # The list on its own page.
            await page.click("text=单独查看本榜单（可打印）")
            assert "先导技术榜" in await page.locator("h1").inner_text()
            await page.screenshot(path=shots / "list.png", full_page=True)
            # The notice, and a named objection filed through its form.
            await page.goto(f"{base}/campaigns/{C}")
            await page.click("#notices a")
            assert "公示中，非正式发布" in await page.locator(".status").inner_text()
            await page.screenshot(path=shots / "notice.png", full_page=True)
            await page.fill("#objector-name", "王五")
            await page.fill("#objector-org", "某某研究院")
            await page.fill("#objector-contact", "wangwu@example.org")
            await page.select_option("#objection-target", str(facts.enterprise.nomination_id))
            await page.fill("#objection-grounds", "该企业成立日期不符合条件。")
            await page.click("button[type=submit]")
            assert "异议已收到" in await page.locator("[role=status]").inner_text()
            assert "wangwu@example.org" not in await page.content()
            await page.screenshot(path=shots / "objection-filed.png", full_page=True)
        finally:
            await browser.close()
    (filed,) = events_of(await read_topic(PUBLISH.name), ObjectionFiled)
    # The name and contact sealed with the objector's key; the vault opens them.
    import asyncpg

    from eventlog import privacy
    conn = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        keys = await privacy.keys_of(conn, [filed.name.pid])
    finally:
        await conn.close()
    assert (privacy.reveal(filed.name, keys), filed.organisation, privacy.reveal(filed.contact, keys),
            filed.nomination_id) == ("王五", "某某研究院", "wangwu@example.org", facts.enterprise.nomination_id)
    assert sorted(p.name for p in shots.iterdir()) == ["index.png", "list.png", "notice.png", "objection-filed.png"]
    if target := os.environ.get("PUBLISH_SCREENSHOTS_TO"):
        shutil.copy(shots / "index.png", Path(target) / "public-page.png")
