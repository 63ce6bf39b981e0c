"""Quota service HTTP routes: the unit registry (secretariat; its commands are handlers.py's) and each
unit's quota use (read model)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Request, UploadFile
from pydantic import ConfigDict, Field

from contracts.errors import DomainError, NotFound
from contracts.events import EmailAddress
from contracts.identity import Identity
from eventlog.http.auth import requires
from eventlog.http.front_door import WriteRequest, service_of, write_request, writer
from eventlog.http.bodies import RequestBody
from eventlog.http.docs import ALREADY_SO
from eventlog.http.problems import reply_response

from . import handlers, usage
from .domain.registry import ChangeChannels, ImportUnits, RegisterUnit
from .unit_sheet import sheet_rows

router = APIRouter(prefix="/v1/campaigns/{campaign}")
secretariat, registering = requires("secretariat"), writer("secretariat")
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class UnitRegistration(RequestBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"unit_id": "cast-prov-zj", "name": "浙江省科学技术协会", "channels": ["provincial_cast"],
         "contact_email": "tuijian@zast.example.cn"}]})
    unit_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    channels: list[str] = Field(min_length=1, max_length=20)
    contact_email: EmailAddress | None = Field(default=None, description="通知邮件的收件地址（可选）")


class ChannelChange(RequestBody):
    model_config = ConfigDict(extra="forbid")
    channels: list[str] = Field(min_length=1, max_length=20)
    reason: str = Field(min_length=1, max_length=500)


@router.post("/units", status_code=201, responses=ALREADY_SO, summary="登记推荐单位及其推荐渠道")
async def register_unit(campaign: str, body: UnitRegistration, request: Request,
                        req: WriteRequest = Depends(registering)):
    cmd = RegisterUnit(body.unit_id, body.name, tuple(body.channels), body.contact_email)
    return reply_response(await handlers.register_unit(service_of(request), req, campaign, cmd))


@router.put("/units/{unit_id}/channels", summary="变更推荐单位的推荐渠道")
async def change_channels(campaign: str, unit_id: str, body: ChannelChange, request: Request,
                          req: WriteRequest = Depends(registering)):
    cmd = ChangeChannels(unit_id, tuple(body.channels), body.reason)
    return reply_response(await handlers.change_channels(service_of(request), req, campaign, cmd))


@router.post("/units/import", status_code=201, summary="批量导入推荐单位（CSV 或 XLSX，全部成功或全部不导入）")
async def import_units(campaign: str, request: Request, file: UploadFile = File(...),
                       caller: Identity = Depends(secretariat)):
    content = await file.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise DomainError("导入文件超过 5 MiB。", code="payload_too_large", http_status=413)
    cmd = ImportUnits(sheet_rows(content))
    # The key's fingerprint covers the file, not the multipart body around it (its boundary is the client's).
    req = write_request(service_of(request), caller, request.headers, request.method, request.url.path, content)
    return reply_response(await handlers.import_units(service_of(request), req, campaign, cmd))


@router.get("/units/{unit_id}/quota", summary="推荐单位的名额使用情况（每个榜单/领域）")
async def unit_quota(campaign: str, unit_id: str, request: Request,
                     caller: Identity = Depends(requires("unit", "secretariat"))) -> dict:
    if caller.role == "unit" and caller.org != unit_id:
        raise NotFound("未找到该推荐单位。", code="unknown_unit")  # never confirm another unit exists
    state = service_of(request)
    c = await state.campaigns.knowing(campaign)
    async with state.pool.acquire() as conn:
        found = await usage.unit_usage(conn, c, unit_id)
    if found is None:
        raise NotFound("未找到该推荐单位。", code="unknown_unit")
    return found
