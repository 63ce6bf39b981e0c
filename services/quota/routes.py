"""Quota service HTTP routes: the unit registry (secretariat) and each unit's quota use (read model)."""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Depends, File, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from contracts.errors import DomainError, NotFound
from contracts.events import UnitChannelsChanged, UnitRegistered, unit_key
from contracts.identity import Identity
from contracts.topics import NOMINATIONS
from eventlog.auth import requires

from . import usage
from .registry import ImportRefused, check_registration, parse_sheet

router = APIRouter(prefix="/v1/campaigns/{campaign}")
secretariat = requires("secretariat")
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class UnitRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"unit_id": "cast-prov-zj", "name": "浙江省科学技术协会", "channels": ["provincial_cast"]}]})
    unit_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    channels: list[str] = Field(min_length=1, max_length=20)


class ChannelChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channels: list[str] = Field(min_length=1, max_length=20)
    reason: str = Field(min_length=1, max_length=500)


async def _campaign(request: Request, code: str):
    found = await request.app.state.campaign_for(code)
    if found is None:
        raise NotFound(f"未找到活动：{code}", code="unknown_campaign")
    return found


def _envelope(campaign: str, unit_id: str, caller: Identity) -> dict:
    return dict(occurred_at=datetime.now(timezone.utc), campaign=campaign, key=unit_key(campaign, unit_id),
                actor=caller.actor())


@router.post("/units", status_code=201, summary="登记推荐单位及其推荐渠道")
async def register_unit(campaign: str, body: UnitRegistration, request: Request,
                        caller: Identity = Depends(secretariat)) -> dict:
    c = await _campaign(request, campaign)
    reg = check_registration(c, body.unit_id, body.name, body.channels)
    event = UnitRegistered(unit_id=reg.unit_id, name=reg.name, channels=reg.channels,
                           **_envelope(campaign, reg.unit_id, caller))
    await request.app.state.publisher.publish(NOMINATIONS, event)
    return {"unit_id": reg.unit_id, "channels": list(reg.channels), "event_id": str(event.event_id)}


@router.put("/units/{unit_id}/channels", summary="变更推荐单位的推荐渠道")
async def change_channels(campaign: str, unit_id: str, body: ChannelChange, request: Request,
                          caller: Identity = Depends(secretariat)) -> dict:
    c = await _campaign(request, campaign)
    async with request.app.state.pool.acquire() as conn:
        if not await usage.unit_exists(conn, campaign, unit_id):
            raise NotFound(f"推荐单位未登记：{unit_id}", code="unknown_unit")
    reg = check_registration(c, unit_id, unit_id, body.channels)
    event = UnitChannelsChanged(unit_id=unit_id, channels=reg.channels, reason=body.reason,
                                **_envelope(campaign, unit_id, caller))
    await request.app.state.publisher.publish(NOMINATIONS, event)
    return {"unit_id": unit_id, "channels": list(reg.channels), "event_id": str(event.event_id)}


@router.post("/units/import", status_code=201, summary="批量导入推荐单位（CSV 或 XLSX，全部成功或全部不导入）")
async def import_units(campaign: str, request: Request, file: UploadFile = File(...),
                       caller: Identity = Depends(secretariat)) -> dict:
    c = await _campaign(request, campaign)
    content = await file.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise DomainError("导入文件超过 5 MiB。", code="payload_too_large", http_status=413)
    try:
        registrations = parse_sheet(c, file.filename or "", content)
    except ImportRefused as refused:
        raise DomainError(refused.message, code=refused.code, http_status=422, errors=[
            {"line": p.line, "field": p.field, "message": p.reason} for p in refused.problems]) from None
    events = [UnitRegistered(unit_id=r.unit_id, name=r.name, channels=r.channels,
                             **_envelope(campaign, r.unit_id, caller)) for r in registrations]
    await request.app.state.publisher.publish_many([(NOMINATIONS, e) for e in events])
    return {"imported": len(events)}


@router.get("/units/{unit_id}/quota", summary="推荐单位的名额使用情况（每个榜单/领域）")
async def unit_quota(campaign: str, unit_id: str, request: Request,
                     caller: Identity = Depends(requires("unit", "secretariat"))) -> dict:
    if caller.role == "unit" and caller.org != unit_id:
        raise NotFound("未找到该推荐单位。", code="unknown_unit")  # never confirm another unit exists
    c = await _campaign(request, campaign)
    async with request.app.state.pool.acquire() as conn:
        found = await usage.unit_usage(conn, c, unit_id)
    if found is None:
        raise NotFound("未找到该推荐单位。", code="unknown_unit")
    return found

