"""Nominations: a unit's (or a review body's) direct recommendation, amendment, withdrawal and reads."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Query, Request

from contracts.identity import Identity
from eventlog.auth import requires
from eventlog.idempotency import IdempotentRequest, Reply
from services.intake import attachments, views
from services.intake.domain.access import NOMINATOR_ROLES, READER_ROLES, nomination_not_found, sees_nomination
from services.intake.domain.nominations import decide_submit
from services.intake.domain.commands import AmendNomination, SubmitNomination, WithdrawNomination
from services.intake.domain.rules import registration_required
from services.intake.http_contract import WriteRequest, writer
from services.intake.schemas import Accepted, AmendRequest, NominationRequest, ReasonRequest
from services.intake.service import IntakeService, LazyConnection
from services.intake.steps import SUBMISSIONS, nomination_step, submission_step

from .common import Paging, answer, json_response, now_for, paging, problems, service

router = APIRouter(tags=["推荐（推荐单位 / 评审机构）"])
nominator, reader, nominating = requires(*NOMINATOR_ROLES), requires(*READER_ROLES), writer(*NOMINATOR_ROLES)


def _accepted(nomination_id: UUID, status: str = "submitted", revision: int = 1) -> dict:
    return {"nomination_id": str(nomination_id), "status": status, "revision": revision,
            "status_url": f"/v1/nominations/{nomination_id}"}


async def _submission(conn, who: Identity, body: NominationRequest, nomination_id: UUID,
                      idem: IdempotentRequest | None) -> SubmitNomination:
    return SubmitNomination(
        by=who, nomination_id=nomination_id, campaign=body.campaign, unit_id=body.unit_id, list_code=body.list_code,
        domain=body.domain, title=body.title, form=body.form, opinion=body.opinion,
        attachments=await attachments.resolve(conn, who.org, body.attachments),
        event_id=idem.derived_id("submitted") if idem else None)


async def submit_new(svc: IntakeService, who: Identity, body: NominationRequest, now: datetime) -> Reply:
    """A nomination without an Idempotency-Key: the documented exception to the unit of work (service.py).
    Also the whole of the fast lane's work (fast_lane.py)."""
    nomination_id = uuid4()
    async with LazyConnection(svc.pool) as conn:
        cmd = await _submission(conn, who, body, nomination_id, None)
        context = await svc.context(conn, body.campaign, who.org, [(body.list_code, body.form, body.title)], now,
                                    registration_required=registration_required(who))
    await svc.record_new(decide_submit(None, cmd, context))
    return Reply(202, _accepted(nomination_id))


async def submit_keyed(svc: IntakeService, who: Identity, body: NominationRequest, now: datetime,
                       idem: IdempotentRequest) -> Reply:
    """A nomination with an Idempotency-Key, through the unit of work: a retry gets the first answer and
    causes no second event. Also the fast lane's work for keyed requests (fast_lane.py). Many run in one
    group (steps.SUBMISSIONS); the facts are gathered first, on a connection taken only if one is needed
    (LazyConnection): a new aggregate's facts need no lock."""
    nomination_id = idem.derived_id("nomination")
    async with LazyConnection(svc.pool) as conn:
        cmd = await _submission(conn, who, body, nomination_id, idem)
        context = await svc.context(conn, body.campaign, who.org, [(body.list_code, body.form, body.title)], now,
                                    registration_required=registration_required(who))

    def accepted(state, events) -> Reply:
        return Reply(202, _accepted(nomination_id))

    return await svc.uow.run(submission_step(cmd, context, accepted), idem, batch=SUBMISSIONS)


@router.post("/v1/nominations", status_code=202, response_model=Accepted, responses=problems(409, 413, 422, 503),
             summary="直接推荐（提交推荐表）")
async def submit_nomination(body: NominationRequest, request: Request, req: WriteRequest = Depends(nominating)):
    """The unit's recommendation without an applicant stage; with `Idempotency-Key` a retry is answered once."""
    svc, now = service(request), now_for(request)
    if req.idem is None:
        return answer(await submit_new(svc, req.who, body, now))
    return answer(await submit_keyed(svc, req.who, body, now, req.idem))


@router.put("/v1/nominations/{nomination_id}", responses=problems(404, 409, 422, 503), summary="修改推荐（截止前）")
async def amend_nomination(nomination_id: UUID, body: AmendRequest, request: Request,
                           req: WriteRequest = Depends(nominating)):
    """A new revision of the form; the event carries the field-level difference."""
    svc, now = service(request), now_for(request)
    cmd = AmendNomination(by=req.who, nomination_id=nomination_id, list_code=body.list_code, domain=body.domain,
                          title=body.title, form=body.form)

    def amended(state, events) -> Reply:
        return Reply(200, {**_accepted(nomination_id, "amended", events[0].revision),
                           "diff": {k: list(v) for k, v in events[0].diff.items()}})

    return answer(await svc.uow.run(nomination_step(svc, cmd, now, amended), req.idem))


@router.post("/v1/nominations/{nomination_id}/withdraw", responses=problems(404, 409, 422, 503),
             summary="撤回推荐（截止前，须说明理由）")
async def withdraw_nomination(nomination_id: UUID, body: ReasonRequest, request: Request,
                              req: WriteRequest = Depends(nominating)):
    svc, now = service(request), now_for(request)
    cmd = WithdrawNomination(req.who, nomination_id, body.reason)

    def withdrawn(state, events) -> Reply:
        return Reply(200, _accepted(nomination_id, "withdrawn", state.revision))

    return answer(await svc.uow.run(nomination_step(svc, cmd, now, withdrawn), req.idem))


@router.get("/v1/nominations", responses=problems(), summary="本单位的推荐（含实时状态），分页")
async def my_nominations(request: Request, paging: Paging = Depends(paging), who: Identity = Depends(nominator),
                         campaign: str | None = Query(None, max_length=64), list_code: str | None = Query(None),
                         status: str | None = Query(None, pattern="^(submitted|reserved|rejected|released|withdrawn)$")):
    async with service(request).pool.acquire() as conn:
        rows, total = await views.nominations_of(conn, who.org, campaign=campaign, list_code=list_code,
                                                 status=status, offset=paging.offset, limit=paging.page_size)
    return json_response(paging.wrap([views.nomination_out(r, detail=False) for r in rows], total))


@router.get("/v1/nominations/{nomination_id}", responses=problems(404), summary="一条推荐的详情与状态")
async def get_nomination(nomination_id: UUID, request: Request, who: Identity = Depends(reader)):
    """Only the nominating unit (and the secretariat) sees a nomination; to anyone else it does not exist."""
    async with service(request).pool.acquire() as conn:
        row = await views.nomination(conn, nomination_id)
    if row is None or not sees_nomination(who, row["unit_id"]):
        raise nomination_not_found()
    return json_response(views.nomination_out(row))


@router.get("/v1/quota-use", responses=problems(422), summary="本单位的推荐名额使用情况")
async def my_quota_use(request: Request, campaign: str = Query(..., max_length=64, description="评选活动代码"),
                       who: Identity = Depends(requires("unit"))):
    svc = service(request)
    found = await svc.campaigns.knowing(campaign)
    async with svc.pool.acquire() as conn:
        return json_response(await views.quota_use(conn, found, who.org))
