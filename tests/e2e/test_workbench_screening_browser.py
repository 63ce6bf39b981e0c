"""The secretariat's screening and the expert's PDF in a real browser: Debian's headless Chromium driven by
Playwright (no browser download), the intake, review and quota services each their own process.

The secretariat follows the development login link to its home, and on to the screening queue, filters it to 先导技术榜 · 先进材料,
opens a dossier beside the queue, passes two nominations at once and returns the third for correction with a
reason and a deadline — through the pages alone. Then, the target's experts seated, an expert opens the PDF a
unit attached: the review sends the browser to the intake with a link signed for that expert, and Chromium's
own PDF viewer shows it. axe-core (vendored, injected by the test) finds no serious or critical violation on any
page on the way, the dashboard included. Screenshots go to the test's output directory (and to $WORKBENCH_SCREENSHOTS_TO, e.g.
docs/, when set)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
from pathlib import Path

import httpx
import pytest

from contracts.events import AttachmentRef, NominationReturned, NominationScreened
from contracts.topics import NOMINATIONS
from tests.e2e.test_public_page_browser import ARGS, CHROMIUM, need_browser
from tests.support.axe import assert_accessible
from tests.support.events import open_campaign, publish, registered
from tests.support.intake import Keys, events_of
from tests.support.kafka import read_topic
from tests.support.processes import ServiceProcess, free_port, wait_http_ready
from tests.support.review import IN_REVIEW, MATERIALS, plan_body, roster, submission, views_show
from tests.support.workbench import dossier_pdf

QUEUE = "/workbench/review/campaigns/kczg-2022/screening"
T = "/v1/review/campaigns/kczg-2022/targets/leading_tech/advanced_materials"
VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"  # Chromium's built-in PDF viewer


@pytest.fixture
async def desk(env, tmp_path):
    """Intake, review and quota on their own ports; unit-a's 先进材料 nomination carries a PDF the intake
    stores, unit-b has two more, unit-c one in 生物医药; none screened yet."""
    keys = Keys(tmp_path)
    await open_campaign()
    ports = {"intake": free_port(), "review": free_port(), "quota": free_port()}
    common = {**keys.env(), "KCZG_CLOCK": IN_REVIEW.isoformat(), "KCZG_LINK_KEY": "e2e-link-key-" + "x" * 32,
              "KCZG_INTAKE_URL": f"http://127.0.0.1:{ports['intake']}"}
    processes = [ServiceProcess(f"services.{name}", env, tmp_path / f"{name}.log",
                                extra_env={**common, f"{name.upper()}_PORT": str(port)}).start()
                 for name, port in ports.items()]
    try:
        for process, port in zip(processes, ports.values()):
            await asyncio.to_thread(wait_http_ready, f"http://127.0.0.1:{port}", process)
        pdf = dossier_pdf()
        async with httpx.AsyncClient(base_url=common["KCZG_INTAKE_URL"], timeout=60) as intake:
            r = await intake.post("/v1/attachments", files={"file": ("检测报告.pdf", pdf, "application/pdf")},
                                  headers=keys.headers("unit", "unit-a"))
            assert r.status_code == 201, r.text
            ref = AttachmentRef(**r.json())
        mine = submission("unit-a", "advanced_materials", title="高性能碳纤维复合材料").model_copy(
            update={"attachments": (ref,)})
        others = [submission("unit-b", "advanced_materials", title=t) for t in ("轻量化镁合金", "高熵合金涂层")]
        bio = submission("unit-c", "biomedicine", title="新型疫苗佐剂")
        await publish(*((NOMINATIONS, registered(u, "national_society")) for u in ("unit-a", "unit-b", "unit-c")),
                      *((NOMINATIONS, n) for n in (mine, *others, bio)))
        await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.nominations "
                                              "WHERE quota_outcome = 'reserved'", 4)
        yield {"review": f"http://127.0.0.1:{ports['review']}", "intake": common["KCZG_INTAKE_URL"], "keys": keys,
               "db": env["DATABASE_URL"], "mine": mine, "others": others, "pdf": pdf}
    finally:
        for process in processes:
            process.stop()


async def test_the_secretariat_screens_a_batch_and_returns_one_and_an_expert_opens_the_pdf(desk, tmp_path):
    need_browser()
    from playwright.async_api import async_playwright

    base, keys, mine, others = desk["review"], desk["keys"], desk["mine"], desk["others"]
    passing = [str(mine.nomination_id), str(others[0].nomination_id)]
    returning = str(others[1].nomination_id)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                          bypass_csp=True)  # axe-core is injected as a script
            # The secretariat's login link lands on its home; the dashboard counts four collected, none screened.
            await page.goto(f"{base}/workbench/login?token={keys.token('secretariat', 'kczg_secretariat', sub='officer-1')}")
            assert page.url == base + "/workbench/review/secretariat"
            await assert_accessible(page)
            await page.get_by_role("link", name="进度看板").first.click()
            await page.wait_for_url(lambda url: url.endswith("/dashboard"))
            assert await page.locator("#target-kczg-2022-leading_tech-advanced_materials td.number").first.inner_text() == "3"
            await assert_accessible(page)
            # On to the screening queue: four pending.
            await page.locator("nav.tasks").get_by_role("link", name="形式审查").click()
            await page.wait_for_url(base + QUEUE)
            assert await page.locator("#count-pending").inner_text() == "4"
            await assert_accessible(page)
            # Filtered to 先进材料: three.
            await page.select_option("#f-domain", "advanced_materials")
            await page.get_by_role("button", name="筛选").click()
            await page.wait_for_url(lambda url: "domain=advanced_materials" in url)
            assert await page.locator("#screening tbody tr").count() == 3
            # unit-a's dossier beside the queue, its PDF listed with its SHA-256.
            await page.locator(f"#screening tr:has(#n-{mine.nomination_id}) a").click()
            assert await page.locator("#dossier h2").inner_text() == "推荐材料：高性能碳纤维复合材料"
            assert mine.attachments[0].sha256 in await page.locator("#dossier").inner_text()
            await assert_accessible(page)
            await page.screenshot(path=shots / "secretariat-screening.png", full_page=True)
            # Two passed at once.
            for n in passing:
                await page.check(f"#n-{n}")
            await page.get_by_role("button", name="通过所选").click()
            await page.wait_for_selector("#done")
            assert (await page.locator("#done p").inner_text()) == "已处理 2 项：2 项已记录。"
            # The third returned for correction, with a reason and a deadline.
            await page.check(f"#n-{returning}")
            await page.fill("#reasons", "推荐表缺少推荐单位盖章页。")
            await page.fill("#correction-due", "2022-11-20")
            await page.get_by_role("button", name="所选退回补正").click()
            await page.wait_for_selector("#done")
            assert (await page.locator("#done p").inner_text()) == "已处理 1 项：1 项已记录。"
            await assert_accessible(page)
            await page.screenshot(path=shots / "secretariat-screened.png", full_page=True)
            # The log: two verdicts, one return, each by the secretariat's officer.
            screened = events_of(await read_topic(NOMINATIONS.name), NominationScreened, NominationReturned)
            assert sorted((type(e).__name__, str(e.nomination_id)) for e in screened) == sorted(
                [("NominationScreened", n) for n in passing] + [("NominationReturned", returning)])
            assert {e.actor.person for e in screened} == {"officer-1"}
            # The body seats its experts on the two passed (two each).
            async with httpx.AsyncClient(base_url=base, timeout=60) as api:
                body = keys.headers("review_body", MATERIALS)
                await views_show(desk["db"], "SELECT count(*) FROM review_views.nominations WHERE in_review", 2)
                assert (await api.put(T + "/plan", json=plan_body(roster(4), per_item=2), headers=body)).status_code == 201
                assert (await api.post(T + "/assignments/auto", json={}, headers=body)).status_code == 200
                await views_show(desk["db"], "SELECT count(*) FROM review_views.panel WHERE active", 4)
                items = (await api.get(T, headers=body)).json()["nominations"]["items"]
            expert = next(i["experts"][0] for i in items if i["nomination_id"] == str(mine.nomination_id))
            # The expert opens the PDF from the seat page: a new tab, at the intake, in Chromium's own viewer.
            reader = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                          bypass_csp=True)  # axe-core is injected as a script
            await reader.goto(f"{base}/workbench/login?token={keys.token('expert', MATERIALS, sub=expert)}")
            await reader.locator("#queue tbody a", has_text="高性能碳纤维复合材料").click()
            await assert_accessible(reader)
            async with reader.context.expect_page() as opened:
                await reader.get_by_role("link", name="检测报告.pdf").click()
            viewer = await opened.value
            await viewer.wait_for_load_state()
            assert viewer.url.startswith(f"{desk['intake']}/v1/nominations/{mine.nomination_id}/attachments/"
                                         f"{mine.attachments[0].sha256}?")
            for _ in range(50):
                if any(f.url.startswith(VIEWER) for f in viewer.frames):
                    break
                await asyncio.sleep(0.1)
            assert any(f.url.startswith(VIEWER) for f in viewer.frames), [f.url for f in viewer.frames]
            await asyncio.sleep(1)  # the viewer draws the page
            await viewer.screenshot(path=shots / "expert-pdf.png")
            # Or in the page, beside the score sheet: the same route in a frame, the viewer inside it.
            await reader.get_by_role("link", name="在此查看").click()
            await reader.wait_for_selector("#viewer iframe")
            for _ in range(50):
                if any(f.url.startswith(VIEWER) for f in reader.frames):
                    break
                await asyncio.sleep(0.1)
            assert any(f.url.startswith(VIEWER) for f in reader.frames), [f.url for f in reader.frames]
            await asyncio.sleep(1)
            await reader.screenshot(path=shots / "expert-dossier-pdf.png")
            # What the viewer shows is what the nomination's event names by SHA-256.
            async with httpx.AsyncClient(timeout=30) as plain:
                served = await plain.get(viewer.url)
            assert served.headers["x-content-type-options"] == "nosniff"
            assert hashlib.sha256(served.content).hexdigest() == mine.attachments[0].sha256
            assert served.content == desk["pdf"]
        finally:
            await browser.close()
    if target := os.environ.get("WORKBENCH_SCREENSHOTS_TO"):
        for name in ("secretariat-screening.png", "secretariat-screened.png", "expert-pdf.png", "expert-dossier-pdf.png"):
            shutil.copy(shots / name, Path(target) / name)
