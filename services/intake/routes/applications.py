"""The applicant's stage: drafts, sending to the recommending unit, and the unit's queue and answers."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from contracts.identity import Identity
from eventlog.http.auth import requires
from eventlog.http.front_door import WriteRequest, service_of, writer
from services.intake import handlers, views
from services.intake.domain.access import application_not_found, sees_application
from services.intake.domain.commands import (
    DeclineApplication,
    RecommendApplication,
    ReturnApplication,
    SendApplication,
    recommended_nomination_id,
)
from services.intake.schemas import (
    ApplicationAccepted,
    ApplicationRequest,
    CommentsRequest,
    ReasonRequest,
    RecommendRequest,
)

from .common import Paging, answer, json_response, paging, problems

router = APIRouter(tags=["申报（申报单位 → 推荐单位）"])
applicant, unit = requires("applicant"), requires("unit")
applying, unit_writing = writer("applicant"), writer("unit")
STATUS = Query(None, pattern="^(draft|sent|returned|declined|recommended)$")


async def _run(request: Request, req: WriteRequest, cmd, status: int = 200):
    return answer(await handlers.run_application(service_of(request), req, cmd, status))


async def _save(request: Request, req: WriteRequest, body: ApplicationRequest, application_id: UUID | None):
    return answer(await handlers.save_application(service_of(request), req, body, application_id))


@router.post("/v1/applications", status_code=201, response_model=ApplicationAccepted,
             responses=problems(413, 422, 503), summary="新建申报（保存草稿，第1版）")
async def create_application(body: ApplicationRequest, request: Request, req: WriteRequest = Depends(applying)):
    return await _save(request, req, body, None)


@router.put("/v1/applications/{application_id}", response_model=ApplicationAccepted,
            responses=problems(404, 409, 413, 422, 503), summary="保存草稿（每次保存为新版本）")
async def save_application(application_id: UUID, body: ApplicationRequest, request: Request,
                           req: WriteRequest = Depends(applying)):
    return await _save(request, req, body, application_id)


@router.post("/v1/applications/{application_id}/send", response_model=ApplicationAccepted,
             responses=problems(404, 409, 422, 503), summary="报送推荐单位")
async def send_application(application_id: UUID, request: Request, req: WriteRequest = Depends(applying)):
    return await _run(request, req, SendApplication(req.who, application_id))


@router.post("/v1/applications/{application_id}/return", response_model=ApplicationAccepted,
             responses=problems(404, 409, 422, 503), summary="推荐单位退回修改（附意见）")
async def return_application(application_id: UUID, body: CommentsRequest, request: Request,
                             req: WriteRequest = Depends(unit_writing)):
    return await _run(request, req, ReturnApplication(req.who, application_id, body.comments))


@router.post("/v1/applications/{application_id}/decline", response_model=ApplicationAccepted,
             responses=problems(404, 409, 503), summary="推荐单位不予推荐（附理由）")
async def decline_application(application_id: UUID, body: ReasonRequest, request: Request,
                              req: WriteRequest = Depends(unit_writing)):
    return await _run(request, req, DeclineApplication(req.who, application_id, body.reason))


@router.post("/v1/applications/{application_id}/recommend", status_code=202, response_model=ApplicationAccepted,
             responses=problems(404, 409, 422, 503), summary="推荐（附推荐意见）：形成推荐，进入名额审核")
async def recommend_application(application_id: UUID, body: RecommendRequest, request: Request,
                                req: WriteRequest = Depends(unit_writing)):
    cmd = RecommendApplication(req.who, application_id, recommended_nomination_id(application_id), body.opinion)
    return await _run(request, req, cmd, status=202)


async def _page(request: Request, paging: Paging, side: str, org: str, status: str | None):
    """One page of the applications `org` made (side "applicant") or was sent (side "unit")."""
    async with service_of(request).pool.acquire() as conn:
        rows, total = await views.applications_where(conn, side, org, status=status,
                                                     offset=paging.offset, limit=paging.page_size)
    return json_response(paging.wrap([views.application_out(r, detail=False) for r in rows], total))


@router.get("/v1/applications", responses=problems(), summary="我的申报，分页")
async def my_applications(request: Request, paging: Paging = Depends(paging), who: Identity = Depends(applicant),
                          status: str | None = STATUS):
    return await _page(request, paging, "applicant", who.org, status)


@router.get("/v1/unit/applications", responses=problems(), summary="报送本单位的申报（待处理队列），分页")
async def unit_queue(request: Request, paging: Paging = Depends(paging), who: Identity = Depends(unit),
                     status: str | None = STATUS):
    return await _page(request, paging, "unit", who.org, status)


@router.get("/v1/applications/{application_id}", responses=problems(404), summary="一份申报的详情")
async def get_application(application_id: UUID, request: Request,
                          who: Identity = Depends(requires("applicant", "unit", "secretariat"))):
    async with service_of(request).pool.acquire() as conn:
        row = await views.application(conn, application_id)
    if row is None or not sees_application(who, row["applicant_id"], row["unit_id"], row["ever_sent"]):
        raise application_not_found()
    return json_response(views.application_out(row))
