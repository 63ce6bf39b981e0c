"""The applicant's stage: drafts, sending to the recommending unit, and the unit's queue and answers."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID, uuid4, uuid5

from fastapi import APIRouter, Depends, Query, Request

from contracts.errors import NotFound
from contracts.identity import Identity
from contracts.topics import APPLICATIONS, NOMINATIONS
from eventlog.auth import requires
from services.intake import attachments, store, views
from services.intake.domain import applications as decide
from services.intake.domain.commands import (
    DeclineApplication,
    RecommendApplication,
    ReturnApplication,
    SaveApplication,
    SendApplication,
)
from services.intake.domain.model import evolve_application
from services.intake.idempotency import Reply
from services.intake.schemas import (
    ApplicationAccepted,
    ApplicationRequest,
    CommentsRequest,
    ReasonRequest,
    RecommendRequest,
)

from .common import (
    Paging,
    answer,
    clock_for,
    idempotency_of,
    json_response,
    paging,
    problems,
    service,
)

router = APIRouter(tags=["申报（申报单位 → 推荐单位）"])
applicant, unit = requires("applicant"), requires("unit")
STATUS = Query(None, pattern="^(draft|sent|returned|declined|recommended)$")


def _accepted(state) -> dict:
    return {"application_id": str(state.application_id), "status": state.status, "revision": state.revision,
            "url": f"/v1/applications/{state.application_id}",
            "nomination_id": str(state.nomination_id) if state.nomination_id else None}


async def _step(request: Request, who: Identity, application_id: UUID, decide_step: Callable, topic=APPLICATIONS,
                status: int = 200, new_nomination: UUID | None = None):
    """Lock the application, decide, publish, fold, answer with its new state."""
    svc, clock, idem = service(request), clock_for(request), await idempotency_of(request, who)

    async def work(conn) -> Reply:
        state = (await store.load_applications(conn, [application_id], lock=True)).get(application_id)
        if state is None:
            raise NotFound("未找到该申报。", code="application_not_found")
        events = decide_step(state, svc.campaign(state.campaign), clock)
        await svc.record(conn, topic, events, ({new_nomination: None} if new_nomination else {},
                                                      {application_id: state}))
        for event in events:
            state = evolve_application(state, event)
        return Reply(status, _accepted(state))

    return answer(await svc.run(work, idem))


async def _save(request: Request, who: Identity, body: ApplicationRequest, application_id: UUID | None):
    svc, clock, idem = service(request), clock_for(request), await idempotency_of(request, who)
    app_id = application_id or (idem.derived_id("application") if idem else uuid4())

    async def work(conn) -> Reply:
        state = (await store.load_applications(conn, [app_id], lock=True)).get(app_id)
        if application_id is not None and (state is None or state.applicant_id != who.org):
            raise NotFound("未找到该申报。", code="application_not_found")
        if application_id is None and state is not None:  # the first attempt of this key got through
            return Reply(201, _accepted(state))
        cmd = SaveApplication(by=who, application_id=app_id, campaign=state.campaign if state else body.campaign,
                              unit_id=body.unit_id, list_code=body.list_code, domain=body.domain, title=body.title,
                              form=body.form, attachments=await attachments.resolve(conn, who.org, body.attachments))
        campaign = svc.campaign(cmd.campaign)
        events = decide.decide_save(state, cmd, campaign, clock, await svc.unit_known(conn, cmd.campaign, body.unit_id))
        await svc.record(conn, APPLICATIONS, events, ({}, {app_id: state}))
        return Reply(201 if state is None else 200, _accepted(evolve_application(state, events[0])))

    return answer(await svc.run(work, idem))


@router.post("/v1/applications", status_code=201, response_model=ApplicationAccepted,
             responses=problems(413, 422, 503), summary="新建申报（保存草稿，第1版）")
async def create_application(body: ApplicationRequest, request: Request, who: Identity = Depends(applicant)):
    return await _save(request, who, body, None)


@router.put("/v1/applications/{application_id}", response_model=ApplicationAccepted,
            responses=problems(404, 409, 413, 422, 503), summary="保存草稿（每次保存为新版本）")
async def save_application(application_id: UUID, body: ApplicationRequest, request: Request,
                           who: Identity = Depends(applicant)):
    return await _save(request, who, body, application_id)


@router.post("/v1/applications/{application_id}/send", response_model=ApplicationAccepted,
             responses=problems(404, 409, 422, 503), summary="报送推荐单位")
async def send_application(application_id: UUID, request: Request, who: Identity = Depends(applicant)):
    return await _step(request, who, application_id,
                       lambda s, c, k: decide.decide_send(s, SendApplication(who, application_id), c, k))


@router.post("/v1/applications/{application_id}/return", response_model=ApplicationAccepted,
             responses=problems(404, 409, 422, 503), summary="推荐单位退回修改（附意见）")
async def return_application(application_id: UUID, body: CommentsRequest, request: Request,
                             who: Identity = Depends(unit)):
    return await _step(request, who, application_id, lambda s, c, k: decide.decide_return(
        s, ReturnApplication(who, application_id, body.comments), c, k))


@router.post("/v1/applications/{application_id}/decline", response_model=ApplicationAccepted,
             responses=problems(404, 409, 503), summary="推荐单位不予推荐（附理由）")
async def decline_application(application_id: UUID, body: ReasonRequest, request: Request,
                              who: Identity = Depends(unit)):
    return await _step(request, who, application_id, lambda s, c, k: decide.decide_decline(
        s, DeclineApplication(who, application_id, body.reason), c, k))


@router.post("/v1/applications/{application_id}/recommend", status_code=202, response_model=ApplicationAccepted,
             responses=problems(404, 409, 422, 503), summary="推荐（附推荐意见）：形成推荐，进入名额审核")
async def recommend_application(application_id: UUID, body: RecommendRequest, request: Request,
                                who: Identity = Depends(unit)):
    nomination_id = uuid5(application_id, "nomination")  # one application yields at most one nomination
    return await _step(request, who, application_id, lambda s, c, k: decide.decide_recommend(
        s, RecommendApplication(who, application_id, nomination_id, body.opinion), c, k),
        topic=NOMINATIONS, status=202, new_nomination=nomination_id)


async def _page(request: Request, paging: Paging, side: str, org: str, status: str | None):
    """One page of the applications `org` made (side "applicant") or was sent (side "unit")."""
    async with service(request).pool.acquire() as conn:
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
    async with service(request).pool.acquire() as conn:
        row = await views.application(conn, application_id)
    visible = row is not None and (
        who.role == "secretariat" or (who.role == "applicant" and row["applicant_id"] == who.org)
        or (who.role == "unit" and row["unit_id"] == who.org and row["ever_sent"]))
    if not visible:
        raise NotFound("未找到该申报。", code="application_not_found")
    return json_response(views.application_out(row))
