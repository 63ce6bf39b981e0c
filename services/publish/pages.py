"""The public pages' view models, filled from the release-facts view and the campaign, and the rendered
index kept until the view moves, a notice opens or closes, or an embargoed version becomes public (the
page is read far more than it changes). The secretariat's preview shows embargoed versions too
(domain/embargo.py); it is never cached."""

from __future__ import annotations

import uuid

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from contracts.campaign import Campaign

from . import entry_pages, listed, public
from .domain.embargo import next_public_at, shown as shown_versions
from .domain.nominators import nominating_bodies
from .domain.order import ORDER_DECLARATION
from .release import render_index
from .release.assemble import PublishedVersion, current_versions, list_release
from .release.files import AvailableFiles
from .release.manifest import MANIFEST, file_links
from .release.page_models import (Criterion, DeclaredMethod, IndexPage, ListPage, NewsLink, NoticeEntry, NoticeLink,
                                  NoticePage, PublishedList, VersionLink)
from .release_files import ReleaseFiles

ROUNDING = "保留两位小数，四舍五入（ROUND_HALF_UP）"  # Points, as the review service rounds
LATEST_NEWS = 3  # the campaign page lists this many news items; the news page has them all


def page_href(campaign: str, *parts: object) -> str:
    return "/".join([f"/campaigns/{campaign}", *map(str, parts)])


def files_href(campaign: str) -> str:
    return f"/v1/publish/campaigns/{campaign}/release"


def version_links(campaign: Campaign, versions: list[PublishedVersion]) -> tuple[VersionLink, ...]:
    return tuple(VersionLink(v.version, list_release(campaign, v).released_on, v.reason or None,
                             page_href(campaign.code, "lists", v.list_code, "versions", v.version))
                 for v in sorted(versions, key=lambda v: v.version))


def methods(campaign: Campaign, plans: list[public.PlanRow], shown_lists: set[str]) -> tuple[DeclaredMethod, ...]:
    """What each body filed, for the lists the public can see (published or under an open notice)."""
    bodies = {b.code: b.name for b in campaign.bodies}
    targets = [t for lst in campaign.lists for t in ([(lst.code, d.code) for d in lst.domains] or [(lst.code, None)])]
    order = {t: i for i, t in enumerate(targets)}
    shown = [p for p in plans if p.list_code in shown_lists]
    shown.sort(key=lambda p: (order.get((p.list_code, p.domain), len(order)), p.body_code))
    out = []
    for p in shown:
        lst = campaign.ranking_list(p.list_code)
        domain = lst.domain(p.domain) if p.domain else None
        out.append(DeclaredMethod(bodies.get(p.body_code, p.body_code), lst.name, domain.name if domain else None,
                                  tuple(Criterion(name, weight) for name, weight in p.criteria), p.aggregation,
                                  ROUNDING, p.tie_break))
    return tuple(out)


@dataclass
class _Cached:
    stamp: int
    valid_from: datetime | None    # the page holds between the notice openings and closings around it
    valid_until: datetime | None
    html: bytes

    def holds(self, stamp: int, now: datetime) -> bool:
        return (self.stamp == stamp and (self.valid_from is None or self.valid_from <= now)
                and (self.valid_until is None or now < self.valid_until))


class Pages:
    def __init__(self, release_files: ReleaseFiles) -> None:
        self.release_files = release_files      # every version's files: the public's, and the secretariat's preview
        self.public_files = ReleaseFiles()      # the public's while a version is embargoed (built apart: no thrash)
        self._index: dict[str, _Cached] = {}

    async def files(self, conn: asyncpg.Connection, campaign: Campaign, now: datetime,
                    preview: bool) -> AvailableFiles | None:
        """The release files a reader sees at `now`: the preview every version's, the public the public ones."""
        every = await self.release_files.files(conn, campaign)
        # Asked after the files were read: nothing embargoed now means every version they were built from is public.
        if preview or await public.next_public_at(conn, campaign.code, now) is None:
            return every
        return await self.public_files.built(campaign, shown_versions(await public.versions(conn, campaign.code),
                                                                      now, preview=False))

    async def index(self, conn: asyncpg.Connection, campaign: Campaign, now: datetime, preview: bool = False) -> bytes:
        if preview:
            return render_index((await self.index_page(conn, campaign, now, preview=True))[0]).encode()
        stamp = await public.stamp(conn)
        held = self._index.get(campaign.code)
        if held and held.holds(stamp, now):
            return held.html
        page, valid = await self.index_page(conn, campaign, now)
        html = render_index(page).encode()
        self._index[campaign.code] = _Cached(stamp, *valid, html)
        return html

    async def index_page(self, conn: asyncpg.Connection, campaign: Campaign, now: datetime,
                         preview: bool = False) -> tuple[IndexPage, tuple[datetime | None, datetime | None]]:
        every = await public.versions(conn, campaign.code)
        versions = shown_versions(every, now, preview)
        notices = await public.notices(conn, campaign.code)
        current = current_versions(versions)
        lists = tuple(PublishedList(list_release(campaign, current[lst.code]), page_href(campaign.code, "lists", lst.code),
                                    earlier=tuple(v for v in version_links(campaign, [x for x in versions
                                                                                      if x.list_code == lst.code])
                                                  if v.version != current[lst.code].version))
                      for lst in campaign.lists if lst.code in current)
        built = await (self.release_files if len(versions) == len(every) else self.public_files).built(campaign, versions)
        links = file_links(built.files[MANIFEST], files_href(campaign.code)) if built else ()
        open_now = [n for n in notices if n.open_at(now)]
        notice_links = tuple(NoticeLink(campaign.ranking_list(n.list_code).name,
                                        page_href(campaign.code, "notices", n.notice_id), n.opens_at, n.closes_at)
                             for n in open_now)
        shown = set(current) | {n.list_code for n in open_now}
        every_news = await listed.news(conn, [campaign.code])
        news = tuple(NewsLink(n.title, n.publish_at, n.href)
                     for n in entry_pages.shown_news(campaign, every_news, now)[:LATEST_NEWS])
        page = IndexPage(campaign.title, lists, links, methods(campaign, await public.plans(conn, campaign.code), shown),
                         notice_links, order_note=ORDER_DECLARATION, campaign=campaign.code, news=news,
                         news_href=page_href(campaign.code, "news"))
        # The page changes by itself when a notice opens or closes, a news item's time comes or the publicity
        # window opens or closes: it holds between two such instants.
        turns = [t for n in notices for t in (n.opens_at, n.closes_at)]
        turns += [n.publish_at for n in every_news]
        turns += [campaign.timeline.publicity_opens_at, campaign.timeline.publicity_closes_at]
        if (embargo_ends := next_public_at(every, now)) is not None:  # and when an embargoed version becomes public
            turns.append(embargo_ends)
        return page, (max((t for t in turns if t <= now), default=None), min((t for t in turns if t > now), default=None))


async def list_page(conn: asyncpg.Connection, campaign: Campaign, list_code: str, version: int | None,
                    now: datetime, preview: bool = False) -> ListPage | None:
    """A list's page (its current or a named version) as the reader may see it at `now`; None: not released."""
    versions = [v for v in shown_versions(await public.versions(conn, campaign.code), now, preview)
                if v.list_code == list_code]
    if not versions:
        return None
    current = current_versions(versions)[list_code]
    shown = current if version is None else next((v for v in versions if v.version == version), None)
    if shown is None:
        return None
    return ListPage(campaign.title, (list_release(campaign, shown),), versions=version_links(campaign, versions),
                    current_version=current.version, index_href=page_href(campaign.code), order_note=ORDER_DECLARATION)


async def notice_page(conn: asyncpg.Connection, campaign: Campaign, row: public.NoticeRow, now: datetime,
                      **changes) -> NoticePage:
    lst = campaign.ranking_list(row.list_code)
    names = {d.code: d.name for d in lst.domains}
    corrections = tuple(await public.corrections_during(conn, row))
    revoked = {c.nomination_id for c in corrections if c.revoked}
    changed: dict[str, dict[str, str]] = {}
    for c in corrections:
        for f in c.changes:
            changed.setdefault(c.nomination_id, {})[f.field] = f.after
    entries = tuple(NoticeEntry(i.nomination_id, **{"title": i.title, "domain": i.domain,
                                                    "domain_name": names.get(i.domain or ""), "holder_org": i.holder_org,
                                                    "unit_name": i.unit_name, **changed.get(i.nomination_id, {})})
                    for i in await public.notice_items(conn, row, dict(nominating_bodies(campaign)))
                    if i.nomination_id not in revoked)
    return NoticePage(campaign.title, lst.name, row.opens_at, row.closes_at, entries, corrections=corrections,
                      form_action=page_href(campaign.code, "notices", row.notice_id, "objections"),
                      accepting_objections=row.open_at(now), index_href=page_href(campaign.code),
                      order_note=ORDER_DECLARATION, **{"submission": uuid.uuid4().hex, **changes})
