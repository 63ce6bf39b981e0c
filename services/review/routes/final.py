"""Final review (终评) by the secretariat: every target's submitted preliminary results, and a decision
per nomination carried by the committee's vote."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Request
from pydantic import ConfigDict, Field

from contracts.identity import Identity
from eventlog.http.auth import requires
from eventlog.http.bodies import RequestBody
from eventlog.http.front_door import WriteRequest, now_for, service_of
from eventlog.http.docs import ALREADY_SO, json_response
from eventlog.http.problems import reply_response

from .. import handlers
from ..domain.context import ReviewContext
from ..domain.final import RecordDecision, RecordSitting, vote_rule
from ..domain.targets import targets_of
from ..domain.votes import CommitteeVote
from ..views import review_queries
from .common import campaign_of, problems, review_writer

router = APIRouter(tags=["终评（秘书处）"])
secretariat, secretariat_writing = requires("secretariat"), review_writer("secretariat")


class VoteCounts(RequestBody):
    model_config = ConfigDict(extra="forbid")
    eligible: int = Field(ge=0, le=1000, description="应到")
    present: int = Field(ge=0, le=1000, description="实到（回避者不计入）")
    recused: int = Field(0, ge=0, le=1000, description="回避")
    yes: int = Field(ge=0, le=1000)
    no: int = Field(ge=0, le=1000)
    abstain: int = Field(0, ge=0, le=1000)


class DecisionRequest(RequestBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "selected": True, "vote": {"eligible": 15, "present": 12, "recused": 1, "yes": 10, "no": 1, "abstain": 1},
        "note": "终评委员会表决通过。"}]})
    selected: bool
    vote: VoteCounts
    note: str = Field("", max_length=2000)


MAX_SITTING_DECISIONS = 3000  # under the 1 MiB body limit at ~250 bytes a decision; a larger list sits twice


class SittingDecision(DecisionRequest):
    nomination_id: UUID


class SittingRequest(RequestBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"decisions": [{
        "nomination_id": "0b6c6f5e-6a3e-4c1e-9d56-2f1c7d1b9a10", "selected": True,
        "vote": {"eligible": 15, "present": 12, "recused": 1, "yes": 10, "no": 1, "abstain": 1},
        "note": "终评委员会表决通过。"}]}]})
    decisions: list[SittingDecision] = Field(min_length=1, max_length=MAX_SITTING_DECISIONS)


@router.get("/v1/review/campaigns/{campaign}/final", responses=problems(404),
            summary="终评：各评审对象已报送的初评结果（排名、汇总分、原始分、分歧标记、是否逾期）与表决规则")
async def final_review(campaign: str, request: Request, who: Identity = Depends(secretariat)):
    found = await campaign_of(request, campaign)
    targets = []
    async with service_of(request).pool.acquire() as conn:
        for target in targets_of(found):
            summary = await review_queries.target(conn, target.key)
            if summary and summary["results_submitted"]:
                ranked = await review_queries.target_nominations(conn, target.key, 1, 1_000_000)
                targets.append({**summary, "nominations": [n for n in ranked["items"] if n["prelim"]]})
    rule = vote_rule(ReviewContext(now_for(request), found))
    return json_response({"campaign": campaign, "targets": targets, "vote_rule": {
        "quorum": f"{rule.quorum.num}/{rule.quorum.den}", "approval": f"{rule.approval.num}/{rule.approval.den}"}})


@router.post("/v1/review/campaigns/{campaign}/nominations/{nomination_id}/decision", status_code=201,
             responses={**problems(404, 409, 422), **ALREADY_SO},
             summary="终评决定：入选或不入选，附委员会表决（到会与通过比例按活动规则；公示开始后不能再修改）")
async def record_decision(campaign: str, nomination_id: UUID, body: DecisionRequest, request: Request,
                          req: WriteRequest = Depends(secretariat_writing)):
    cmd = RecordDecision(req.who, nomination_id, body.selected, CommitteeVote(**body.vote.model_dump()), body.note)
    return reply_response(await handlers.record_decision(service_of(request), req, campaign, cmd))


@router.post("/v1/review/campaigns/{campaign}/final/sittings", status_code=201,
             responses={**problems(404, 409, 422), **ALREADY_SO},
             summary="终评会议：一次会议的全部决定（每项附表决），一并记录；任何一项不符合要求则全部不记录，并逐项说明")
async def record_sitting(campaign: str, body: SittingRequest, request: Request,
                         req: WriteRequest = Depends(secretariat_writing)):
    cmd = RecordSitting(req.who, uuid4(), tuple(
        RecordDecision(req.who, d.nomination_id, d.selected, CommitteeVote(**d.vote.model_dump()), d.note)
        for d in body.decisions))
    return reply_response(await handlers.record_sitting(service_of(request), req, campaign, cmd))
