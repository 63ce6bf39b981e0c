"""Matching requests (资源对接) and targeted packages (定向推介): a requester files a request on a listed entry; the
secretariat triages it; the holder (the entry's recommending unit) consents or declines; on consent both are
introduced and outcomes are recorded. Commands run through the unit of work (matching_steps.py), the rules are
domain/matching.py's and domain/packages.py's; reads are the matching view's (views/matching_queries.py)."""

from __future__ import annotations

import asyncio
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from contracts.errors import NotFound
from contracts.identity import Identity
from eventlog.http.auth import requires
from eventlog.http.front_door import WriteRequest, now_for, service_of, writer
from eventlog.http.problems import reply_response

from .. import match_store, matching_handlers
from ..domain import matching
from ..release import brochure
from ..views import matching_queries
from .common import campaign_of, pool

router = APIRouter(prefix="/v1/publish/campaigns/{campaign}", tags=["资源对接与定向推介"])
PARTIES = ("requester", "unit", "secretariat")
requester_writing, secretariat_writing = writer("requester"), writer("secretariat")
unit_writing, party_writing = writer("unit"), writer(*PARTIES)
party, secretariat = requires(*PARTIES), requires("secretariat")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MatchRequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"organisation": "某某产业园管理委员会", "kind": "landing", "need": "拟引进该技术在园区建设中试基地。",
         "region": "安徽省合肥市", "contact": "招商处 0551-00000000"}]})
    organisation: str = Field(max_length=1000, description="需求方单位名称")
    kind: Literal["tech_cooperation", "investment", "procurement", "landing", "talent"] = Field(
        description="对接类型：技术合作、投资、采购、落地、人才")
    need: str = Field(max_length=20_000, description="需求说明（持有方同意前可见）")
    region: str = Field(max_length=1000, description="所在地区")
    contact: str = Field(max_length=1000, description="联系方式（个人信息：持有方同意对接后才提供给持有方）")
    package_id: UUID | None = Field(default=None, description="来自定向推介时，推介包的编号")


class TriageBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"accepted": True}, {"accepted": False, "reason": "too_early", "note": "该技术尚处于实验室阶段。"}]})
    accepted: bool = Field(description="true：受理（征求持有方同意）；false：不予受理，须附原因代码")
    reason: Literal["not_a_fit", "too_early", "incomplete"] | None = Field(
        default=None, description="不予受理的原因：not_a_fit 需求不匹配、too_early 时机尚早、incomplete 信息不完整")
    note: str = Field(default="", max_length=20_000)


class ConsentBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"consent": True, "contact": "成果转化办公室 010-00000000"}, {"consent": False, "note": "暂无合作计划。"}]})
    consent: bool = Field(description="true：同意对接（须留联系方式，双方互换联系方式）；false：谢绝")
    contact: str = Field(default="", max_length=1000)
    note: str = Field(default="", max_length=20_000)


class OutcomeBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"outcome": "signed"}]})
    outcome: Literal["negotiating", "signed", "landed", "failed"] = Field(description="洽谈中、签约、落地、未成")
    note: str = Field(default="", max_length=20_000)


class PackageBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"audience": "安徽省各试点园区", "addresses": ["parks@example.gov.cn"], "list_code": "leading_tech",
         "region": "安徽"}]})
    audience: str = Field(max_length=1000, description="推介对象")
    addresses: list[str] = Field(default_factory=list, max_length=500, description="收件地址（经通知服务发送）")
    list_code: str | None = Field(default=None, max_length=64)
    domain: str | None = Field(default=None, max_length=64)
    region: str | None = Field(default=None, max_length=64, description="地区：在持有单位、推荐单位名称中匹配")
    keyword: str | None = Field(default=None, max_length=100)


@router.post("/entries/{nomination_id}/match-requests", status_code=201,
             summary="对上榜项目提出对接需求（对接需求方）；未上榜或已撤销的项目不受理")
async def request_match(campaign: str, nomination_id: UUID, body: MatchRequestBody, request: Request,
                        req: WriteRequest = Depends(requester_writing)):
    return reply_response(await matching_handlers.request_match(service_of(request), req, campaign, nomination_id,
                                                                body.model_dump()))


@router.get("/match-requests", summary="对接需求：需求方本单位的、持有方本单位项目的（已受理）、秘书处全部；不含联系方式")
async def list_requests(campaign: str, request: Request, status: str | None = Query(None, max_length=64),
                        nomination_id: UUID | None = None, caller: Identity = Depends(party)) -> dict[str, Any]:
    await campaign_of(request, campaign)
    async with pool(request).acquire() as conn:
        return {"campaign": campaign,
                "requests": await matching_queries.requests(conn, campaign, caller, status, nomination_id)}


@router.get("/match-requests/{match_id}", summary="一项对接需求（不含联系方式）")
async def get_request(campaign: str, match_id: UUID, request: Request,
                      caller: Identity = Depends(party)) -> dict[str, Any]:
    async with pool(request).acquire() as conn:
        found = await matching_queries.request(conn, campaign, match_id, caller)
    if found is None:
        raise matching.not_found()
    return found


@router.get("/match-requests/{match_id}/contacts",
            summary="对方的联系方式：双方对接后各见对方的；秘书处均可见；持有方同意前一律不提供")
async def get_contacts(campaign: str, match_id: UUID, request: Request,
                       caller: Identity = Depends(party)) -> dict[str, Any]:
    async with pool(request).acquire() as conn:
        match = await match_store.load_match(conn, campaign, match_id)
        if match is None or not matching.may_see(match.requester, match.holder_unit, match.status, caller):
            raise matching.not_found()
        sides = matching.contact_sides(match, caller)
        revealed = await match_store.contacts(conn, match)
    return {"match_id": str(match_id), "contacts": {side: revealed[side] for side in sides}}


@router.post("/match-requests/{match_id}/triage", summary="审核对接需求：受理，或附原因代码不予受理（秘书处）")
async def triage(campaign: str, match_id: UUID, body: TriageBody, request: Request,
                 req: WriteRequest = Depends(secretariat_writing)):
    cmd = matching.TriageMatch(match_id, body.accepted, body.reason, body.note)
    return reply_response(await matching_handlers.act_on_match(service_of(request), req, campaign, cmd))


@router.post("/match-requests/{match_id}/consent", summary="持有方同意（留联系方式，双方对接）或谢绝（持有方：推荐单位）")
async def consent(campaign: str, match_id: UUID, body: ConsentBody, request: Request,
                  req: WriteRequest = Depends(unit_writing)):
    cmd = matching.AnswerMatch(match_id, body.consent, body.contact, body.note)
    return reply_response(await matching_handlers.act_on_match(service_of(request), req, campaign, cmd))


@router.post("/match-requests/{match_id}/outcomes", summary="记录对接结果：洽谈中、签约、落地、未成（对接后；双方或秘书处）")
async def record_outcome(campaign: str, match_id: UUID, body: OutcomeBody, request: Request,
                         req: WriteRequest = Depends(party_writing)):
    cmd = matching.RecordOutcome(match_id, body.outcome, body.note)
    return reply_response(await matching_handlers.act_on_match(service_of(request), req, campaign, cmd))


@router.get("/match-statistics", summary="对接统计：按类型、状态、结果，及各推介包带来的需求（公众）")
async def match_statistics(campaign: str, request: Request) -> dict[str, Any]:
    await campaign_of(request, campaign)
    async with pool(request).acquire() as conn:
        return await matching_queries.statistics(conn, campaign)


@router.post("/packages", status_code=201, summary="发送定向推介：按榜单、领域、地区、关键词选出上榜项目（秘书处）")
async def send_package(campaign: str, body: PackageBody, request: Request,
                       req: WriteRequest = Depends(secretariat_writing)):
    return reply_response(await matching_handlers.send_package(service_of(request), req, campaign, body.model_dump()))


@router.get("/packages", summary="已发送的定向推介及其带来的对接需求（秘书处）")
async def list_packages(campaign: str, request: Request, caller: Identity = Depends(secretariat)) -> dict[str, Any]:
    async with pool(request).acquire() as conn:
        return {"campaign": campaign, "packages": await matching_queries.packages(conn, campaign)}


@router.get("/packages/{package_id}/{file}", summary="推介材料：brochure.pdf（手册）或 sheet.xlsx（表格）（无须登录：推介邮件的收件人由此下载）",
            response_class=Response)
async def package_file(campaign: str, package_id: UUID, file: Literal["brochure.pdf", "sheet.xlsx"],
                       request: Request) -> Response:
    """Public: a package holds only listed entries (public by nature) under the secretariat's audience label,
    and its mail's readers have no account; its address is its random id."""
    found = await campaign_of(request, campaign)
    async with pool(request).acquire() as conn:
        package = await matching_queries.package(conn, campaign, package_id)
        if package is None:
            raise NotFound("未找到该推介包。", code="package_not_found")
        # the entries as listed now (a package sent before a correction shows the corrected facts)
        listed = {str(e.nomination_id): e for e in await match_store.listed_entries(conn, campaign, now_for(request))}
    entries = [listed[n] for n in package["entries"] if n in listed]
    list_names = {lst.code: lst.name for lst in found.lists}
    domain_names = {d.code: d.name for lst in found.lists for d in lst.domains}
    table = brochure.rows(entries, list_names, domain_names,
                          lambda e: f"/campaigns/{campaign}/entries/{e.nomination_id}")
    name = f"package-{package_id}-{file}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if file == "sheet.xlsx":
        return Response(brochure.sheet_xlsx(package["audience"], table, package["sent_at"]), media_type=XLSX,
                        headers=disposition)
    title = f"{found.title} · 定向推介"
    pdf = await asyncio.to_thread(brochure.brochure_pdf, title, package["audience"], table, package["sent_at"])
    return Response(pdf, media_type="application/pdf", headers=disposition)
