"""The matching and package commands (资源对接, 定向推介), called by their JSON routes and their pages' forms alike
(routes/matching.py, routes/matching_pages.py): each takes the service's state, the write request and what the
request says, and answers a Reply after the unit of work (matching_steps.py)."""

from __future__ import annotations

import uuid
from uuid import UUID

from contracts.events import MatchRequested, PackageSent
from eventlog.http.front_door import ServiceState, WriteRequest
from eventlog.write.idempotency import Reply

from .domain import matching, packages
from .domain.matching import STATUSES
from .matching_steps import match_step, request_match_step, send_package_step


def _id(req: WriteRequest, what: str) -> UUID:
    return req.idem.derived_id(what) if req.idem else uuid.uuid4()


async def request_match(state: ServiceState, req: WriteRequest, campaign: str, nomination_id: UUID,
                        fields: dict) -> Reply:
    """A requester's request on a listed entry; under an idempotency key a retry answers the first one."""
    await state.campaigns.knowing(campaign)
    cmd = matching.RequestMatch(match_id=_id(req, "match"), nomination_id=nomination_id, **fields)

    def answer(before, events) -> Reply:
        e: MatchRequested = events[0]
        return Reply(201, {"match_id": str(e.match_id), "event_id": str(e.event_id), "nomination_id": str(e.nomination_id),
                           "status": "requested", "status_name": STATUSES["requested"],
                           "message": "对接需求已提交，秘书处审核后将征求持有方同意；您的联系方式在持有方同意前不予提供。"})

    return await state.uow.run(request_match_step(campaign, cmd, req.now, req.who, answer), req.idem)


async def act_on_match(state: ServiceState, req: WriteRequest, campaign: str,
                       cmd: matching.TriageMatch | matching.AnswerMatch | matching.RecordOutcome) -> Reply:
    """Triage (secretariat), the holder's consent or decline, or an outcome; answers the request's new state."""
    def answer(before, events) -> Reply:
        after = matching.evolve(before, events)
        status = f"outcome_{after.outcome}" if after.outcome else after.status
        return Reply(200, {"match_id": str(after.match_id), "status": status, "status_name": STATUSES[status],
                           "events": [{"type": e.type, "event_id": str(e.event_id)} for e in events]})

    return await state.uow.run(match_step(campaign, cmd, req.now, req.who, answer), req.idem)


async def send_package(state: ServiceState, req: WriteRequest, campaign: str, fields: dict) -> Reply:
    await state.campaigns.knowing(campaign)
    cmd = packages.SendPackage(package_id=_id(req, "package"), **fields)

    def answer(before, events) -> Reply:
        e: PackageSent = events[0]
        return Reply(201, {"package_id": str(e.package_id), "event_id": str(e.event_id), "audience": e.audience,
                           "entries": [str(n) for n in e.entries], "addresses": len(e.addresses)})

    return await state.uow.run(send_package_step(campaign, cmd, req.now, req.who, answer), req.idem)
