"""An expert's work: the queue of nominations assigned and not in conflict, conflicts, scores."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Depends, Request

from contracts.identity import Identity
from eventlog.auth import requires
from eventlog.http_docs import ALREADY_SO, Paging, json_response, paging
from eventlog.http_problems import reply_response
from eventlog.idempotency import IdempotentRequest, Reply

from ..domain.commands import DeclareConflict, RecordScore
from ..domain.targets import managed_by
from ..schemas import ConflictRequest, ScoreRequest
from ..steps import score_step, target_step
from ..views import review_queries
from .common import campaign_of, idempotency_of, now_for, problems, run, target_of, write_side

router = APIRouter(tags=["评审专家"])
expert = requires("expert")
NOMINATION = "/v1/review/campaigns/{campaign}/targets/{list_code}/{domain}/nominations/{nomination_id}"


@router.get("/v1/review/me/queue", responses=problems(), summary="分配给我且无回避关系的推荐对象（表单与附件信息），分页")
async def my_queue(request: Request, paging: Paging = Depends(paging), who: Identity = Depends(expert)):
    async with write_side(request).pool.acquire() as conn:
        return json_response(await review_queries.expert_queue(conn, who.sub, paging.page, paging.page_size))


async def _target(request: Request, who: Identity, campaign: str, list_code: str, domain: str):
    found = await campaign_of(request, campaign)
    target = target_of(campaign, list_code, domain)
    managed_by(found, target, who.org)  # an expert of another body: the target does not exist
    return found, target


@router.put(NOMINATION + "/scores", responses=problems(404, 409, 422), summary="评分（各评价指标，须在方案的分数范围内；报送前可修改）")
async def record_score(campaign: str, list_code: str, domain: str, nomination_id: UUID, body: ScoreRequest,
                       request: Request, who: Identity = Depends(expert)):
    idem = idempotency_of(who, request.headers, request.method, request.url.path, await request.body())
    return reply_response(await score(request.app, who, campaign, list_code, domain, nomination_id, body, now_for(request),
                                      idem))


async def score(app, who: Identity, campaign: str, list_code: str, domain: str, nomination_id: UUID,
                body: ScoreRequest, now: datetime, idem: IdempotentRequest | None) -> Reply:
    """The route's work, for the route and the fast lane (fast_lane.py) alike."""
    found = await app.state.ws.campaigns.knowing(campaign)
    target = target_of(campaign, list_code, domain)
    managed_by(found, target, who.org)  # an expert of another body: the target does not exist
    cmd = RecordScore(who, target, nomination_id, body.scores)

    def answer(state, events) -> Reply:
        total = events[0].total if events else None
        return Reply(200, {"nomination_id": str(nomination_id), "total": str(total) if total is not None else None,
                           "event_id": str(events[0].event_id) if events else None})

    return await app.state.scores.run(score_step(cmd, found, now, answer), idem)


@router.post(NOMINATION + "/conflict", status_code=201, responses={**problems(404, 409, 422), **ALREADY_SO},
             summary="声明回避（同单位、合作关系、亲属、利益相关、其他）：退出该推荐对象的评审，另行补派专家")
async def declare_conflict(campaign: str, list_code: str, domain: str, nomination_id: UUID, body: ConflictRequest,
                           request: Request, who: Identity = Depends(expert)):
    found, target = await _target(request, who, campaign, list_code, domain)
    cmd = DeclareConflict(who, target, nomination_id, body.reason_code, body.reason)

    def answer(state, events) -> Reply:
        replaced = [e.expert_id for e in events if e.type == "ExpertAssigned"]
        return Reply(201 if events else 200, {"nomination_id": str(nomination_id), "recorded": bool(events),
                                              "replaced_by": len(replaced)})

    return await run(request, who, target_step(cmd, found, now_for(request), answer))
