"""The secretariat's plan receipts (回执) in a real browser (Debian's headless Chromium, Playwright), the review
service its own process: from the secretariat's home through the navigation's 方案回执 to the plans filed, one
returned with its reasons through the page alone, the other acknowledged; axe-core (vendored, injected by the test)
finds no serious or critical violation on the way."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from contracts.events import PlanAcknowledged, PlanReturned
from contracts.topics import REVIEW
from tests.e2e.test_public_page_browser import ARGS, CHROMIUM, need_browser
from tests.support.axe import assert_accessible
from tests.support.events import open_campaign
from tests.support.intake import Keys, events_of
from tests.support.kafka import read_topic
from tests.support.processes import ServiceProcess, free_port, wait_http_ready
from tests.support.review import IN_REVIEW, MATERIALS, plan_body, roster, views_show

PLANS = "/workbench/review/campaigns/kczg-2022/plans"
TARGETS = "/v1/review/campaigns/kczg-2022/targets/leading_tech"


@pytest.fixture
async def desk(env, tmp_path):
    """The review on its own port; the materials body's plan filed."""
    keys = Keys(tmp_path)
    await open_campaign()
    port = free_port()
    process = ServiceProcess("services.review", env, tmp_path / "review.log", extra_env={
        **keys.env(), "KCZG_CLOCK": IN_REVIEW.isoformat(), "REVIEW_PORT": str(port)}).start()
    try:
        base = f"http://127.0.0.1:{port}"
        await asyncio.to_thread(wait_http_ready, base, process)
        await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.targets", 0)  # the views built
        async with httpx.AsyncClient(base_url=base, timeout=60) as review:
            r = await review.put(TARGETS + "/advanced_materials/plan", json=plan_body(roster(4), per_item=2),
                                 headers=keys.headers("review_body", MATERIALS))
            assert r.status_code == 201, r.text
        await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.targets "
                                              "WHERE plan_event_id IS NOT NULL", 1)
        yield {"review": base, "keys": keys}
    finally:
        process.stop()


async def test_the_secretariat_returns_a_plan_with_reasons_on_its_page(desk):
    need_browser()
    from playwright.async_api import async_playwright

    base, keys = desk["review"], desk["keys"]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN", bypass_csp=True)
            await page.goto(f"{base}/workbench/login?token={keys.token('secretariat', 'kczg_secretariat', sub='s-1')}")
            assert page.url == base + "/workbench/review/secretariat"
            # The navigation's 方案回执: one campaign, so straight to its plans; one awaiting its receipt.
            await page.locator("nav.tasks").get_by_role("link", name="方案回执").click()
            await page.wait_for_url(base + PLANS)
            assert await page.locator("#plans tbody .receipt-state").all_inner_texts() == ["待回执"]
            await assert_accessible(page)
            # Returned with two reasons, one a line.
            await page.get_by_label("退回理由（每行一条，至少一条）").fill("专家名单须增补企业专家。\n权重说明不全。")
            await page.get_by_role("button", name="退回").click()
            await page.wait_for_load_state()
            assert await page.locator("#done").inner_text() == "已退回评审方案，评审机构须修改后重新备案。"
            await assert_accessible(page)
        finally:
            await browser.close()
    (returned,) = events_of(await read_topic(REVIEW.name), PlanReturned, PlanAcknowledged)
    assert isinstance(returned, PlanReturned) and returned.reasons == ("专家名单须增补企业专家。", "权重说明不全。")
    assert returned.actor.person == "s-1"
