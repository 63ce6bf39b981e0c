"""The secretariat's home and dashboard against the real broker and database: the home links the review's pages
and the publish service's controls; the dashboard counts, per list and domain, what was collected, screened,
assigned, scored and submitted, names who is late, shows quota use by channel, and draws each chart as SVG
with a table of the same figures beside it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from eventlog.clock import FixedClock
from eventlog.http.page_session import PAGES, csrf_token
from tests.integration.test_review_flow import _ready, as_, score_everything
from tests.support.events import open_campaign, publish, registered
from tests.support.intake import Keys
from tests.support.review import (CLEAN, ECO, GREEN, IN_REVIEW, plan_body, roster, services_in_process, submission,
                                  views_show)
from contracts.topics import NOMINATIONS

HOME = PAGES + "/review/secretariat"
DASHBOARD = PAGES + "/review/campaigns/kczg-2022/dashboard"
GREEN_KEY = "kczg-2022:leading_tech:green_low_carbon"


def _row(html: str, target_key: str) -> list[str]:
    """The figures of a target's row in the progress table, as shown."""
    row = html[html.index(f'<tr id="target-{target_key.replace(":", "-")}">'):]
    row = row[:row.index("</tr>")]
    return re.findall(r'<td class="number">([^<]*)</td>', row)


def _table_after(html: str, marker: str) -> list[tuple[str, ...]]:
    part = html[html.index(marker):]
    part = part[:part.index("</table>")]
    return [tuple(re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", tr)) for tr in re.findall(r"<tr>(.*?)</tr>", part, re.S)][1:]


@pytest.fixture
async def desk(env, tmp_path):
    """Five 绿色低碳 nominations: unit-a (two channels) three, unit-b (one) two; screened, assigned, scored and
    the results submitted late (on 2022-12-01); the secretariat signed in to the pages."""
    await open_campaign()
    units = {"unit-a": ("national_society", "provincial_cast"), "unit-b": ("national_society",)}
    nominations = [submission(u).model_copy(update={"channels": c}) for u, c in units.items()
                   for _ in range(3 if u == "unit-a" else 2)]
    await publish(*((NOMINATIONS, registered(u, *c)) for u, c in units.items()),
                  *((NOMINATIONS, n) for n in nominations))
    clock = FixedClock(IN_REVIEW)
    async with services_in_process(Keys(tmp_path), clock) as review:
        review.db, review.nominations, review.clock = env["DATABASE_URL"], nominations, clock
        await views_show(review.db, "SELECT count(*) FROM review_views.nominations WHERE quota_outcome = 'reserved'", 5)
        token = review.keys.token("secretariat", "kczg_secretariat", sub="officer-1")
        review.session = {"Cookie": f"kczg_session={token}"}
        review.csrf = csrf_token(token)
        yield review


async def test_the_home_links_both_services_and_the_dashboard_counts_and_charts_the_campaign(desk, monkeypatch):
    review = desk
    monkeypatch.setenv("KCZG_PUBLISH_URL", "https://publish.example.cn/")
    # The secretariat's start page is the home; it links the review's pages and the publish service's.
    r = await review.get(PAGES + "/", headers=review.session)
    assert (r.status_code, r.headers["location"]) == (303, HOME)
    home = await review.get(HOME, headers=review.session)
    assert home.status_code == 200 and "秘书处工作台" in home.text
    for href in (DASHBOARD, PAGES + "/review/campaigns/kczg-2022/screening", PAGES + "/review/campaigns/kczg-2022/final",
                 "https://publish.example.cn/workbench/publish/campaigns/kczg-2022/controls",
                 "https://publish.example.cn/workbench/publish/campaigns/kczg-2022/objections"):
        assert f'href="{href}"' in home.text, href
    r = await review.get(PAGES + "/review/dashboard", headers=review.session)
    assert (r.status_code, r.headers["location"]) == (303, DASHBOARD)

    # Collected and holding a slot, nothing screened yet; quota use by channel (unit-a's three under both).
    page = await review.get(DASHBOARD, headers=review.session)
    assert page.status_code == 200 and 'aria-current="page">进度看板' in page.text
    assert _row(page.text, GREEN_KEY) == ["5", "5", "0", "0", "0", "0", "0", "0/0"]
    assert _table_after(page.text, "按推荐渠道") == [
        ("全国学会、协会、研究会", "5", "0", "0", "2"), ("省、自治区、直辖市科协", "3", "0", "0", "1")]
    assert page.text.count('<svg class="chart"') == 3  # quota, progress; the distribution (no leniency yet)
    assert "该评审对象尚无专家评分。" in page.text

    # Screened, assigned (three per item), scored: the funnel moves; experts' totals are charted.
    panel = await _ready(review)
    page = await review.get(DASHBOARD, headers=review.session)
    assert _row(page.text, GREEN_KEY) == ["5", "5", "5", "0", "5", "5", "0", "0/15"]
    owing = _table_after(page.text, "尚有评分未完成的专家")
    assert sum(int(o[2]) for o in owing) == 15 and {o[1] for o in owing} == {"先导技术榜 · 绿色低碳"}
    assert owing and all(re.fullmatch(r"专家(\d\d)（e\1）", o[0]) for o in owing), owing  # the roster's names
    await score_everything(review, panel)
    await views_show(review.db, "SELECT count(*) FROM review_views.panel WHERE scored_at IS NOT NULL", 15)
    page = await review.get(DASHBOARD, params={"target": GREEN_KEY}, headers=review.session)
    assert _row(page.text, GREEN_KEY) == ["5", "5", "5", "0", "5", "5", "5", "15/15"]
    assert "没有待完成评分的专家。" in page.text
    assert "专家评分分布（共 15 份）" in page.text
    bins = dict(_table_after(page.text, "各分数段的专家评分份数"))
    assert (bins["70–80"], bins["80–90"], bins["90–100"], sum(map(int, bins.values()))) == ("6", "6", "3", 15)
    leniency = _table_after(page.text, "各专家的平均分与同组均分")
    assert sum(int(e[1]) for e in leniency) == 15 and page.text.count('<svg class="chart"') == 4
    assert all(re.fullmatch(r"专家(\d\d)（e\1）", e[0]) for e in leniency), leniency
    days = _table_after(page.text, "累计：收集的推荐")
    assert days[-1][1:] == ("5", "5", "15")

    # The results submitted after the deadline: flagged late, and named among the late.
    review.clock.at = review.clock.at.replace(month=12, day=1)
    r = await review.post(GREEN + "/results", json={}, headers=as_(review, "review_body", ECO))
    assert r.status_code == 201, r.text
    await views_show(review.db, "SELECT count(*) FROM review_views.targets WHERE results_submitted_at IS NOT NULL", 1)
    page = await review.get(DASHBOARD, headers=review.session)
    assert "已报送（逾期）" in page.text and "（已截止）" in page.text
    assert re.search(r"<li>先导技术榜 · 绿色低碳：[^<]*逾期报送</li>", page.text)
    assert page.text.count("逾期未报送初评结果") == page.text.count("<strong class=\"error\">逾期未报送</strong>")


async def test_the_dashboard_is_the_secretariats_alone(desk):
    review = desk
    body = {"Authorization": as_(review, "review_body", ECO)["Authorization"]}
    for path in (HOME, DASHBOARD):
        r = await review.get(path, headers=body)
        assert r.status_code == 403 and "无权访问" in r.text and "进度看板 ·" not in r.text
        r = await review.get(path)
        assert r.status_code == 401 and "请先登录" in r.text


def _plan_state(html: str, target_key: str) -> str:
    """The plan column of a target's row, as read (tags dropped)."""
    row = html[html.index(f'<tr id="target-{target_key.replace(":", "-")}">'):]
    cell = row[row.index('<td class="plan-state">'):]
    return re.sub(r"<[^>]+>", "", cell[:cell.index("</td>")])


async def test_the_plan_column_follows_the_filing_the_joint_confirmation_and_the_secretariats_receipts(desk):
    review = desk
    eco, clean = as_(review, "review_body", ECO), as_(review, "review_body", CLEAN)
    secretariat = as_(review, "secretariat", "kczg_secretariat")
    targets = "SELECT count(*) FROM review_views.targets WHERE "

    async def shown(state: str) -> None:
        page = await review.get(DASHBOARD, headers=review.session)
        assert _plan_state(page.text, GREEN_KEY) == state

    await shown("未备案")
    # Filed by ECO: awaiting CLEAN's confirmation and the secretariat's receipt.
    r = await review.put(GREEN + "/plan", json=plan_body(roster(8)), headers=eco)
    plan = r.json()["plan_event_id"]
    await views_show(review.db, targets + "plan_event_id = $1", 1, plan)
    await shown("已备案，待联合评审机构确认；待回执")
    r = await review.post(GREEN + "/plan/confirmation", json={"plan_event_id": plan}, headers=clean)
    assert r.status_code == 201, r.text
    await views_show(review.db, targets + "confirmed_plan_event_id = $1", 1, plan)
    await shown("已备案；待回执")
    # Returned by the secretariat: to be filed again.
    r = await review.post(GREEN + "/plan/receipt", json={"plan_event_id": plan, "acknowledged": False,
                                                         "reasons": ["缺少专家构成说明。"]}, headers=secretariat)
    assert r.status_code == 201, r.text
    await views_show(review.db, targets + "receipt_returned", 1)
    await shown("已退回，待重新备案")
    # Filed again and confirmed (an hour later): a new plan awaiting its own receipt; then acknowledged.
    review.clock.at = IN_REVIEW + timedelta(hours=1)
    plan = (await review.put(GREEN + "/plan", json=plan_body(roster(8)), headers=eco)).json()["plan_event_id"]
    r = await review.post(GREEN + "/plan/confirmation", json={"plan_event_id": plan}, headers=clean)
    assert r.status_code == 201, r.text
    await views_show(review.db, targets + "confirmed_plan_event_id = $1", 1, plan)
    await shown("已备案；待回执")
    review.clock.at = IN_REVIEW + timedelta(hours=2)
    r = await review.post(GREEN + "/plan/receipt", json={"plan_event_id": plan, "acknowledged": True},
                          headers=secretariat)
    assert r.status_code == 201, r.text
    await views_show(review.db, targets + "receipt_plan_event_id = $1 AND NOT receipt_returned", 1, plan)
    await shown("已备案；秘书处已确认")
