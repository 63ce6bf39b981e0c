"""The pure pieces after the release: what an entry shows by its unit's consent, the news window, the feed and the
charts."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

import pytest

from contracts.errors import DomainError
from contracts.events import Actor
from services.publish.domain import news
from services.publish.domain.publication import region_of, shown_fields
from services.publish.release.charts import Bar, bar_chart
from services.publish.release.feed import atom_feed
from tests.support.events import CAMPAIGN

SECRETARIAT = Actor(role="secretariat", id="kczg_secretariat")
at = datetime.fromisoformat


def test_an_entry_shows_only_the_consented_fields_in_the_declared_order():
    form = {"list_code": "leading_tech", "summary": " 简介 ", "key_innovations": ["一", "二"],
            "application_summary": "应用", "publish_fields": ["key_innovations", "summary", "credit_code"]}
    assert shown_fields("leading_tech", form) == (("summary", "技术简介", "简介"), ("key_innovations", "主要创新点", "一；二"))
    assert shown_fields("leading_tech", {**form, "publish_fields": []}) == ()
    assert shown_fields("leading_tech", {k: v for k, v in form.items() if k != "publish_fields"}) == ()  # default
    assert shown_fields("open_source", {"list_code": "open_source", "contributors_count": 0,
                                        "publish_fields": ["contributors_count", "summary"]}) == (
        ("contributors_count", "贡献者人数", "0"),)  # zero is a value; a missing consented field is left out
    assert (region_of({"region": "beijing"}), region_of({"region": "atlantis"}), region_of(None)) == ("beijing", None, None)


def cmd(publish_at, title="标题", body="正文"):
    return news.PublishNews(uuid4(), title, body, at(publish_at) if publish_at else None)


def decide(command, now="2023-01-05T10:00:00+08:00"):
    return news.decide(None, command, news.NewsContext(at(now), CAMPAIGN, SECRETARIAT))


def test_news_must_be_published_inside_the_publicity_window():
    (e,) = decide(cmd(None))
    assert (e.publish_at, e.key, e.title) == (at("2023-01-05T10:00:00+08:00"), f"{CAMPAIGN.code}:news", "标题")
    for outside in ("2022-08-31T23:59:59+08:00", "2023-05-01T00:00:00+08:00"):
        with pytest.raises(DomainError) as refused:
            decide(cmd(outside))
        assert refused.value.code == "outside_publicity" and "2022年9月1日至2023年5月1日前" in refused.value.message
    assert decide(cmd("2022-09-01T00:00:00+08:00"))[0].publish_at == at("2022-09-01T00:00:00+08:00")
    with pytest.raises(DomainError) as refused:
        decide(cmd(None, title="  "))
    assert refused.value.code == "news_title_invalid"


def test_an_item_is_shown_from_its_time_while_the_window_lasts():
    item = at("2023-01-05T09:00:00+08:00")
    shown = lambda now: news.shown(item, at(now), CAMPAIGN)  # noqa: E731
    assert [shown(n) for n in ("2023-01-05T08:59:59+08:00", "2023-01-05T09:00:00+08:00",
                               "2023-04-30T23:59:59+08:00", "2023-05-01T00:00:00+08:00")] == [False, True, True, False]


def test_the_feed_escapes_and_orders_newest_first():
    feed = atom_feed("站点", "http://x/feed.atom", "http://x/", [
        ("news", "urn:uuid:1", "<b>旧</b>", at("2023-01-01T00:00:00+08:00"), "a & b", "http://x/n?a=1&b=2"),
        ("release", "urn:uuid:2", "新", at("2023-02-01T00:00:00+08:00"), "发布", "http://x/l")], at("2023-03-01T00:00:00Z"))
    text = feed.decode()
    assert text.index("<title>新</title>") < text.index("<title>&lt;b&gt;旧&lt;/b&gt;</title>")
    assert "<updated>2023-01-31T16:00:00Z</updated>" in text and 'href="http://x/n?a=1&amp;b=2"' in text


def test_a_chart_has_its_title_and_every_number():
    svg = str(bar_chart("by-list", "各榜单<候选>", (Bar("先导技术榜", 4, 3), Bar("新锐企业榜", 0, 0))))
    assert '<title id="by-list-title">各榜单&lt;候选&gt;</title>' in svg and 'aria-labelledby="by-list-title"' in svg
    assert [">4<", ">3<", ">0<"] == [s for s in (">4<", ">3<", ">0<") if s in svg] and svg.count("<rect") == 6
