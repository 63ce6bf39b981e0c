"""Nominations: a unit's (or a review body's) direct recommendation, amendment, withdrawal and reads."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from contracts.identity import Identity
from eventlog.http.auth import requires
from eventlog.http.front_door import WriteRequest, service_of, writer
from services.intake import handlers, views
from services.intake.domain.access import NOMINATOR_ROLES, READER_ROLES, nomination_not_found, sees_nomination
from services.intake.schemas import Accepted, AmendRequest, NominationRequest, ReasonRequest

from .common import Paging, answer, json_response, paging, problems

router = APIRouter(tags=["推荐（推荐单位 / 评审机构）"])
nominator, reader, nominating = requires(*NOMINATOR_ROLES), requires(*READER_ROLES), writer(*NOMINATOR_ROLES)


@router.post("/v1/nominations", status_code=202, response_model=Accepted, responses=problems(409, 413, 422, 503),
             summary="直接推荐（提交推荐表）")
async def submit_nomination(body: NominationRequest, request: Request, req: WriteRequest = Depends(nominating)):
    """The unit's recommendation without an applicant stage; with `Idempotency-Key` a retry is answered once."""
    return answer(await handlers.submit_nomination(service_of(request), req, body))


@router.put("/v1/nominations/{nomination_id}", responses=problems(404, 409, 422, 503),
            summary="修改推荐（截止前；退回补正的，补正期限前）")
async def amend_nomination(nomination_id: UUID, body: AmendRequest, request: Request,
                           req: WriteRequest = Depends(nominating)):
    """A new revision of the form; the event carries the field-level difference."""
    return answer(await handlers.amend_nomination(service_of(request), req, nomination_id, body))


@router.post("/v1/nominations/{nomination_id}/withdraw", responses=problems(404, 409, 422, 503),
             summary="撤回推荐（截止前，须说明理由）")
async def withdraw_nomination(nomination_id: UUID, body: ReasonRequest, request: Request,
                              req: WriteRequest = Depends(nominating)):
    return answer(await handlers.withdraw_nomination(service_of(request), req, nomination_id, body.reason))


@router.post("/v1/nominations/{nomination_id}/withdrawal-request", responses=problems(404, 409, 422, 503),
             summary="申请撤回推荐（截止后、评审期间，须说明理由；由秘书处决定）")
async def request_withdrawal(nomination_id: UUID, body: ReasonRequest, request: Request,
                             req: WriteRequest = Depends(nominating)):
    """After the deadline a unit no longer withdraws by itself: it asks, once, with a reason; the secretariat
    grants (the nomination is withdrawn and leaves the review) or refuses. `GET /v1/nominations/{id}` shows
    the request's state in `withdrawal`."""
    return answer(await handlers.request_withdrawal(service_of(request), req, nomination_id, body.reason))


@router.post("/v1/nominations/{nomination_id}/resubmit", responses=problems(404, 409, 422, 503),
             summary="退回补正后重新提交（补正期限前），重新进入形式审查")
async def resubmit_nomination(nomination_id: UUID, request: Request, req: WriteRequest = Depends(nominating)):
    """A nomination the secretariat returned for correction: amend it (PUT) until the correction deadline,
    even after the campaign's, then resubmit it here."""
    return answer(await handlers.resubmit_nomination(service_of(request), req, nomination_id))


@router.get("/v1/nominations", responses=problems(), summary="本单位的推荐（含实时状态），分页")
async def my_nominations(request: Request, paging: Paging = Depends(paging), who: Identity = Depends(nominator),
                         campaign: str | None = Query(None, max_length=64), list_code: str | None = Query(None),
                         status: str | None = Query(None, pattern="^(submitted|reserved|rejected|released|withdrawn)$")):
    async with service_of(request).pool.acquire() as conn:
        rows, total = await views.nominations_of(conn, who.org, campaign=campaign, list_code=list_code,
                                                 status=status, offset=paging.offset, limit=paging.page_size)
    return json_response(paging.wrap([views.nomination_out(r, detail=False) for r in rows], total))


@router.get("/v1/nominations/{nomination_id}", responses=problems(404), summary="一条推荐的详情与状态")
async def get_nomination(nomination_id: UUID, request: Request, who: Identity = Depends(reader)):
    """Only the nominating unit (and the secretariat) sees a nomination; to anyone else it does not exist."""
    async with service_of(request).pool.acquire() as conn:
        row = await views.nomination(conn, nomination_id)
    if row is None or not sees_nomination(who, row["unit_id"]):
        raise nomination_not_found()
    return json_response(views.nomination_out(row))


@router.get("/v1/quota-use", responses=problems(422), summary="本单位的推荐名额使用情况")
async def my_quota_use(request: Request, campaign: str = Query(..., max_length=64, description="评选活动代码"),
                       who: Identity = Depends(requires("unit"))):
    svc = service_of(request)
    found = await svc.campaigns.knowing(campaign)
    async with svc.pool.acquire() as conn:
        return json_response(await views.quota_use(conn, found, who.org))
