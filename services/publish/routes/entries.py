"""The listed entries, statistics and news for other systems (JSON); the pages (entry_pages.py) show the same.
Anyone reads; only the secretariat publishes news. A revoked entry answers 410, and so does its certificate."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, ConfigDict, Field

from contracts.errors import DomainError, NotFound
from eventlog.http.bodies import RequestBody
from eventlog.http.front_door import WriteRequest, now_for, service_of, writer
from eventlog.http.problems import reply_response

from .. import entry_pages as P, handlers, listed as L
from .common import campaign_of, pool

router = APIRouter(prefix="/v1/publish/campaigns/{campaign}", tags=["上榜条目与宣传推广"])
secretariat_writing = writer("secretariat")
REVOKED = "该条目已被撤销（见榜单更正公告），不再列入榜单。"


def entry_document(v: P.EntryView) -> dict[str, Any]:
    return {"nomination_id": v.nomination_id, "campaign": v.campaign, "year": v.year, "list_code": v.list_code,
            "list_name": v.list_name, "domain_name": v.domain_name, "region_name": v.region_name, "title": v.title,
            "holder_org": v.holder_org, "unit_name": v.unit_name, "version": v.version,
            "released_on": v.released_on.isoformat(), "shown": [{"label": k, "value": x} for k, x in v.shown],
            "href": v.href, "verify_href": v.verify_href}


async def listed_or_refused(request: Request, campaign, nomination_id: UUID) -> L.ListedEntry:
    """The entry as listed now; 404 when never listed (or not public yet), 410 when revoked."""
    now = now_for(request)
    async with pool(request).acquire() as conn:
        found = await L.listed_entry(conn, campaign.code, nomination_id, now)
        if found is None and await L.was_listed(conn, campaign.code, nomination_id, now):
            raise DomainError(REVOKED, code="entry_revoked", http_status=410)
    if found is None:
        raise NotFound("未找到该上榜条目（可能尚未发布）。", code="entry_not_listed")
    return found


@router.get("/entries", summary="检索上榜条目：关键词、榜单、领域、地区（公开）")
async def search_entries(campaign: str, request: Request, q: str = Query("", max_length=100),
                         list_code: str = Query("", max_length=64), domain: str = Query("", max_length=64),
                         region: str = Query("", max_length=64)) -> dict[str, Any]:
    found = await campaign_of(request, campaign)
    async with pool(request).acquire() as conn:
        rows = await L.search(conn, now_for(request), campaigns=[campaign], keyword=q.strip(), list_code=list_code,
                              domain=domain, region=region, order=L.declared_order(found))
    return {"campaign": campaign, "entries": [entry_document(P.entry_view(found, e)) for e in rows],
            "truncated": len(rows) >= L.MAX_RESULTS}


@router.get("/entries/{nomination_id}", summary="一个上榜条目（公开；已撤销的为 410）")
async def entry(campaign: str, nomination_id: UUID, request: Request) -> dict[str, Any]:
    found = await campaign_of(request, campaign)
    return entry_document(P.entry_view(found, await listed_or_refused(request, found, nomination_id)))


async def verdict(request: Request, campaign, nomination_id: UUID, version: str, code: str) -> L.ListedEntry:
    """A certificate checked against the release: issued from a public version that listed the entry with these
    facts (the code), and the entry still in the current version of its list (manifest.json's generated_from)."""
    now = now_for(request)
    async with pool(request).acquire() as conn:
        issued = await L.issued_in(conn, campaign.code, nomination_id, version, now)
        current = await L.listed_entry(conn, campaign.code, nomination_id, now)
    if issued is None or issued.check_code != code:
        raise NotFound("证书信息与发布记录不符，无法核验。", code="certificate_unknown")
    if current is None:
        raise DomainError("证书无效：" + REVOKED, code="certificate_revoked", http_status=410)
    return current


@router.get("/entries/{nomination_id}/verify", summary="核验证书（公开）：与发布记录一致且条目未被撤销")
async def verify(campaign: str, nomination_id: UUID, request: Request, version: str = Query(max_length=64),
                 code: str = Query(max_length=64)) -> dict[str, Any]:
    found = await campaign_of(request, campaign)
    current = await verdict(request, found, nomination_id, version, code)
    return {"valid": True, "current_version": current.version, "entry": entry_document(P.entry_view(found, current))}


@router.get("/statistics", summary="年度统计：各榜单、领域、地区的候选与上榜数量（已发布榜单，公开）")
async def statistics(campaign: str, request: Request) -> dict[str, Any]:
    found = await campaign_of(request, campaign)
    async with pool(request).acquire() as conn:
        page = P.statistics_page(found, await L.counts(conn, campaign, now_for(request)))
    return {"campaign": campaign, "year": page.year, "candidates": page.total_candidates, "listed": page.total_listed,
            "charts": {c.chart_id: [{"label": b.label, "candidates": b.candidates, "listed": b.listed}
                                    for b in c.bars] for c in page.charts}}


@router.get("/news", summary="宣传推广动态（公开：已到发布时间，且在宣传推广期内）")
async def news(campaign: str, request: Request) -> dict[str, Any]:
    found = await campaign_of(request, campaign)
    async with pool(request).acquire() as conn:
        items = P.shown_news(found, await L.news(conn, [campaign]), now_for(request))
    return {"campaign": campaign, "news": [{"news_id": n.news_id, "title": n.title, "body": n.body,
                                            "publish_at": n.publish_at.isoformat()} for n in items]}


class NewsBody(RequestBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"title": "2022“科创中国”榜单发布", "body": "……", "publish_at": "2023-02-20T10:00:00+08:00"}]})
    title: str = Field(max_length=1000, description="标题（不超过200字）")
    body: str = Field(max_length=40000, description="正文（不超过20000字）")
    publish_at: AwareDatetime | None = Field(default=None, description="发布时间（须在宣传推广期内；不填为现在）")


@router.post("/news", status_code=201, summary="发布宣传推广动态（秘书处）")
async def publish_news(campaign: str, body: NewsBody, request: Request,
                       req: WriteRequest = Depends(secretariat_writing)):
    return reply_response(await handlers.publish_news(service_of(request), req, campaign, body.title, body.body,
                                                      body.publish_at))
