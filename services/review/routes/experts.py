"""An expert's work: the queue of nominations assigned and not in conflict, conflicts, scores."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Request

from contracts.identity import Identity
from eventlog.http.auth import requires
from eventlog.http.front_door import WriteRequest, service_of
from eventlog.http.docs import ALREADY_SO, Paging, json_response, paging
from eventlog.http.problems import reply_response

from .. import handlers
from ..domain.commands import DeclareConflict, RecordScore
from ..schemas import NOMINATION, ConflictRequest, ScoreRequest, target_of
from ..views import review_queries
from .common import problems, review_writer

router = APIRouter(tags=["评审专家"])
expert, expert_writing = requires("expert"), review_writer("expert")


@router.get("/v1/review/me/queue", responses=problems(), summary="分配给我且无回避关系的推荐对象（表单与附件信息），分页")
async def my_queue(request: Request, paging: Paging = Depends(paging), who: Identity = Depends(expert)):
    async with service_of(request).pool.acquire() as conn:
        return json_response(await review_queries.expert_queue(conn, who.sub, paging.page, paging.page_size))


@router.put(NOMINATION + "/scores", responses=problems(404, 409, 422), summary="评分（各评价指标，须在方案的分数范围内；报送前可修改，复评期间修改须说明理由）")
async def record_score(campaign: str, list_code: str, domain: str, nomination_id: UUID, body: ScoreRequest,
                       request: Request, req: WriteRequest = Depends(expert_writing)):
    cmd = RecordScore(req.who, target_of(campaign, list_code, domain), nomination_id, body.scores, body.reason)
    return reply_response(await handlers.record_score(service_of(request), req, cmd))


@router.post(NOMINATION + "/conflict", status_code=201, responses={**problems(404, 409, 422), **ALREADY_SO},
             summary="声明回避（同单位、合作关系、亲属、利益相关、其他）：退出该推荐对象的评审，另行补派专家")
async def declare_conflict(campaign: str, list_code: str, domain: str, nomination_id: UUID, body: ConflictRequest,
                           request: Request, req: WriteRequest = Depends(expert_writing)):
    cmd = DeclareConflict(req.who, target_of(campaign, list_code, domain), nomination_id, body.reason_code, body.reason)
    return reply_response(await handlers.declare_conflict(service_of(request), req, cmd))
