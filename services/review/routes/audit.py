"""A nomination's audit for the secretariat: every event about it on the log, who acted (role, organisation,
person), when and why, in the log's order (views/audit.py)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Request

from contracts.errors import NotFound
from contracts.identity import Identity
from eventlog.http.auth import requires
from eventlog.http.docs import json_response
from eventlog.http.front_door import service_of
from eventlog.write.read_your_writes import view_reaches

from ..views import AUDIT, audit_queries
from .common import problems

router = APIRouter(tags=["审计（秘书处）"])
secretariat = requires("secretariat")


@router.get("/v1/review/nominations/{nomination_id}/audit", responses=problems(404),
            summary="推荐对象的审计记录：有关它的每个事件，谁（角色、单位、经办人）、何时、为何")
async def nomination_audit(nomination_id: UUID, request: Request, who: Identity = Depends(secretariat)):
    state = service_of(request)
    events = await _audit(state.pool, nomination_id)
    # "Nothing about it" is said only once the view has applied the log as it ends now (bounded wait).
    if events is None and await view_reaches(state.pool, AUDIT.name, await state.log_ends.ends(AUDIT.topic_names())):
        events = await _audit(state.pool, nomination_id)
    if events is None:
        raise NotFound("未找到该推荐对象的任何记录。", code="nomination_not_found")
    return json_response({"nomination_id": str(nomination_id), "events": events})


async def _audit(pool, nomination_id: UUID) -> list[dict] | None:
    async with pool.acquire() as conn:
        return await audit_queries.nomination_audit(conn, nomination_id)
