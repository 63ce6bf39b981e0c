"""Nominations: a unit's (or a review body's) direct recommendation, amendment, withdrawal and reads."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Query, Request

from contracts.errors import Forbidden, NotFound
from contracts.events import Event
from contracts.identity import Identity
from contracts.topics import NOMINATIONS
from eventlog.auth import requires
from services.intake import attachments, store, views
from services.intake.service import IntakeService, LazyConnection
from services.intake.domain.commands import (
    AmendNomination,
    SubmitNomination,
    WithdrawNomination,
)
from services.intake.domain.nominations import (
    decide_amend,
    decide_submit,
    decide_withdraw,
)
from services.intake.clock import Clock
from services.intake.idempotency import IdempotentRequest, Reply
from services.intake.schemas import (
    Accepted,
    AmendRequest,
    NominationRequest,
    ReasonRequest,
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

router = APIRouter(tags=["推荐（推荐单位 / 评审机构）"])
reader = requires("unit", "review_body", "secretariat")


def _accepted(nomination_id: UUID, status: str = "submitted", revision: int = 1) -> dict:
    return {"nomination_id": str(nomination_id), "status": status, "revision": revision,
            "status_url": f"/v1/nominations/{nomination_id}"}


NOMINATOR_ROLES = ("unit", "review_body")
nominator = requires(*NOMINATOR_ROLES)


async def _decide_new(conn, svc: IntakeService, who: Identity, body: NominationRequest, clock: Clock,
                      nomination_id: UUID, idem: IdempotentRequest | None) -> list[Event]:
    if body.unit_id and body.unit_id != who.org:
        raise Forbidden("不能代其他单位提交推荐。", code="not_your_unit")
    cmd = SubmitNomination(
        by=who, nomination_id=nomination_id, campaign=body.campaign, list_code=body.list_code,
        domain=body.domain, title=body.title, form=body.form, opinion=body.opinion,
        attachments=await attachments.resolve(conn, who.org, body.attachments),
        event_id=idem.derived_id("submitted") if idem else None)
    known = who.role != "unit" or await svc.unit_known(conn, body.campaign, who.org)
    return decide_submit(None, cmd, svc.campaign(body.campaign), clock, known)


async def submit_new(svc: IntakeService, who: Identity, body: NominationRequest, clock: Clock) -> Reply:
    """A nomination without an Idempotency-Key: brand-new, so nothing to lock, and no connection is held
    while the broker acks. Also the whole of the fast lane's work (fast_lane.py)."""
    nomination_id = uuid4()
    async with LazyConnection(svc.pool) as conn:
        events = await _decide_new(conn, svc, who, body, clock, nomination_id, None)
        await svc.refuse_relisting(conn, events)
    await svc.record_new(NOMINATIONS, events)
    return Reply(202, _accepted(nomination_id))


async def submit_keyed(svc: IntakeService, who: Identity, body: NominationRequest, clock: Clock,
                       idem: IdempotentRequest) -> Reply:
    """A nomination with an Idempotency-Key: the key claimed, the nomination decided, published and
    recorded in one transaction, so a retry gets the first answer and no second event. Also the fast
    lane's work for keyed requests (fast_lane.py)."""
    nomination_id = idem.derived_id("nomination")

    async def work(conn) -> Reply:
        # A first attempt that reached the log but not its answer: that is the result.
        if nomination_id in await store.load_nominations(conn, [nomination_id], lock=True):
            return Reply(202, _accepted(nomination_id))
        events = await _decide_new(conn, svc, who, body, clock, nomination_id, idem)
        await svc.record(conn, NOMINATIONS, events, ({nomination_id: None}, {}))
        return Reply(202, _accepted(nomination_id))

    return await svc.run(work, idem)


@router.post("/v1/nominations", status_code=202, response_model=Accepted, responses=problems(409, 413, 422, 503),
             summary="直接推荐（提交推荐表）")
async def submit_nomination(body: NominationRequest, request: Request, who: Identity = Depends(nominator)):
    """The unit's recommendation without an applicant stage; with `Idempotency-Key` a retry is answered once."""
    svc, clock, idem = service(request), clock_for(request), await idempotency_of(request, who)
    if idem is None:
        return answer(await submit_new(svc, who, body, clock))
    return answer(await submit_keyed(svc, who, body, clock, idem))


async def _own_nomination(conn, nomination_id: UUID, who: Identity):
    """The caller's own nomination, locked for this command; another unit's is as good as absent."""
    state = (await store.load_nominations(conn, [nomination_id], lock=True)).get(nomination_id)
    if state is None or state.unit_id != who.org:
        raise NotFound("未找到该推荐。", code="nomination_not_found")
    return state


@router.put("/v1/nominations/{nomination_id}", responses=problems(404, 409, 422, 503), summary="修改推荐（截止前）")
async def amend_nomination(nomination_id: UUID, body: AmendRequest, request: Request,
                           who: Identity = Depends(nominator)):
    """A new revision of the form; the event carries the field-level difference."""
    svc, clock, idem = service(request), clock_for(request), await idempotency_of(request, who)

    async def work(conn) -> Reply:
        state = await _own_nomination(conn, nomination_id, who)
        cmd = AmendNomination(by=who, nomination_id=nomination_id, list_code=body.list_code, domain=body.domain,
                              title=body.title, form=body.form)
        events = decide_amend(state, cmd, svc.campaign(state.campaign), clock)
        await svc.record(conn, NOMINATIONS, events, ({nomination_id: state}, {}))
        return Reply(200, {**_accepted(nomination_id, "amended", events[0].revision),
                           "diff": {k: list(v) for k, v in events[0].diff.items()}})

    return answer(await svc.run(work, idem))


@router.post("/v1/nominations/{nomination_id}/withdraw", responses=problems(404, 409, 422, 503),
             summary="撤回推荐（截止前，须说明理由）")
async def withdraw_nomination(nomination_id: UUID, body: ReasonRequest, request: Request,
                              who: Identity = Depends(nominator)):
    svc, clock, idem = service(request), clock_for(request), await idempotency_of(request, who)

    async def work(conn) -> Reply:
        state = await _own_nomination(conn, nomination_id, who)
        events = decide_withdraw(state, WithdrawNomination(who, nomination_id, body.reason),
                                 svc.campaign(state.campaign), clock)
        await svc.record(conn, NOMINATIONS, events, ({nomination_id: state}, {}))
        return Reply(200, _accepted(nomination_id, "withdrawn", state.revision))

    return answer(await svc.run(work, idem))


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
    if row is None or (who.role != "secretariat" and row["unit_id"] != who.org):
        raise NotFound("未找到该推荐（可能尚在处理，请稍后再试）。", code="nomination_not_found")
    return json_response(views.nomination_out(row))


@router.get("/v1/quota-use", responses=problems(422), summary="本单位的推荐名额使用情况")
async def my_quota_use(request: Request, who: Identity = Depends(requires("unit")),
                       campaign: str = Query("kczg-2022", max_length=64)):
    svc = service(request)
    async with svc.pool.acquire() as conn:
        return json_response(await views.quota_use(conn, svc.campaign(campaign), who.org))
