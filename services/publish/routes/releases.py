"""Release routes: the secretariat publishes a list (ListPublished; again, with a reason, for a correction);
anyone reads the published lists, their earlier versions and the release files."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request, Response
from pydantic import ConfigDict, Field

from contracts.errors import NotFound
from eventlog.front_door import WriteRequest, service_of, writer
from eventlog.http_bodies import RequestBody
from eventlog.http_problems import reply_response

from .. import handlers, public
from ..domain.order import ORDER_DECLARATION
from ..release.assemble import current_versions, list_release
from ..release.json_file import list_document
from .common import campaign_of, pool

router = APIRouter(prefix="/v1/publish/campaigns/{campaign}", tags=["发布"])
secretariat_writing = writer("secretariat")
MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


class ReleaseBody(RequestBody):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=2000, description="更正原因：发布更正版本时必填")


@router.post("/lists/{list_code}/release", status_code=201, summary="发布榜单（秘书处）；再次发布即更正版本，须说明原因")
async def publish_list(campaign: str, list_code: str, request: Request, body: ReleaseBody = Body(ReleaseBody()),
                       req: WriteRequest = Depends(secretariat_writing)):
    return reply_response(await handlers.publish_list(service_of(request), req, campaign, list_code, body.reason))


@router.get("/lists", summary="已发布的榜单（当前版本）")
async def published_lists(campaign: str, request: Request) -> dict[str, Any]:
    found = await campaign_of(request, campaign)
    async with pool(request).acquire() as conn:
        versions = await public.versions(conn, campaign)
    current = current_versions(versions)
    lists = [list_document(list_release(found, current[lst.code])) for lst in found.lists if lst.code in current]
    return {"campaign": campaign, "order": ORDER_DECLARATION, "lists": lists}


@router.get("/lists/{list_code}/versions", summary="榜单的全部已发布版本")
async def list_versions(campaign: str, list_code: str, request: Request) -> dict[str, Any]:
    found = await campaign_of(request, campaign)
    found.ranking_list(list_code)
    async with pool(request).acquire() as conn:
        versions = [v for v in await public.versions(conn, campaign) if v.list_code == list_code]
    if not versions:
        raise NotFound("该榜单尚未发布。", code="list_not_published")
    return {"campaign": campaign, "list_code": list_code,
            "versions": [{"version": v.version, "event_id": v.event_id, "reason": v.reason or None,
                          "released_on": list_release(found, v).released_on.isoformat()} for v in versions]}


@router.get("/lists/{list_code}/versions/{version}", summary="榜单的某一已发布版本")
async def list_version(campaign: str, list_code: str, version: int, request: Request) -> dict[str, Any]:
    found = await campaign_of(request, campaign)
    found.ranking_list(list_code)
    async with pool(request).acquire() as conn:
        match = [v for v in await public.versions(conn, campaign) if v.list_code == list_code and v.version == version]
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
    async with pool(request).acquire() as conn:
        built = await service_of(request).own.release_files.files(conn, found)
    if built and file in built.unavailable:  # 503 renderer_unavailable: this file only, the others are served
        raise built.unavailable[file].error()
    if not built or file not in built.files:
        raise NotFound("未找到该发布文件（榜单可能尚未发布）。", code="release_file_not_found")
    media = MEDIA.get(file.rsplit(".", 1)[-1], "application/octet-stream")
    return Response(built.files[file], media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{campaign}-{file}"', "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff"})
