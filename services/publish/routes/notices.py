"""Public notice (公示) routes: the secretariat opens a list's notice; anyone files a named objection to an
open one; the secretariat lists and resolves the objections. Commands run through the unit of work
(steps.py); the rules are the domain's (domain/notice.py, domain/objections.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from contracts.errors import NotFound
from contracts.identity import Identity
from eventlog.http.auth import requires
from eventlog.http.front_door import WriteRequest, now_for, public_write, service_of, writer
from eventlog.http.bodies import RequestBody
from eventlog.http.problems import reply_response

from .. import handlers, public, store
from ..domain.nominators import nominating_bodies
from ..domain.notice import Omission
from .common import campaign_of, client_key, optional_identity, pool

router = APIRouter(prefix="/v1/publish/campaigns/{campaign}", tags=["公示"])
secretariat, secretariat_writing = requires("secretariat"), writer("secretariat")


class ObjectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"nomination_id": "6f1c1d0e-4b8a-4d5e-9b7a-2f0c8d1e5a01", "name": "张三", "organisation": "某某大学",
         "contact": "zhangsan@example.edu.cn", "grounds": "该技术的核心专利归属存在争议……"}]})
    nomination_id: UUID
    name: str = Field(max_length=1000)
    organisation: str = Field(max_length=1000)
    contact: str = Field(max_length=1000)
    grounds: str = Field(max_length=20_000)


class OmissionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    domain: str | None = Field(default=None, max_length=64, description="不等待的领域代码；不分领域的榜单为 null")
    reason: str = Field(max_length=2000, description="不等待该领域即开启公示的原因（必填）")


class NoticeBody(RequestBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {}, {"omit": [{"domain": "biomedicine", "reason": "生物医药领域初评延期，经主任办公会同意先行公示其余领域。"}]}]})
    omit: list[OmissionBody] = Field(default_factory=list, max_length=20,
                                     description="评审尚未完成、但先行公示时不等待的领域，逐项说明原因")


class ResolutionBody(RequestBody):
    model_config = ConfigDict(extra="forbid")
    upheld: bool = Field(description="true：异议成立（该项不再列入榜单）；false：异议不成立")
    note: str = Field(min_length=1, max_length=2000, description="处理意见")


@router.post("/lists/{list_code}/notice", status_code=201, summary="开启榜单公示（秘书处）；评审未完成的领域须逐项说明原因方可不等待")
async def open_notice(campaign: str, list_code: str, request: Request, body: NoticeBody = Body(NoticeBody()),
                      req: WriteRequest = Depends(secretariat_writing)):
    omit = tuple(Omission(o.domain, o.reason) for o in body.omit)
    return reply_response(await handlers.open_notice(service_of(request), req, campaign, list_code, omit))


@router.get("/notices", summary="公示列表（公众：正在公示的；秘书处：全部）")
async def list_notices(campaign: str, request: Request,
                       caller: Identity | None = Depends(optional_identity)) -> dict[str, Any]:
    found = await campaign_of(request, campaign)
    now, everything = now_for(request), caller is not None and caller.role == "secretariat"
    async with pool(request).acquire() as conn:
        rows = [n for n in await public.notices(conn, campaign) if everything or n.open_at(now)]
        items = [await notice_document(conn, found, n, now) for n in rows]
    return {"campaign": campaign, "notices": items}


@router.get("/notices/{notice_id}", summary="一次公示及其名单")
async def get_notice(campaign: str, notice_id: UUID, request: Request,
                     caller: Identity | None = Depends(optional_identity)) -> dict[str, Any]:
    found = await campaign_of(request, campaign)
    now = now_for(request)
    async with pool(request).acquire() as conn:
        row = await public.notice(conn, notice_id)
        if row is None or row.campaign != campaign or not (
                row.open_at(now) or (caller is not None and caller.role == "secretariat")):
            raise NotFound("未找到正在进行的该公示。", code="notice_not_found")
        return await notice_document(conn, found, row, now)


async def notice_document(conn, campaign, row: public.NoticeRow, now) -> dict[str, Any]:
    lst = campaign.ranking_list(row.list_code)
    names = {d.code: d.name for d in lst.domains}
    return {"notice_id": str(row.notice_id), "list_code": row.list_code, "list_name": lst.name,
            "opens_at": row.opens_at.isoformat(), "closes_at": row.closes_at.isoformat(), "open": row.open_at(now),
            "status": "公示中，非正式发布" if row.open_at(now) else "公示已结束",
            "entries": [{"nomination_id": i.nomination_id, "title": i.title, "domain": i.domain,
                         "domain_name": names.get(i.domain or ""), "holder_org": i.holder_org,
                         "unit_name": i.unit_name}
                        for i in await public.notice_items(conn, row, dict(nominating_bodies(campaign)))]}


@router.post("/notices/{notice_id}/objections", status_code=201, summary="实名提出异议（公众，无须登录）",
             responses={429: {"description": "同一来源提出异议过于频繁（too_many_objections），请稍后再试"}})
async def post_objection(campaign: str, notice_id: UUID, body: ObjectionBody, request: Request):
    fields = dict(nomination_id=body.nomination_id, name=body.name, organisation=body.organisation,
                  contact=body.contact, grounds=body.grounds)
    req = await public_write(request)
    return reply_response(await handlers.file_objection(service_of(request), req, campaign, notice_id, fields,
                                                        client_key(request)))


@router.get("/objections", summary="异议列表，含异议人联系方式（仅秘书处）")
async def list_objections(campaign: str, request: Request, list_code: str | None = Query(None, max_length=64),
                          caller: Identity = Depends(secretariat)) -> dict[str, Any]:
    async with pool(request).acquire() as conn:
        return {"campaign": campaign, "objections": await store.objections(conn, campaign, list_code)}


@router.post("/objections/{objection_id}/resolution", summary="处理异议：成立或不成立（秘书处）")
async def resolve_objection(campaign: str, objection_id: UUID, body: ResolutionBody, request: Request,
                            req: WriteRequest = Depends(secretariat_writing)):
    return reply_response(await handlers.resolve_objection(service_of(request), req, campaign, objection_id,
                                                           body.upheld, body.note))
