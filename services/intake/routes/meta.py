"""Health, the service's clock, and what an applicant needs to know about a campaign."""

from __future__ import annotations

from fastapi import APIRouter, Request

from eventlog.clock import header_clock_allowed
from eventlog.http.front_door import now_for, service_of
from services.intake.domain.rules import deadline_text

from .common import json_response, problems

router = APIRouter(tags=["服务"])


@router.get("/v1/clock", summary="服务当前采用的时间（可注入的时钟）")
async def clock(request: Request):
    return json_response({"now": now_for(request).isoformat(), "header_override": header_clock_allowed()})


@router.get("/v1/campaigns/{code}", responses=problems(422), summary="评选活动：榜单、领域与申报截止时间")
async def campaign(code: str, request: Request):
    svc = service_of(request)
    c = await svc.campaigns.knowing(code)
    now = now_for(request)
    async with svc.pool.acquire() as conn:
        units = await conn.fetchval("SELECT count(*) FROM intake.units WHERE campaign = $1", code)
    return json_response({
        "registered_units": units,
        "code": c.code, "title": c.title, "submission_closes_at": c.timeline.submission_closes_at.isoformat(),
        "deadline": deadline_text(c), "submissions_open": c.timeline.collection_opens_at <= now
        and c.submissions_open(now), "phase": c.phase_at(now),
        "lists": [{"code": lst.code, "name": lst.name, "domains": [{"code": d.code, "name": d.name} for d in lst.domains],
                   "quota_per_unit": lst.quota_per_unit, "separately_organised": lst.separately_organised}
                  for lst in c.lists]})
