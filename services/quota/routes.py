"""Quota service HTTP routes: the unit registry (secretariat) and each unit's quota use (read model).

Registry commands run through the unit of work: the unit locked, its registry record loaded, the pure
decide (domain/registry.py), the record and the events' outbox rows saved together, published, answered.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Request, UploadFile
from pydantic import ConfigDict, Field

from contracts.errors import DomainError, NotFound
from contracts.identity import Identity
from eventlog.auth import requires
from eventlog.clock import request_clock
from eventlog.http_bodies import RequestBody
from eventlog.http_docs import ALREADY_SO
from eventlog.http_problems import reply_response
from eventlog.idempotency import Reply, idempotent_request

from . import usage
from .domain.registry import ChangeChannels, ImportUnits, RegisterUnit, RegistryContext, unit_ids_in
from .steps import registry_step
from .unit_sheet import sheet_rows

router = APIRouter(prefix="/v1/campaigns/{campaign}")
secretariat = requires("secretariat")
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class UnitRegistration(RequestBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"unit_id": "cast-prov-zj", "name": "浙江省科学技术协会", "channels": ["provincial_cast"]}]})
    unit_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    channels: list[str] = Field(min_length=1, max_length=20)


class ChannelChange(RequestBody):
    model_config = ConfigDict(extra="forbid")
    channels: list[str] = Field(min_length=1, max_length=20)
    reason: str = Field(min_length=1, max_length=500)


async def _registry_command(request: Request, caller: Identity, unit_ids: list[str], command, answer,
                            content: bytes | None = None) -> Reply:
    """Run one registry command through the unit of work (an Idempotency-Key makes a retry answer once;
    `content`: what the key's fingerprint covers when the body is not JSON)."""
    found = await request.app.state.campaigns.knowing(request.path_params["campaign"])
    context = RegistryContext(found, now_for(request), caller.actor())
    idem = idempotent_request(caller.org, request.headers.get("idempotency-key"), request.method, request.url.path,
                              await request.body() if content is None else content)
    return await request.app.state.uow.run(registry_step(context, unit_ids, command, answer), idem)


def now_for(request: Request):
    return request_clock(request.app.state.clock, request.headers).now()


@router.post("/units", status_code=201, responses=ALREADY_SO, summary="登记推荐单位及其推荐渠道")
async def register_unit(campaign: str, body: UnitRegistration, request: Request,
                        caller: Identity = Depends(secretariat)):
    def answer(state, events) -> Reply:
        reg = events[0] if events else state[body.unit_id]
        return Reply(201 if events else 200, {"unit_id": reg.unit_id, "channels": list(reg.channels),
                                              "event_id": str(events[0].event_id) if events else None})

    cmd = RegisterUnit(body.unit_id, body.name, tuple(body.channels))
    return reply_response(await _registry_command(request, caller, [body.unit_id], cmd, answer))


@router.put("/units/{unit_id}/channels", summary="变更推荐单位的推荐渠道")
async def change_channels(campaign: str, unit_id: str, body: ChannelChange, request: Request,
                          caller: Identity = Depends(secretariat)):
    def answer(state, events) -> Reply:
        channels = events[0].channels if events else state[unit_id].channels
        return Reply(200, {"unit_id": unit_id, "channels": list(channels),
                           "event_id": str(events[0].event_id) if events else None})

    cmd = ChangeChannels(unit_id, tuple(body.channels), body.reason)
    return reply_response(await _registry_command(request, caller, [unit_id], cmd, answer))


@router.post("/units/import", status_code=201, summary="批量导入推荐单位（CSV 或 XLSX，全部成功或全部不导入）")
async def import_units(campaign: str, request: Request, file: UploadFile = File(...),
                       caller: Identity = Depends(secretariat)):
    content = await file.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise DomainError("导入文件超过 5 MiB。", code="payload_too_large", http_status=413)
    rows = sheet_rows(content)
    cmd = ImportUnits(rows)
    reply = await _registry_command(request, caller, unit_ids_in(rows), cmd,
                                    lambda state, events: Reply(201, {"imported": len(events)}), content)
    return reply_response(reply)


@router.get("/units/{unit_id}/quota", summary="推荐单位的名额使用情况（每个榜单/领域）")
async def unit_quota(campaign: str, unit_id: str, request: Request,
                     caller: Identity = Depends(requires("unit", "secretariat"))) -> dict:
    if caller.role == "unit" and caller.org != unit_id:
        raise NotFound("未找到该推荐单位。", code="unknown_unit")  # never confirm another unit exists
    c = await request.app.state.campaigns.knowing(campaign)
    async with request.app.state.pool.acquire() as conn:
        found = await usage.unit_usage(conn, c, unit_id)
    if found is None:
        raise NotFound("未找到该推荐单位。", code="unknown_unit")
    return found
