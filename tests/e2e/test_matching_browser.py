"""资源对接 in a real browser: Debian's headless Chromium driven by Playwright, the publish service its own process
with 先导技术榜 released. A requester (an industrial park) finds a listed entry by the public search, follows the
entry page's link to its request form and files a request; the secretariat triages it in its queue; the holder (the entry's
recommending unit) sees the park's organisation and need but not its contact, consents with its own contact, and
records the outcome 落地; the park then sees the holder's contact. axe-core checks every page on the way (no serious
or critical violation), and the log holds the journey's five events in order. Screenshots of the request form and
the holder's page go to the test's output directory (and to $WORKBENCH_SCREENSHOTS_TO, e.g. docs/, when set)."""

from __future__ import annotations

import asyncio
import os
import shutil
from datetime import date
from pathlib import Path

import httpx

from contracts.campaign.book import CampaignBook, evolve
from contracts.campaign.decisions import decide_timeline_change, release_move
from contracts.events import MatchRequested, decode_event
from contracts.topics import CAMPAIGNS, PUBLISH
from tests.e2e.test_public_page_browser import ARGS, CHROMIUM, need_browser
from tests.integration.publish_support import Facts
from tests.support.axe import assert_accessible
from tests.support.events import CAMPAIGN, SECRETARIAT, campaign_opened, open_campaign, publish
from tests.support.intake import Keys
from tests.support.kafka import read_topic
from tests.support.processes import ServiceProcess, free_port, wait_http_ready

import pytest

C = "kczg-2022"
NOW = "2023-03-01T10:00:00+08:00"  # after the release
PAGES = f"/workbench/publish/campaigns/{C}"
PARK_CONTACT = "招商局王女士 0551-12345678"
HOLDER_CONTACT = "北京市科协成果转化处 010-87654321"


@pytest.fixture
async def released(env, tmp_path):
    """The publish service on a port, 先导技术榜 released on 2023-02-20; its clock after the release."""
    keys, facts = Keys(tmp_path), Facts()
    await open_campaign()
    (moved,) = decide_timeline_change(evolve(CampaignBook(), campaign_opened()), C,
                                      release_move(CAMPAIGN, date(2023, 2, 20)), "年度会议于2月20日举行",
                                      actor=SECRETARIAT, at=campaign_opened().occurred_at)
    await publish((CAMPAIGNS, moved), *facts.events())
    port = free_port()
    service = ServiceProcess("services.publish", env, tmp_path / "publish.log", extra_env={
        **keys.env(), "PUBLISH_PORT": str(port), "KCZG_CLOCK": f"start:{NOW}", "KCZG_CLOCK_HEADER": "1"}).start()
    base = f"http://127.0.0.1:{port}"
    try:
        await asyncio.to_thread(wait_http_ready, base, service)
        async with httpx.AsyncClient(base_url=base, headers=keys.headers("secretariat", "kczg_secretariat"),
                                     timeout=60) as api:
            lists = f"/v1/publish/campaigns/{C}/lists"
            for path, at in ((f"{lists}/leading_tech/notice", "2022-12-20T10:00:00+08:00"),
                             (f"{lists}/leading_tech/release", "2023-01-05T10:00:00+08:00")):
                for _ in range(300):  # the views' first build: 503 until then
                    r = await api.post(path, headers={"X-Kczg-Clock": at})
                    if r.status_code != 503:
                        break
                    await asyncio.sleep(0.2)
                assert r.status_code == 201, r.text
        yield base, keys, facts
    finally:
        service.stop()


async def test_a_request_from_the_entry_to_its_outcome_in_chromium(released, tmp_path):
    need_browser()
    from playwright.async_api import async_playwright

    base, keys, facts = released
    entry = facts.elec_b  # 存算一体芯片, recommended by unit-b
    shots = tmp_path / "screenshots"
    shots.mkdir()

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        async def signed_in(role: str, org: str):
            # bypass_csp: only so the test can inject axe-core; the pages themselves run no script
            context = await browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN",
                                                bypass_csp=True)
            page = await context.new_page()
            await page.goto(f"{base}/workbench/login?token={keys.token(role, org)}")
            return page

        try:
            # The park finds the entry by searching the listed entries, opens it and asks to file a request.
            park = await signed_in("requester", "park-hefei")
            await park.goto(f"{base}/campaigns/{C}/entries?q=存算一体")
            await park.get_by_role("link", name="存算一体芯片").first.click()
            assert park.url == f"{base}/campaigns/{C}/entries/{entry.nomination_id}"
            await park.get_by_role("link", name="提出对接需求").click()
            assert park.url == f"{base}{PAGES}/entries/{entry.nomination_id}/match-request"
            assert await park.locator("h1").inner_text() == "提出对接需求"
            assert "存算一体芯片" in await park.locator("dl").first.inner_text()
            await assert_accessible(park)
            await park.get_by_label("落地", exact=True).check()
            await park.get_by_label("需求方单位").fill("合肥高新区管委会")
            await park.get_by_label("需求说明").fill("拟引进该芯片技术在园区建设中试线。")
            await park.get_by_label("所在地区").fill("安徽省合肥市")
            await park.get_by_label("联系方式", exact=True).fill(PARK_CONTACT)
            await park.screenshot(path=shots / "match-request.png", full_page=True)
            await park.get_by_role("button", name="提交对接需求").click()
            await park.wait_for_url(f"{base}{PAGES}/matches?filed=1")
            assert "对接需求已提交" in await park.locator("[role=status]").inner_text()
            assert "待秘书处审核" in await park.locator("article").inner_text()
            await assert_accessible(park)

            # The secretariat accepts it from its queue.
            sec = await signed_in("secretariat", "kczg_secretariat")
            await sec.goto(f"{base}{PAGES}/matches")
            assert await sec.locator("#queue-heading").inner_text() == "待审核（1）"
            await assert_accessible(sec)
            await sec.get_by_label("受理，征求持有方同意").check()
            await sec.get_by_role("button", name="提交审核").click()
            await sec.wait_for_selector("[role=status]")
            assert await sec.locator("[role=status]").inner_text() == "已保存：待持有方同意。"
            assert await sec.locator("#queue-heading").inner_text() == "待审核（0）"

            # The holder sees the park's organisation and need, never its contact; consents with its own.
            unit = await signed_in("unit", "unit-b")
            await unit.goto(f"{base}{PAGES}/matches")
            text = await unit.locator("main").inner_text()
            assert "合肥高新区管委会 → 存算一体芯片" in text and "拟引进该芯片技术" in text
            assert PARK_CONTACT not in await unit.content()
            await assert_accessible(unit)
            await unit.get_by_label("同意，并提供本单位联系方式").check()
            await unit.get_by_label("本单位联系方式", exact=True).fill(HOLDER_CONTACT)
            await unit.get_by_role("button", name="提交", exact=True).click()
            await unit.wait_for_selector("[role=status]")
            assert await unit.locator("[role=status]").inner_text() == "已保存：已对接。"
            assert PARK_CONTACT in await unit.locator("article dl").inner_text()  # introduced: the park's contact
            # The outcome: 落地.
            await unit.get_by_label("对接结果").select_option(label="落地")
            await unit.get_by_role("button", name="记录结果").click()
            await unit.wait_for_selector("[role=status]")
            assert await unit.locator("[role=status]").inner_text() == "已保存：落地。"
            await assert_accessible(unit)
            await unit.screenshot(path=shots / "match-holder.png", full_page=True)

            # The park sees the outcome and the holder's contact.
            await park.goto(f"{base}{PAGES}/matches")
            article = await park.locator("article").inner_text()
            assert "状态：落地" in article and HOLDER_CONTACT in article
            await assert_accessible(park)
        finally:
            await browser.close()

    journey = [decode_event(v) for v in await read_topic(PUBLISH.name)]
    journey = [e for e in journey if e.type.startswith("Match")]
    assert [e.type for e in journey] == ["MatchRequested", "MatchTriaged", "MatchConsented", "MatchIntroduced",
                                         "MatchOutcomeRecorded"]
    requested = journey[0]
    assert isinstance(requested, MatchRequested) and (requested.requester, requested.holder_unit) == ("park-hefei",
                                                                                                      "unit-b")
    assert journey[-1].outcome == "landed"
    if target := os.environ.get("WORKBENCH_SCREENSHOTS_TO"):
        for name in ("match-request.png", "match-holder.png"):
            shutil.copy(shots / name, Path(target) / name)
