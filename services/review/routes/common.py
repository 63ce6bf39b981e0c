"""What every review route shares: the write side, the request's instant, targets from the URL,
running a step, and the OpenAPI entries of the problems the routes answer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import Request

from contracts.campaign import Campaign
from contracts.identity import Identity
from eventlog.clock import request_clock
from eventlog.http_docs import problem_docs
from eventlog.http_problems import reply_response
from eventlog.idempotency import IdempotentRequest, idempotent_request
from eventlog.unit_of_work import Command
from eventlog.write_side import WriteSide

from ..domain.targets import Target

NO_DOMAIN = "-"  # the URL's domain segment for a list without domains
VIEWS_BUILDING = ("views_building", "评审视图正在首次构建，请稍后再试。")

_EXAMPLES = {
    403: ("role_not_allowed", "该操作仅限评审机构。"),
    404: ("target_not_found", "未找到该评审对象（榜单/领域）。"),
    409: ("plan_locked", "评分已开始，评审方案已锁定，不能再修改。"),
    422: ("score_out_of_range", "分数须在 0–100 之间：“创新性”（innovation）为 120。"),
    503: ("outcome_unknown", "已受理，但尚未确认写入事件日志（稍后将自动补发）。"),
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return problem_docs(_EXAMPLES, *statuses)


def write_side(request: Request) -> WriteSide:
    return request.app.state.ws


def now_for(request: Request) -> datetime:
    return now_for_headers(request.app, request.headers)


def now_for_headers(app, headers: Mapping[str, str]) -> datetime:
    return request_clock(app.state.clock, headers).now()


async def campaign_of(request: Request, code: str) -> Campaign:
    return await write_side(request).campaigns.knowing(code)


def target_of(campaign: str, list_code: str, domain: str) -> Target:
    return Target(campaign, list_code, None if domain == NO_DOMAIN else domain)


def idempotency_of(who: Identity, headers: Mapping[str, str], method: str, path: str,
                   body: bytes) -> IdempotentRequest | None:
    """The request's Idempotency-Key, the caller's own (an expert's keys are theirs, not their body's)."""
    return idempotent_request(who.org + "/" + who.sub, headers.get("idempotency-key"), method, path, body)


async def run(request: Request, who: Identity, step: Command):
    """Run `step` through the unit of work; an Idempotency-Key makes a retry answer once."""
    idem = idempotency_of(who, request.headers, request.method, request.url.path, await request.body())
    return reply_response(await write_side(request).uow.run(step, idem))
