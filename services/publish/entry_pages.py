"""The pages after the release: a page per listed entry (its certificate and share card), the search, the archive
by year, the statistics per year, the news and the feed. View models filled from listed.py and the campaign; the
templates (templates/entry.html …) render them and fetch nothing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup

from contracts.campaign import Campaign
from contracts.publication import REGIONS, region_name

from . import listed as L
from .domain import news as news_rules
from .release.charts import Bar, bar_chart

UNSET = "（未填写）"


def campaign_year(campaign: Campaign) -> int:
    """The year a campaign is filed under: that of its call (collection opening, in the campaign's zone)."""
    return campaign.timeline.collection_opens_at.astimezone(campaign.tz).year


def entry_href(campaign: str, nomination_id: Any, *more: str) -> str:
    return "/".join([f"/campaigns/{campaign}/entries/{nomination_id}", *more])


def verify_href(e: L.ListedEntry) -> str:
    return entry_href(e.campaign, e.nomination_id, f"verify?version={e.version_event}&code={e.check_code}")


@dataclass(frozen=True)
class EntryView:
    """One listed entry as every page after the release shows it."""

    campaign: str
    campaign_title: str
    year: int
    list_code: str
    list_name: str
    domain_name: str | None
    region_name: str | None
    title: str
    holder_org: str
    unit_name: str
    version: int
    released_on: Any
    nomination_id: str
    shown: tuple[tuple[str, str], ...]   # (label, value) the unit agreed to publish
    href: str
    check_code: str
    verify_href: str


def entry_view(campaign: Campaign, e: L.ListedEntry) -> EntryView:
    lst = campaign.ranking_list(e.list_code)
    domains = {d.code: d.name for d in lst.domains}
    return EntryView(campaign.code, campaign.title, campaign_year(campaign), e.list_code, lst.name,
                     domains.get(e.domain or "") if e.domain else None, region_name(e.region), e.title,
                     e.holder_org or UNSET, e.unit_name, e.version, e.released_on, str(e.nomination_id),
                     tuple((label, value) for _, label, value in e.shown), entry_href(campaign.code, e.nomination_id),
                     e.check_code, verify_href(e))


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True)
class SearchPage:
    campaign_title: str
    campaign: str
    index_href: str
    keyword: str
    lists: tuple[Option, ...]
    domains: tuple[Option, ...]
    regions: tuple[Option, ...]
    results: tuple[EntryView, ...]
    searched: bool
    truncated: bool


def options(pairs, chosen: str) -> tuple[Option, ...]:
    return (Option("", "全部", not chosen),) + tuple(Option(v, label, v == chosen) for v, label in pairs)


def search_page(campaign: Campaign, found: list[L.ListedEntry], keyword: str, list_code: str, domain: str,
                region: str, searched: bool) -> SearchPage:
    domains = {d.code: d.name for lst in campaign.lists for d in lst.domains}
    return SearchPage(campaign.title, campaign.code, f"/campaigns/{campaign.code}", keyword,
                      options(((lst.code, lst.name) for lst in campaign.lists), list_code),
                      options(domains.items(), domain), options(REGIONS.items(), region),
                      tuple(entry_view(campaign, e) for e in found), searched, len(found) >= L.MAX_RESULTS)


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    heading: str                 # the table's first column
    bars: tuple[Bar, ...]
    svg: Markup


@dataclass(frozen=True)
class StatisticsPage:
    campaign_title: str
    campaign: str
    year: int
    index_href: str
    total_candidates: int
    total_listed: int
    charts: tuple[Chart, ...]
    # 资源对接 statistics (matching requests and outcomes) are added here by the matching work: the template shows
    # its `match_statistics` block when this is given; nothing is shown, never made up, before then.
    match_statistics: Any = None


def _chart(chart_id: str, title: str, heading: str, sums: dict[str, list[int]], order: list[str],
           names: dict[str, str]) -> Chart:
    keys = [k for k in order if k in sums] + sorted(k for k in sums if k not in order)
    bars = tuple(Bar(names.get(k, k) if k else "未填写", *sums[k]) for k in keys)
    return Chart(chart_id, title, heading, bars, bar_chart(chart_id, title, bars))


def statistics_page(campaign: Campaign, counts: list[L.Count], match_statistics: Any = None) -> StatisticsPage:
    by: dict[str, dict[str, list[int]]] = {"list": defaultdict(lambda: [0, 0]), "domain": defaultdict(lambda: [0, 0]),
                                           "region": defaultdict(lambda: [0, 0])}
    for c in counts:
        for dim, key in (("list", c.list_code), ("domain", c.domain or ""), ("region", c.region or "")):
            if dim == "domain" and not c.domain:
                continue  # lists without domains are not in the domain chart
            by[dim][key][0] += c.candidates
            by[dim][key][1] += c.listed
    domains = {d.code: d.name for lst in campaign.lists for d in lst.domains}
    charts = (
        _chart("by-list", "各榜单候选与上榜数量", "榜单", by["list"], [lst.code for lst in campaign.lists],
               {lst.code: lst.name for lst in campaign.lists}),
        _chart("by-domain", "先导技术榜各领域候选与上榜数量", "领域", by["domain"], list(domains), domains),
        _chart("by-region", "各地区候选与上榜数量", "地区", by["region"], list(REGIONS), dict(REGIONS)),
    )
    year = campaign_year(campaign)
    return StatisticsPage(campaign.title, campaign.code, year, f"/campaigns/{campaign.code}",
                          sum(c.candidates for c in counts), sum(c.listed for c in counts),
                          tuple(c for c in charts if c.bars), match_statistics)


@dataclass(frozen=True)
class ArchiveYear:
    year: int
    campaigns: tuple[tuple[str, str, int], ...]   # (title, href, listed entries)


@dataclass(frozen=True)
class ArchivePage:
    campaign_title: str
    years: tuple[ArchiveYear, ...]


def archive_page(listed_by_campaign: list[tuple[Campaign, int]]) -> ArchivePage:
    years: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for campaign, n in listed_by_campaign:
        years[campaign_year(campaign)].append((campaign.title, f"/campaigns/{campaign.code}", n))
    return ArchivePage("“科创中国”系列榜单", tuple(ArchiveYear(y, tuple(years[y])) for y in sorted(years, reverse=True)))


@dataclass(frozen=True)
class NewsView:
    news_id: str
    campaign: str
    title: str
    body: str
    publish_at: datetime
    href: str


def shown_news(campaign: Campaign, items: list[L.NewsItem], now: datetime) -> tuple[NewsView, ...]:
    return tuple(NewsView(str(n.news_id), n.campaign, n.title, n.body, n.publish_at,
                          f"/campaigns/{n.campaign}/news#news-{n.news_id}")
                 for n in items if n.campaign == campaign.code and news_rules.shown(n.publish_at, now, campaign))


@dataclass(frozen=True)
class NewsPage:
    campaign_title: str
    campaign: str
    index_href: str
    items: tuple[NewsView, ...]
    season: str                   # the publicity window, as text


@dataclass(frozen=True)
class VerifyPage:
    campaign_title: str
    verdict: str                  # valid, revoked, unknown
    message: str
    entry: EntryView | None
    index_href: str
    manifest_href: str
    extra: dict = field(default_factory=dict)
