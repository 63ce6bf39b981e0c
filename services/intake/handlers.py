"""The intake's commands, called by the routes (routes/) and the fast lane (fast_lane.py) alike: each
takes the service's state (eventlog/http/front_door.py; its `own` part is the IntakeService of service.py),
the write request (caller, key, instant) and what the body says, and answers a Reply."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventlog.http.front_door import ServiceState, WriteRequest
from eventlog.write.idempotency import IdempotentRequest, Reply

from . import attachments
from .domain.commands import (
    AmendNomination, ApplicationCommand, RequestWithdrawal, ResubmitNomination, SaveApplication, SubmitNomination,
    WithdrawNomination,
)
from .domain.model import evolve_application
from .domain.nominations import decide_submit
from .domain.rules import registration_required
from .schemas import AmendRequest, ApplicationRequest, NominationRequest
from .service import IntakeService, LazyConnection
from .steps import SUBMISSIONS, application_step, nomination_step, submission_step


def _accepted(nomination_id: UUID, status: str = "submitted", revision: int = 1) -> dict:
    return {"nomination_id": str(nomination_id), "status": status, "revision": revision,
            "status_url": f"/v1/nominations/{nomination_id}"}


async def _submission(conn, req: WriteRequest, body: NominationRequest, nomination_id: UUID) -> SubmitNomination:
    return SubmitNomination(
        by=req.who, nomination_id=nomination_id, campaign=body.campaign, unit_id=body.unit_id,
        list_code=body.list_code, domain=body.domain, title=body.title, form=body.form, opinion=body.opinion,
        attachments=await attachments.resolve(conn, req.who.org, body.attachments),
        event_id=req.idem.derived_id("submitted") if req.idem else None)


async def submit_nomination(state: ServiceState, req: WriteRequest, body: NominationRequest) -> Reply:
    """A unit's (or review body's) direct recommendation: with an Idempotency-Key through the unit of
    work, without one by the documented exception (service.py)."""
    if req.idem is None:
        return await submit_new(state.own, req, body)
    return await submit_keyed(state.own, req, body, req.idem)


async def submit_new(svc: IntakeService, req: WriteRequest, body: NominationRequest) -> Reply:
    """A nomination without an Idempotency-Key: decided on no connection in the ordinary case
    (LazyConnection), published first, its row written after the ack (service.py)."""
    nomination_id = uuid4()
    async with LazyConnection(svc.pool) as conn:
        cmd = await _submission(conn, req, body, nomination_id)
        context = await svc.context(conn, body.campaign, req.who.org, [(body.list_code, body.form, body.title)],
                                    req.now, registration_required=registration_required(req.who))
    await svc.record_new(decide_submit(None, cmd, context))
    return Reply(202, _accepted(nomination_id))


async def submit_keyed(svc: IntakeService, req: WriteRequest, body: NominationRequest,
                       idem: IdempotentRequest) -> Reply:
    """A nomination with an Idempotency-Key, through the unit of work: a retry gets the first answer and
    causes no second event. Many run in one group (steps.SUBMISSIONS); the facts are gathered first, on a
    connection taken only if one is needed (LazyConnection): a new aggregate's facts need no lock."""
    nomination_id = idem.derived_id("nomination")
    async with LazyConnection(svc.pool) as conn:
        cmd = await _submission(conn, req, body, nomination_id)
        context = await svc.context(conn, body.campaign, req.who.org, [(body.list_code, body.form, body.title)],
                                    req.now, registration_required=registration_required(req.who))

    def accepted(state, events) -> Reply:
        return Reply(202, _accepted(nomination_id))

    return await svc.uow.run(submission_step(cmd, context, accepted), idem, batch=SUBMISSIONS)


async def amend_nomination(state: ServiceState, req: WriteRequest, nomination_id: UUID, body: AmendRequest) -> Reply:
    """A new revision of the form; the event carries the field-level difference."""
    cmd = AmendNomination(by=req.who, nomination_id=nomination_id, list_code=body.list_code, domain=body.domain,
                          title=body.title, form=body.form)

    def amended(state, events) -> Reply:
        return Reply(200, {**_accepted(nomination_id, "amended", events[0].revision),
                           "diff": {k: list(v) for k, v in events[0].diff.items()}})

    return await state.uow.run(nomination_step(state.own, cmd, req.now, amended), req.idem)


async def withdraw_nomination(state: ServiceState, req: WriteRequest, nomination_id: UUID, reason: str) -> Reply:
    def withdrawn(state, events) -> Reply:
        return Reply(200, _accepted(nomination_id, "withdrawn", state.revision))

    cmd = WithdrawNomination(req.who, nomination_id, reason)
    return await state.uow.run(nomination_step(state.own, cmd, req.now, withdrawn), req.idem)


async def request_withdrawal(state: ServiceState, req: WriteRequest, nomination_id: UUID, reason: str) -> Reply:
    """After the deadline: the unit asks the secretariat to let it withdraw the nomination (it decides)."""
    def requested(state, events) -> Reply:
        return Reply(200, {**_accepted(nomination_id, "withdrawal_requested", state.revision),
                           "withdrawal": {"state": "requested", "reason": events[0].reason}})

    cmd = RequestWithdrawal(req.who, nomination_id, reason)
    return await state.uow.run(nomination_step(state.own, cmd, req.now, requested), req.idem)


async def resubmit_nomination(state: ServiceState, req: WriteRequest, nomination_id: UUID) -> Reply:
    """A nomination returned for correction (退回补正), resubmitted within its correction period: it goes
    back to screening."""
    def resubmitted(state, events) -> Reply:
        return Reply(200, {**_accepted(nomination_id, "resubmitted", state.revision), "round": events[0].round})

    cmd = ResubmitNomination(req.who, nomination_id)
    return await state.uow.run(nomination_step(state.own, cmd, req.now, resubmitted), req.idem)


def _application(state) -> dict:
    return {"application_id": str(state.application_id), "status": state.status, "revision": state.revision,
            "url": f"/v1/applications/{state.application_id}",
            "nomination_id": str(state.nomination_id) if state.nomination_id else None}


def _answered(status: int):
    """The application's new state, as the answer."""
    def answer_with(state, events) -> Reply:
        for event in events:
            state = evolve_application(state, event)
        return Reply(status, _application(state))
    return answer_with


async def run_application(state: ServiceState, req: WriteRequest, cmd: ApplicationCommand, status: int = 200) -> Reply:
    """Send, return, decline or recommend an application."""
    return await state.uow.run(application_step(state.own, cmd, req.now, _answered(status)), req.idem)


async def save_application(state: ServiceState, req: WriteRequest, body: ApplicationRequest,
                           application_id: UUID | None) -> Reply:
    """A draft saved: a new application (`application_id` None, its id derived from the key if any) or
    the next version of one."""
    app_id = application_id or (req.idem.derived_id("application") if req.idem else uuid4())
    async with state.pool.acquire() as conn:
        refs = await attachments.resolve(conn, req.who.org, body.attachments)
    cmd = SaveApplication(by=req.who, application_id=app_id, campaign=body.campaign, unit_id=body.unit_id,
                          list_code=body.list_code, domain=body.domain, title=body.title, form=body.form,
                          attachments=refs, creates=application_id is None, contact_email=body.contact_email)
    return await state.uow.run(application_step(state.own, cmd, req.now, _answered(201 if cmd.creates else 200)),
                               req.idem)
