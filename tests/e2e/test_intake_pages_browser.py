"""The applicant's and the unit's pages in a real browser: Debian's headless Chromium driven by Playwright,
the intake and quota services each their own process (as the workbench's browser tests).

An applicant fills in a 先导技术榜 form with a bad credit code, sees the error beside the field, fixes it,
uploads a PDF and sends it; the unit returns it with a reason; the applicant changes it and sends it again;
the unit recommends it; the quota page shows one more slot used once the quota service has decided; a
second unit sees none of it. axe-core finds no serious or critical violation on the pages, and the form
fits a 390-pixel phone. A second journey: a unit's direct nomination, returned for correction after the
campaign's deadline, is amended and resubmitted before the correction deadline. Screenshots go to the test's output directory (and to $INTAKE_SCREENSHOTS_TO,
e.g. docs/, when set)."""

from __future__ import annotations

import asyncio
import os
import shutil

import pytest

from tests.e2e.test_public_page_browser import ARGS, CHROMIUM, need_browser
from tests.support.axe import assert_accessible
from tests.support.events import open_campaign, register_units
from tests.support.intake import IN_COLLECTION, UNITS, Keys
from tests.support.review import IN_REVIEW
from tests.support.intake_pages import BAD_CREDIT_CODE, PDF, typed_leading_form
from tests.support.processes import ServiceProcess, free_port, wait_http_ready

TITLE = "高性能碳纤维低成本制备技术"


@pytest.fixture
async def platform(env, tmp_path):
    """Intake and quota on their own ports, campaign kczg-2022 collecting, unit-a and unit-b registered."""
    keys = Keys(tmp_path)
    await open_campaign()
    await register_units(UNITS)
    common = {**keys.env(), "KCZG_CLOCK": IN_COLLECTION.isoformat()}
    ports = {"intake": free_port(), "quota": free_port()}
    processes = [ServiceProcess(f"services.{name}", env, tmp_path / f"{name}.log",
                                extra_env={**common, f"{name.upper()}_PORT": str(port)}).start()
                 for name, port in ports.items()]
    try:
        for process, port in zip(processes, ports.values()):
            await asyncio.to_thread(wait_http_ready, f"http://127.0.0.1:{port}", process)
        yield f"http://127.0.0.1:{ports['intake']}", keys
    finally:
        for process in processes:
            process.stop()


async def _signed_in(browser, base: str, keys: Keys, role: str, org: str, width: int = 1280):
    # bypass_csp: the test injects axe-core into the page; the pages themselves load no script
    context = await browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN", bypass_csp=True)
    page = await context.new_page()
    await page.goto(f"{base}/workbench/login?token={keys.token(role, org, sub=f'{org}-person')}")
    return page


async def _fill(page, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = page.locator(f'[name="{name}"]')
        if await field.count() == 0:
            continue
        if await field.evaluate("e => e.tagName") == "SELECT":
            await field.select_option(value)
        else:
            await field.fill(value)


async def _used(page, base: str) -> str:
    await page.goto(base + "/workbench/intake/unit/quota")
    return await page.locator("#pool-leading_tech-advanced_materials .used").inner_text()


async def test_apply_return_resend_recommend_in_the_browser(platform, tmp_path):
    need_browser()
    from playwright.async_api import async_playwright

    base, keys = platform
    shots = tmp_path / "screenshots"
    shots.mkdir()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            applicant = await _signed_in(browser, base, keys, "applicant", "acme")
            unit = await _signed_in(browser, base, keys, "unit", "unit-a")
            other = await _signed_in(browser, base, keys, "unit", "unit-b")
            # The login link lands on the applicant's applications; the unit's on its queue.
            assert applicant.url == base + "/workbench/intake/applications"
            assert unit.url == base + "/workbench/intake/unit/applications"
            used_before = await _used(unit, base)
            # The applicant picks 先导技术榜 · 先进材料 and unit-a, and gets that list's form with the deadline.
            await applicant.select_option("#list_code", "leading_tech")
            await applicant.select_option("#domain", "advanced_materials")
            await applicant.select_option("#unit_id", "unit-a")
            await applicant.get_by_role("button", name="填写申报表").click()
            assert await applicant.locator("h1").inner_text() == "先导技术榜 · 先进材料 · 申报表"
            assert (await applicant.locator("#deadline").inner_text()).startswith(
                "网上申报截止：2022年10月31日24:00（北京时间）。剩余 16 天 14 小时")
            await assert_accessible(applicant)
            # A bad credit code: the error beside the field, in the API's words; what was typed stays.
            await _fill(applicant, typed_leading_form(lead_unit_credit_code=BAD_CREDIT_CODE))
            await applicant.locator("#send").click()
            error = applicant.locator("#error-f-lead_unit_credit_code")
            assert "统一社会信用代码" in await error.inner_text()
            assert await applicant.locator("#f-lead_unit_credit_code").input_value() == BAD_CREDIT_CODE
            assert await applicant.locator("#f-technology_name").input_value() == TITLE
            await assert_accessible(applicant)
            await applicant.screenshot(path=shots / "applicant-form.png", full_page=True)
            # Fixed, with a PDF attached, and sent.
            await applicant.locator("#f-lead_unit_credit_code").fill("91350100M000100Y43")
            await applicant.locator("#f-upload").set_input_files(
                files=[{"name": "检测报告.pdf", "mimeType": "application/pdf", "buffer": PDF}])
            await applicant.locator("#send").click()
            assert await applicant.locator("#done").inner_text() == "已报送推荐单位。"
            assert await applicant.locator("#status").inner_text() == "已报送推荐单位，待处理（第 1 版）"
            assert "检测报告.pdf" in await applicant.locator("#attachments").inner_text()
            mine = applicant.url.split("?")[0]
            # The unit finds it in its queue and returns it with a reason.
            await unit.goto(base + "/workbench/intake/unit/applications")
            assert await unit.locator("#waiting").inner_text() == "报送本单位的申报 1 项，其中待处理 1 项。"
            await assert_accessible(unit)
            await unit.screenshot(path=shots / "unit-queue.png", full_page=True)
            await unit.get_by_role("link", name=TITLE).click()
            await assert_accessible(unit)
            await unit.locator("#f-comments").fill("请补充近三年推广应用数据。")
            await unit.locator("#do-return").click()
            assert await unit.locator("#done").inner_text() == "已退回修改。"
            # The applicant reads the reason, adds the figures and sends it again.
            await applicant.goto(mine)
            assert await applicant.locator("#comments").inner_text() == "推荐单位的退回意见：请补充近三年推广应用数据。"
            await applicant.locator("#f-application_summary").fill("已在五家企业推广应用。")
            await applicant.locator("#send").click()
            assert await applicant.locator("#status").inner_text() == "已报送推荐单位，待处理（第 2 版）"
            # The unit recommends it with its opinion.
            await unit.goto(base + "/workbench/intake/unit/applications")
            await unit.get_by_role("link", name=TITLE).click()
            await unit.locator("#f-opinion").fill("经本单位专家评审，同意推荐。")
            await unit.locator("#do-recommend").click()
            assert await unit.locator("#done").inner_text() == "已推荐。"
            # The quota page shows one more slot used once the quota service has decided.
            for _ in range(150):
                if await _used(unit, base) == str(int(used_before) + 1):
                    break
                await asyncio.sleep(0.2)
            assert await _used(unit, base) == str(int(used_before) + 1)
            await assert_accessible(unit)
            await unit.screenshot(path=shots / "unit-quota.png", full_page=True)
            await unit.goto(base + "/workbench/intake/unit/nominations")
            assert TITLE in await unit.locator("#nominations").inner_text()
            await assert_accessible(unit)
            # The applicant sees the recommendation and the slot it holds.
            await applicant.goto(mine)
            assert await applicant.locator("#status").inner_text() == "推荐单位已推荐（第 2 版）"
            assert (await applicant.locator("#nomination").inner_text()).startswith("推荐状态：已占用推荐名额")
            # A second unit sees none of it.
            await other.goto(base + "/workbench/intake/unit/applications")
            assert await other.locator("#waiting").inner_text() == "报送本单位的申报 0 项，其中待处理 0 项。"
            r = await other.goto(base + "/workbench/intake/unit/applications/" + mine.rsplit("/", 1)[1])
            assert r.status == 404
            await other.goto(base + "/workbench/intake/unit/nominations")
            assert TITLE not in await other.locator("main").inner_text()
            # The form on a 390-pixel phone: nothing wider than the screen.
            phone = await _signed_in(browser, base, keys, "applicant", "acme", width=390)
            await phone.goto(mine)
            assert await phone.evaluate("document.documentElement.scrollWidth") <= 390
            await phone.goto(base + "/workbench/intake/applications/new?list_code=leading_tech&domain=advanced_materials")
            assert await phone.evaluate("document.documentElement.scrollWidth") <= 390
            await assert_accessible(phone)
        finally:
            await browser.close()
    target = os.environ.get("INTAKE_SCREENSHOTS_TO")
    if target:
        for shot in shots.iterdir():
            shutil.copy(shot, target)


@pytest.fixture
async def platform_with_review(env, tmp_path):
    """Intake (its clock movable by header, as demos do), quota and review; unit-a registered."""
    keys = Keys(tmp_path)
    await open_campaign()
    await register_units({"unit-a": UNITS["unit-a"]})
    ports = {"intake": free_port(), "quota": free_port(), "review": free_port()}
    clocks = {"intake": IN_COLLECTION.isoformat(), "quota": IN_COLLECTION.isoformat(), "review": IN_REVIEW.isoformat()}
    processes = [ServiceProcess(f"services.{name}", env, tmp_path / f"{name}.log", extra_env={
        **keys.env(), "KCZG_CLOCK": clocks[name], "KCZG_CLOCK_HEADER": "1", f"{name.upper()}_PORT": str(port)}).start()
        for name, port in ports.items()]
    try:
        for process, port in zip(processes, ports.values()):
            await asyncio.to_thread(wait_http_ready, f"http://127.0.0.1:{port}", process)
        yield {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}, keys
    finally:
        for process in processes:
            process.stop()


async def test_a_return_for_correction_after_the_deadline_is_amended_in_time_in_the_browser(platform_with_review):
    need_browser()
    import httpx
    from playwright.async_api import async_playwright

    bases, keys = platform_with_review
    base = bases["intake"]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            unit = await _signed_in(browser, base, keys, "unit", "unit-a")
            # The unit nominates directly while the campaign collects.
            await unit.goto(base + "/workbench/intake/unit/nominations")
            await unit.select_option("#list_code", "leading_tech")
            await unit.select_option("#domain", "advanced_materials")
            await unit.get_by_role("button", name="填写推荐表").click()
            await _fill(unit, {**typed_leading_form(), "opinion": "同意推荐。"})
            await unit.locator("#nominate").click()
            assert await unit.locator("#done").inner_text() == "已提交推荐，等待名额审核。"
            nomination_id = unit.url.split("?")[0].rsplit("/", 1)[1]
            # The quota reserves it; after the deadline the secretariat returns it for correction until 11-15.
            async with httpx.AsyncClient(base_url=bases["review"], timeout=30) as review:
                for _ in range(150):
                    r = await review.post(f"/v1/review/nominations/{nomination_id}/return",
                                          headers=keys.headers("secretariat", "kczg_secretariat"),
                                          json={"reasons": ["推荐表缺少盖章页。"], "correction_due": "2022-11-15"})
                    if r.status_code == 201:
                        break
                    await asyncio.sleep(0.2)
                assert r.status_code == 201, r.text
            # The unit, now after the campaign's deadline, finds the return with its reason and an amend button.
            await unit.context.set_extra_http_headers({"X-Kczg-Clock": IN_REVIEW.isoformat()})
            for _ in range(150):
                await unit.goto(base + "/workbench/intake/unit/nominations")
                if await unit.locator("a.amend").count():
                    break
                await asyncio.sleep(0.2)
            assert "推荐表缺少盖章页" in await unit.locator("#nominations").inner_text()
            await assert_accessible(unit)
            await unit.locator("a.amend").click()
            assert await unit.locator("#until").inner_text() == \
                "可修改至 2022年11月15日24:00（北京时间）（退回补正的补正期限）。"
            await assert_accessible(unit)
            await unit.locator("#f-application_summary").fill("已补充盖章页。")
            await unit.locator("#resubmit").click()
            assert await unit.locator("#done").inner_text() == "已重新提交，等待形式审查。"
        finally:
            await browser.close()
