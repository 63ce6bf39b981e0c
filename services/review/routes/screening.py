"""Formal screening (形式审查) by the secretariat: the queue of nominations holding a slot, and the verdict; and the
secretariat's answer to a unit's request to withdraw a nomination during the review."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from contracts.deadline_text import end_of_day
from contracts.identity import Identity
from eventlog.http.auth import requires
from eventlog.http.front_door import WriteRequest, service_of
from eventlog.http.docs import ALREADY_SO, Paging, json_response, paging
from eventlog.http.problems import reply_response

from .. import handlers
from ..domain.commands import ReturnForCorrection, Screen
from ..domain.withdrawals import AnswerWithdrawal
from ..schemas import ReturnRequest, ScreeningRequest, WithdrawalAnswerRequest
from ..views import review_queries
from .common import campaign_of, problems, review_writer

router = APIRouter(tags=["形式审查（秘书处）"])
secretariat, secretariat_writing = requires("secretariat"), review_writer("secretariat")


@router.get("/v1/review/campaigns/{campaign}/screening", responses=problems(404),
            summary="形式审查队列：占用名额（或另行组织榜单已受理）的推荐，分页")
async def screening_queue(campaign: str, request: Request, paging: Paging = Depends(paging),
                          status: str | None = Query(None, pattern="^(pending|passed|failed|returned)$"),
                          list_code: str | None = Query(None, max_length=64, description="只看该榜单"),
                          domain: str | None = Query(None, max_length=64, description="只看该领域"),
                          who: Identity = Depends(secretariat)):
    await campaign_of(request, campaign)
    async with service_of(request).pool.acquire() as conn:
        return json_response(await review_queries.screening_queue(conn, campaign, paging.page, paging.page_size, status,
                                                                  list_code, domain))


@router.post("/v1/review/nominations/{nomination_id}/screening", status_code=201, responses={**problems(404, 409, 422), **ALREADY_SO},
             summary="形式审查结论：通过，或不通过并说明理由（不通过则释放名额、退出评审）")
async def screen(nomination_id: UUID, body: ScreeningRequest, request: Request,
                 req: WriteRequest = Depends(secretariat_writing)):
    cmd = Screen(req.who, nomination_id, body.passed, tuple(body.reasons))
    return reply_response(await handlers.screen(service_of(request), req, cmd))


@router.post("/v1/review/nominations/{nomination_id}/return", status_code=201,
             responses={**problems(404, 409, 422), **ALREADY_SO},
             summary="退回补正：说明理由并给出补正期限；推荐单位可在期限前修改并重新提交，重新提交后再行审查")
async def return_for_correction(nomination_id: UUID, body: ReturnRequest, request: Request,
                                req: WriteRequest = Depends(secretariat_writing)):
    cmd = ReturnForCorrection(req.who, nomination_id, tuple(body.reasons), end_of_day(body.correction_due))
    return reply_response(await handlers.return_for_correction(service_of(request), req, cmd))


@router.post("/v1/review/nominations/{nomination_id}/withdrawal", status_code=201,
             responses={**problems(404, 409, 422), **ALREADY_SO},
             summary="推荐单位评审期间申请撤回：同意（该推荐撤回、退出评审）或不同意，须说明理由")
async def answer_withdrawal(nomination_id: UUID, body: WithdrawalAnswerRequest, request: Request,
                            req: WriteRequest = Depends(secretariat_writing)):
    cmd = AnswerWithdrawal(req.who, nomination_id, body.decision == "grant", body.reason)
    return reply_response(await handlers.answer_withdrawal(service_of(request), req, cmd))
