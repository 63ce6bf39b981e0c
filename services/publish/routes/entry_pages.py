"""The public pages after the release (server-rendered, Chinese, no script): each listed entry at
/campaigns/{campaign}/entries/{nomination_id} with its certificate (PDF) and share card (PNG) and the certificate's
verification; the search; the archive by year; the statistics per year; the news and the Atom feed of releases
and news."""

from __future__ import annotations

import asyncio
import os
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from contracts.errors import DomainError
from eventlog.http.front_door import now_for, service_of

from .. import entry_pages as P, listed as L, public
from ..domain import news as news_rules
from ..domain.embargo import shown as shown_versions
from ..release import certificate
from ..release.assemble import list_release
from ..release.feed import atom_feed
from ..release.page import render_page
from ..views import matching_queries
from .common import campaign_of, pool
from .entries import listed_or_refused, verdict
from .pages import error_page, html

router = APIRouter(include_in_schema=False)
SITE = "“科创中国”系列榜单"


def public_url(request: Request, path: str) -> str:
    """An absolute address of the public site (PUBLISH_PUBLIC_URL behind a proxy, else as asked)."""
    base = os.environ.get("PUBLISH_PUBLIC_URL") or str(request.base_url)
    return base.rstrip("/") + path


@router.get("/campaigns/{campaign}/entries")
async def search_page(campaign: str, request: Request, q: str = Query("", max_length=100),
                      list_code: str = Query("", max_length=64), domain: str = Query("", max_length=64),
                      region: str = Query("", max_length=64)) -> Response:
    try:
        found = await campaign_of(request, campaign)
    except DomainError as exc:
        return error_page(SITE, exc)
    async with pool(request).acquire() as conn:
        rows = await L.search(conn, now_for(request), campaigns=[campaign], keyword=q.strip(), list_code=list_code,
                              domain=domain, region=region, order=L.declared_order(found))
    searched = bool(q or list_code or domain or region)
    return html(render_page("entries.html", P.search_page(found, rows, q.strip(), list_code, domain, region, searched)))


@router.get("/campaigns/{campaign}/entries/{nomination_id}")
async def entry_page(campaign: str, nomination_id: UUID, request: Request) -> Response:
    try:
        found = await campaign_of(request, campaign)
        e = await listed_or_refused(request, found, nomination_id)
    except DomainError as exc:
        return error_page(SITE, exc, campaign)
    view = P.entry_view(found, e)
    return html(render_page("entry.html", view, verify_url=public_url(request, view.verify_href),
                            card_url=public_url(request, view.href + "/card.png")))


@router.get("/campaigns/{campaign}/entries/{nomination_id}/certificate.pdf")
async def certificate_pdf(campaign: str, nomination_id: UUID, request: Request) -> Response:
    try:
        found = await campaign_of(request, campaign)
        view = P.entry_view(found, await listed_or_refused(request, found, nomination_id))
        document = render_page("certificate.html", view, verify_url=public_url(request, view.verify_href))
        pdf = await asyncio.to_thread(certificate.certificate_pdf, document)
    except DomainError as exc:
        return error_page(SITE, exc, campaign)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="certificate-{nomination_id}.pdf"', "X-Content-Type-Options": "nosniff"})


@router.get("/campaigns/{campaign}/entries/{nomination_id}/card.png")
async def share_card(campaign: str, nomination_id: UUID, request: Request) -> Response:
    try:
        found = await campaign_of(request, campaign)
        v = P.entry_view(found, await listed_or_refused(request, found, nomination_id))
        line = v.list_name + (f" · {v.domain_name}" if v.domain_name else "")
        png = await asyncio.to_thread(certificate.share_card_png, v.campaign_title, line, v.title, v.holder_org,
                                      v.unit_name, public_url(request, v.href))
    except DomainError as exc:
        return error_page(SITE, exc, campaign)
    return Response(png, media_type="image/png", headers={"X-Content-Type-Options": "nosniff"})


@router.get("/campaigns/{campaign}/entries/{nomination_id}/verify")
async def verify_page(campaign: str, nomination_id: UUID, request: Request, version: str = Query("", max_length=64),
                      code: str = Query("", max_length=64)) -> Response:
    try:
        found = await campaign_of(request, campaign)
    except DomainError as exc:
        return error_page(SITE, exc)
    manifest = f"/v1/publish/campaigns/{campaign}/release/manifest.json"
    try:
        current = await verdict(request, found, nomination_id, version, code)
    except DomainError as exc:
        verdict_code = "revoked" if exc.code == "certificate_revoked" else "unknown"
        page = P.VerifyPage(found.title, verdict_code, exc.message, None, f"/campaigns/{campaign}", manifest)
        return html(render_page("verify.html", page), exc.http_status)
    view = P.entry_view(found, current)
    note = "证书有效：与发布记录一致，该条目现列于榜单当前版本。"
    page = P.VerifyPage(found.title, "valid", note, view, f"/campaigns/{campaign}", manifest)
    return html(render_page("verify.html", page))


@router.get("/campaigns/{campaign}/statistics")
async def statistics_page(campaign: str, request: Request) -> Response:
    try:
        found = await campaign_of(request, campaign)
    except DomainError as exc:
        return error_page(SITE, exc)
    async with pool(request).acquire() as conn:
        page = P.statistics_page(found, await L.counts(conn, campaign, now_for(request)),
                                 await matching_queries.statistics(conn, campaign))
    return html(render_page("statistics.html", page))


@router.get("/campaigns/{campaign}/news")
async def news_page(campaign: str, request: Request) -> Response:
    try:
        found = await campaign_of(request, campaign)
    except DomainError as exc:
        return error_page(SITE, exc)
    async with pool(request).acquire() as conn:
        items = P.shown_news(found, await L.news(conn, [campaign]), now_for(request))
    return html(render_page("news.html", P.NewsPage(found.title, campaign, f"/campaigns/{campaign}", items,
                                                    news_rules.season_text(found))))


async def _listed_counts(request: Request) -> list[tuple]:
    book = service_of(request).campaigns.book
    out = []
    async with pool(request).acquire() as conn:
        for code in book.codes:
            found = await campaign_of(request, code)
            out.append((found, len(await L.search(conn, now_for(request), campaigns=[code]))))
    return out


@router.get("/archive")
async def archive(request: Request) -> Response:
    return html(render_page("archive.html", P.archive_page(await _listed_counts(request))))


@router.get("/feed.atom")
async def feed(request: Request) -> Response:
    """Every public release (list version) and every news item shown now, of every campaign, newest first."""
    now, entries = now_for(request), []
    async with pool(request).acquire() as conn:
        for code in service_of(request).campaigns.book.codes:
            found = await campaign_of(request, code)
            for v in shown_versions(await public.versions(conn, code), now, preview=False):
                r = list_release(found, v)
                entries.append(("release", f"urn:uuid:{v.event_id}", f"{found.title} · {r.list_name} 第 {v.version} 版",
                                v.public_at or v.published_at,
                                f"{r.list_name}发布（第 {v.version} 版，{len(r.entries)} 项）。" + (v.reason or ""),
                                public_url(request, f"/campaigns/{code}/lists/{v.list_code}/versions/{v.version}")))
            for n in P.shown_news(found, await L.news(conn, [code]), now):
                entries.append(("news", f"urn:uuid:{n.news_id}", n.title, n.publish_at, n.body,
                                public_url(request, n.href)))
    body = atom_feed(SITE, public_url(request, "/feed.atom"), public_url(request, "/"), entries, now)
    return Response(body, media_type="application/atom+xml; charset=utf-8")
