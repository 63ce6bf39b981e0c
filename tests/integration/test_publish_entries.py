"""The pages after the release against the real broker and database: a page per listed entry showing only what its
unit agreed to publish, the search by keyword (Chinese substrings), list, domain and region, the certificate and its
verification (valid, then rejected once the entry is revoked), the share card, the news inside the publicity window
only, the feed, and the statistics' counts."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import datetime

import pypdf
import pytest

from contracts.events import ListPublished, NewsPublished, QuotaRejected
from contracts.topics import PUBLISH, QUOTA
from eventlog.clock import FixedClock
from tests.integration.publish_support import Listed
from tests.support.events import nomination_chain, open_campaign, publish
from tests.support.intake import Keys, OffsetWatch, events_of
from tests.support.kafka import read_topic
from tests.support.publish import (AFTER_NOTICE, C, NOTICE_TIME, facts_caught_up, open_notice, publish_in_process,
                                   release, secretariat)

LEAD = Listed.LIST
NEWS_URL = f"/v1/publish/campaigns/{C}/news"


@pytest.fixture
async def released(env, tmp_path):
    """The list noticed, the notice closed and the list released (version 1); the clock after the notice."""
    facts = Listed()
    await open_campaign()
    await publish(*facts.events())
    async with publish_in_process(Keys(tmp_path), FixedClock(NOTICE_TIME)) as client:
        await facts_caught_up()
        assert (await open_notice(client, LEAD)).status_code == 201
        client.clock.at = AFTER_NOTICE
        r = await release(client, LEAD)
        assert r.status_code == 201 and r.json()["entries"] == 3, r.text
        client.facts = facts
        yield client


def page_path(chain, *more: str) -> str:
    return "/".join([f"/campaigns/{C}/entries/{chain.nomination_id}", *more])


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def revoke(client, chain) -> None:
    r = await client.post(f"/v1/publish/campaigns/{C}/lists/{LEAD}/corrections", headers=secretariat(client.keys),
                          json={"reason": "经核查撤销一项。", "changes": [
                              {"nomination_id": str(chain.nomination_id), "revoke": True, "reason": "知识产权纠纷。"}]})
    assert r.status_code == 201 and r.json()["version"] == 2, r.text


async def test_the_release_carries_only_what_was_consented_and_the_entry_page_shows_it(released):
    client, f = released, released.facts
    (published,) = [e for e in events_of(await read_topic(PUBLISH.name)) if isinstance(e, ListPublished)]
    by_id = {e.nomination_id: e for e in published.entries}
    chip, quantum = by_id[f.chip.nomination_id], by_id[f.quantum.nomination_id]
    assert [(s.field, s.label, s.value) for s in chip.shown] == [
        ("summary", "技术简介", "面向大模型推理的存算一体架构。"), ("key_innovations", "主要创新点", "模拟域乘加；片上稀疏调度")]
    assert (chip.region, quantum.region, quantum.shown) == ("beijing", "anhui", ())

    r = await client.get(page_path(f.chip))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), r.text
    page = text(r.text)
    for expected in ("存算一体芯片", "2022年“科创中国”系列榜单征集遴选（2022 年度）", "先导技术榜", "电子信息", "持有单位 丁半导体有限公司",
                     "推荐单位 北京市科学技术协会", "所在地区 北京", "技术简介 面向大模型推理的存算一体架构。",
                     "主要创新点 模拟域乘加；片上稀疏调度"):
        assert expected in page, (expected, page)
    assert "未同意公开的应用情况" not in r.text
    r = await client.get(page_path(f.quantum))
    assert r.status_code == 200 and "推荐单位未同意公开更多信息" in r.text and "城域量子密钥分发网络" not in r.text
    # never listed (not selected): 404, in Chinese; the JSON says the same
    r = await client.get(page_path(f.unlisted))
    assert r.status_code == 404 and "未找到该上榜条目" in r.text
    r = await client.get(f"/v1/publish/campaigns/{C}/entries/{f.unlisted.nomination_id}")
    assert (r.status_code, r.json()["code"]) == (404, "entry_not_listed")
    r = await client.get(f"/v1/publish/campaigns/{C}/entries/{f.chip.nomination_id}")
    assert r.status_code == 200 and r.json()["shown"][0] == {"label": "技术简介", "value": "面向大模型推理的存算一体架构。"}


async def search(client, **params) -> list[str]:
    r = await client.get(f"/v1/publish/campaigns/{C}/entries", params=params)
    assert r.status_code == 200, r.text
    return [e["title"] for e in r.json()["entries"]]


async def test_search_by_keyword_list_domain_and_region(released):
    client = released
    assert await search(client) == ["存算一体芯片", "量子通信网络", "mRNA 疫苗递送平台"]
    assert await search(client, q="芯片") == ["存算一体芯片"]          # two Chinese characters; not the unlisted one
    assert await search(client, q="稀疏") == ["存算一体芯片"]          # in a consented field
    assert await search(client, q="城域") == []                      # in a field not consented
    assert await search(client, q="mrna") == ["mRNA 疫苗递送平台"]     # case-insensitive
    assert await search(client, q="%") == []                          # a wildcard is a character
    assert await search(client, domain="biomedicine") == ["mRNA 疫苗递送平台"]
    assert await search(client, region="anhui") == ["量子通信网络"]
    assert await search(client, list_code="emerging_enterprise") == []
    assert await search(client, q="网络", region="beijing") == []
    r = await client.get(f"/campaigns/{C}/entries", params={"q": "芯片"})
    assert r.status_code == 200 and "检索结果（1 项）" in text(r.text) and page_path(released.facts.chip) in r.text


async def test_the_certificate_verifies_until_the_entry_is_revoked_and_the_card_is_a_png(released):
    client, f = released, released.facts
    r = await client.get(page_path(f.chip, "certificate.pdf"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    await asyncio.sleep(1.1)  # printed again a second later: the same bytes, dated by the release
    assert (await client.get(page_path(f.chip, "certificate.pdf"))).content == r.content
    assert pypdf.PdfReader(io.BytesIO(r.content)).metadata["/CreationDate"] == "D:20230101000000+08'00"
    card = await client.get(page_path(f.chip, "card.png"))
    assert card.status_code == 200 and card.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert (int.from_bytes(card.content[16:20], "big"), int.from_bytes(card.content[20:24], "big")) == (1200, 630)
    page = (await client.get(page_path(f.chip))).text
    (verify,) = re.findall(r'href="(/campaigns/[^"]+/verify\?[^"]+)"', page)
    verify = verify.replace("&amp;", "&")
    r = await client.get(verify)
    assert r.status_code == 200 and "证书有效" in r.text, r.text
    api = f"/v1/publish{verify}"
    r = await client.get(api)
    assert r.status_code == 200 and r.json()["valid"] is True and r.json()["current_version"] == 1
    forged = re.sub(r"code=\w+", "code=0000", api)
    r = await client.get(forged)
    assert (r.status_code, r.json()["code"]) == (404, "certificate_unknown")
    # The entry revoked (version 2): the certificate is rejected, the page is gone (410), the search no longer finds it.
    await revoke(client, f.chip)
    r = await client.get(verify)
    assert r.status_code == 410 and "证书无效" in r.text and "已被撤销" in r.text
    r = await client.get(api)
    assert (r.status_code, r.json()["code"]) == (410, "certificate_revoked")
    assert (await client.get(page_path(f.chip))).status_code == 410
    assert (await client.get(page_path(f.chip, "certificate.pdf"))).status_code == 410
    assert await search(client, q="芯片") == []
    # The entry left standing still verifies against version 2.
    page = (await client.get(page_path(f.quantum))).text
    (other,) = re.findall(r'href="(/campaigns/[^"]+/verify\?[^"]+)"', page)
    assert (await client.get(other.replace("&amp;", "&"))).status_code == 200


async def test_news_shows_inside_the_publicity_window_only_and_a_refusal_writes_nothing(released):
    client = released
    headers = secretariat(client.keys)
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await client.post(NEWS_URL, headers=headers, json={"title": "夏季活动", "body": "正文",
                                                              "publish_at": "2023-06-01T09:00:00+08:00"})
        assert (r.status_code, r.json()["code"]) == (422, "outside_publicity") and "宣传推广期" in r.json()["detail"]
        r = await client.post(NEWS_URL, json={"title": "无权发布", "body": "正文"})
        assert r.status_code == 401
        assert await watch.ends() == before
    r = await client.post(NEWS_URL, headers=headers, json={"title": "榜单发布会举行", "body": "第一段。\n第二段。",
                                                          "publish_at": "2023-01-05T09:00:00+08:00"})
    assert r.status_code == 201, r.text
    r = await client.post(NEWS_URL, headers=headers, json={"title": "即将发布的动态", "body": "稍后可见。",
                                                          "publish_at": "2023-03-01T09:00:00+08:00"})
    assert r.status_code == 201, r.text
    (item, later) = [e for e in events_of(await read_topic(PUBLISH.name)) if isinstance(e, NewsPublished)]
    assert (item.title, item.key, item.actor.role) == ("榜单发布会举行", f"{C}:news", "secretariat")

    async def shown() -> tuple[list[str], str, str]:
        api = [n["title"] for n in (await client.get(NEWS_URL)).json()["news"]]
        return api, (await client.get(f"/campaigns/{C}/news")).text, (await client.get("/feed.atom")).text

    async def on_campaign_page() -> list[tuple[str, str]]:
        """The campaign page's latest news: (link, title) in order, and the link to the news page below them."""
        r = await client.get(f"/campaigns/{C}")
        assert r.status_code == 200, r.text
        section = re.search(r'<section id="news".*?</section>', r.text, re.S)
        if section is None:
            assert "最新动态" not in r.text
            return []
        assert f'<p><a href="/campaigns/{C}/news">查看全部宣传推广动态</a></p>' in section[0]
        return re.findall(r'<li><a href="([^"]+)">([^<]+)</a> <time', section[0])

    (first_id, later_id) = (item.news_id, later.news_id)
    api, page, feed = await shown()   # 2023-01-05 10:00: the first is out, the second not yet
    assert api == ["榜单发布会举行"] and "第二段。" in page and "即将发布的动态" not in page
    assert "<title>榜单发布会举行</title>" in feed and "即将发布的动态" not in feed
    assert "先导技术榜 第 1 版" in feed and feed.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert await on_campaign_page() == [(f"/campaigns/{C}/news#news-{first_id}", "榜单发布会举行")]
    assert f'id="news-{first_id}"' in page  # where the campaign page's link lands
    client.clock.at = datetime.fromisoformat("2023-03-02T09:00:00+08:00")
    assert (await shown())[0] == ["即将发布的动态", "榜单发布会举行"]
    # the campaign page, cached since 2023-01-05, shows the second item once its time has come: newest first
    assert await on_campaign_page() == [(f"/campaigns/{C}/news#news-{later_id}", "即将发布的动态"),
                                        (f"/campaigns/{C}/news#news-{first_id}", "榜单发布会举行")]
    for title, when in (("二月动态甲", "2023-02-01T09:00:00+08:00"), ("二月动态乙", "2023-02-02T09:00:00+08:00")):
        r = await client.post(NEWS_URL, headers=headers, json={"title": title, "body": "正文。", "publish_at": when})
        assert r.status_code == 201, r.text
    # four shown now: the campaign page lists the latest three, the news page has all four
    assert [t for _, t in await on_campaign_page()] == ["即将发布的动态", "二月动态乙", "二月动态甲"]
    assert (await shown())[0] == ["即将发布的动态", "二月动态乙", "二月动态甲", "榜单发布会举行"]
    client.clock.at = datetime.fromisoformat("2023-05-01T00:00:00+08:00")  # the window has closed
    api, page, feed = await shown()
    assert api == [] and "暂无动态" in page and "榜单发布会举行" not in feed and "先导技术榜 第 1 版" in feed
    assert await on_campaign_page() == []


async def test_statistics_count_candidates_and_listed_entries_by_list_domain_and_region(released):
    client = released

    async def charts() -> dict:
        r = await client.get(f"/v1/publish/campaigns/{C}/statistics")
        assert r.status_code == 200, r.text
        return {k: [(b["label"], b["candidates"], b["listed"]) for b in v] for k, v in r.json()["charts"].items()} | {
            "totals": (r.json()["candidates"], r.json()["listed"])}

    assert await charts() == {
        "totals": (4, 3),
        "by-list": [("先导技术榜", 4, 3)],
        "by-domain": [("电子信息", 2, 2), ("生物医药", 2, 1)],
        "by-region": [("北京", 2, 1), ("上海", 1, 1), ("安徽", 1, 1)],
    }
    page = (await client.get(f"/campaigns/{C}/statistics")).text
    assert page.count("<svg") == 3 and page.count("<table>") == 3 and "2022 年度统计" in page
    assert "对接请求共 0 项，其中已对接 0 项" in page  # the matching view's counts, none filed yet
    # A nomination the quota refused is no candidate.
    over = nomination_chain("unit-a", LEAD, "electronic_info", "超出名额的推荐", {"region": "anhui"})
    s = over.submitted
    await publish(over.events[0], (QUOTA, QuotaRejected(
        occurred_at=s.occurred_at, campaign=s.campaign, key=s.key, actor=s.actor, nomination_id=s.nomination_id,
        unit_id="unit-a", list_code=LEAD, domain="electronic_info", reason="over_quota", message="超出名额。",
        limit=3, used=3)))
    await facts_caught_up()
    assert (await charts())["totals"] == (4, 3)
    await revoke(client, client.facts.chip)
    after = await charts()
    assert after["totals"] == (4, 2) and after["by-region"] == [("北京", 2, 0), ("上海", 1, 1), ("安徽", 1, 1)]


async def test_the_secretariats_news_form_goes_through_the_same_handler(released):
    client = released
    form = f"/workbench/publish/campaigns/{C}/news"
    headers = secretariat(client.keys)
    r = await client.get(form, headers=headers)
    assert r.status_code == 200 and "宣传推广期" in r.text and "暂无动态" in r.text
    assert (await client.get(form)).status_code == 401  # nobody signed in: the login's words, as a page
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await client.post(form, headers=headers, data={"title": "五月活动", "body": "正文",
                                                           "publish_at": "2023-05-20T09:00", "submission": "news-form-0001"})
        assert r.status_code == 422 and "须在宣传推广期内" in r.text and "五月活动" in r.text  # typed values kept
        assert await watch.ends() == before
    r = await client.post(form, headers=headers, data={"title": "路演周", "body": "上榜技术路演。",
                                                       "publish_at": "2023-01-06T09:00", "submission": "news-form-0002"})
    assert r.status_code == 201 and "已发布：路演周" in r.text, r.text
    (item,) = [e for e in events_of(await read_topic(PUBLISH.name)) if isinstance(e, NewsPublished)]
    assert item.publish_at == datetime.fromisoformat("2023-01-06T09:00:00+08:00")
    assert (await client.get(NEWS_URL)).json()["news"] == []  # 2023-01-05: not yet
