"""Release routes: the secretariat publishes a list (ListPublished; again, with a reason, for a correction),
at once or scheduled for an instant (an embargo until the annual meeting); anyone reads the published lists,
their earlier versions and the release files, and an embargoed version only once its instant has come
(before it, the secretariat alone, as a preview; to the others it is not released: 404)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Request, Response
from pydantic import AwareDatetime, ConfigDict, Field

from contracts.errors import NotFound
from eventlog.http.front_door import WriteRequest, now_for, service_of, writer
from eventlog.http.bodies import RequestBody
from eventlog.http.problems import reply_response

from .. import handlers, public
from ..domain.corrections import MAX_CHANGES, EntryChange
from ..domain.embargo import shown
from ..domain.order import ORDER_DECLARATION
from ..release.assemble import current_versions, list_release
from ..release.json_file import list_document
from .common import campaign_of, pool, previewing

router = APIRouter(prefix="/v1/publish/campaigns/{campaign}", tags=["发布"])
secretariat_writing = writer("secretariat")
MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


class ReleaseBody(RequestBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {}, {"public_at": "2023-02-20T09:30:00+08:00"}, {"reason": "更正一项的持有单位名称。"}]})
    reason: str = Field(default="", max_length=2000, description="更正原因：发布更正版本时必填")
    public_at: AwareDatetime | None = Field(default=None, description=(
        "定时公开（如年度会议 2023-02-20T09:30:00+08:00，须带时区且晚于现在）：此前仅秘书处可预览，"
        "届时自动公开；不填则立即公开（更正版本不填时沿用所更正版本尚未到来的公开时间）"))


@router.post("/lists/{list_code}/release", status_code=201, summary="发布榜单（秘书处）；再次发布即更正版本，须说明原因")
async def publish_list(campaign: str, list_code: str, request: Request, body: ReleaseBody = Body(ReleaseBody()),
                       req: WriteRequest = Depends(secretariat_writing)):
    return reply_response(await handlers.publish_list(service_of(request), req, campaign, list_code, body.reason,
                                                      body.public_at))


class EntryChangeBody(RequestBody):
    model_config = ConfigDict(extra="forbid")
    nomination_id: UUID
    reason: str = Field(max_length=2000, description="该项更正或撤销的原因（必填）")
    title: str | None = Field(default=None, max_length=1000, description="更正后的名称")
    holder_org: str | None = Field(default=None, max_length=1000, description="更正后的持有单位")
    unit_name: str | None = Field(default=None, max_length=1000, description="更正后的推荐单位名称")
    revoke: bool = Field(default=False, description="true：撤销该项（不得同时更正其信息）")


class CorrectionBody(RequestBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "更正一项成果名称，撤销一项经查实不符合条件的成果。", "changes": [
            {"nomination_id": "6f1c1d0e-4b8a-4d5e-9b7a-2f0c8d1e5a01", "title": "高性能碳纤维复合材料",
             "reason": "推荐单位来函更正名称笔误。"},
            {"nomination_id": "0b8e3c52-29a4-4c1e-a3cf-3f8de2a7c9b4", "revoke": True,
             "reason": "经核查，该成果存在知识产权纠纷。"}]}]})
    reason: str = Field(max_length=2000, description="本次更正的原因（必填）")
    changes: list[EntryChangeBody] = Field(max_length=MAX_CHANGES, description="逐项更正或撤销，各附原因")


@router.post("/lists/{list_code}/corrections", status_code=201,
             summary="更正榜单条目（秘书处）：名称、持有单位、推荐单位名称，或撤销；发布后即为新版本")
async def correct_entries(campaign: str, list_code: str, body: CorrectionBody, request: Request,
                          req: WriteRequest = Depends(secretariat_writing)):
    changes = tuple(EntryChange(c.nomination_id, c.reason, c.title, c.holder_org, c.unit_name, c.revoke)
                    for c in body.changes)
    return reply_response(await handlers.correct_entries(service_of(request), req, campaign, list_code, body.reason,
                                                         changes))


@router.get("/lists", summary="已发布的榜单（当前版本）")
async def published_lists(campaign: str, request: Request) -> dict[str, Any]:
    found = await campaign_of(request, campaign)
    versions = await _shown_versions(request, campaign)
    current = current_versions(versions)
    lists = [list_document(list_release(found, current[lst.code])) for lst in found.lists if lst.code in current]
    return {"campaign": campaign, "order": ORDER_DECLARATION, "lists": lists}


@router.get("/lists/{list_code}/versions", summary="榜单的全部已发布版本")
async def list_versions(campaign: str, list_code: str, request: Request) -> dict[str, Any]:
    found = await campaign_of(request, campaign)
    found.ranking_list(list_code)
    versions = [v for v in await _shown_versions(request, campaign) if v.list_code == list_code]
    if not versions:
        raise NotFound("该榜单尚未发布。", code="list_not_published")
    return {"campaign": campaign, "list_code": list_code,
            "versions": [{"version": v.version, "event_id": v.event_id, "reason": v.reason or None,
                          "released_on": list_release(found, v).released_on.isoformat()} for v in versions]}


@router.get("/lists/{list_code}/versions/{version}", summary="榜单的某一已发布版本")
async def list_version(campaign: str, list_code: str, version: int, request: Request) -> dict[str, Any]:
    found = await campaign_of(request, campaign)
    found.ranking_list(list_code)
    match = [v for v in await _shown_versions(request, campaign) if v.list_code == list_code and v.version == version]
    if not match:
        raise NotFound("未找到该榜单的这一版本。", code="version_not_found")
    return list_document(list_release(found, match[0]))


_FILE_ANSWER = {200: {"description": "文件内容（按扩展名）", "content": {
    media: ({} if media == MEDIA["json"] else {"schema": {"type": "string", "format": "binary"}})
    for media in MEDIA.values()}}}


@router.get("/release/{file}", summary="发布文件（release.json/.csv/.xlsx/.pdf、manifest.json）",
            responses={**_FILE_ANSWER, 503: {"description": "本机缺少生成该文件的软件包（renderer_unavailable）"}})
async def release_file(campaign: str, file: str, request: Request) -> Response:
    found = await campaign_of(request, campaign)
    preview = await previewing(request)
    async with pool(request).acquire() as conn:
        built = await service_of(request).own.files(conn, found, now_for(request), preview)
    if built and file in built.unavailable:  # 503 renderer_unavailable: this file only, the others are served
        raise built.unavailable[file].error()
    if not built or file not in built.files:
        raise NotFound("未找到该发布文件（榜单可能尚未发布）。", code="release_file_not_found")
    media = MEDIA.get(file.rsplit(".", 1)[-1], "application/octet-stream")
    return Response(built.files[file], media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{campaign}-{file}"', "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff"})


async def _shown_versions(request: Request, campaign: str):
    """The versions the caller sees now: embargoed ones only in the secretariat's preview."""
    preview = await previewing(request)
    async with pool(request).acquire() as conn:
        return shown(await public.versions(conn, campaign), now_for(request), preview)
