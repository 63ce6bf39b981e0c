"""A review body's work on its targets: the plan (备案), the panel (assignment), the ranked results.
Both bodies of a jointly reviewed target see and manage it; to any other body it does not exist."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile

from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.http.auth import requires
from eventlog.http.front_door import WriteRequest, now_for, service_of
from eventlog.http.docs import Paging, json_response, paging
from eventlog.http.problems import reply_response

from .. import handlers, plan_documents
from ..domain.commands import (AssignAutomatically, AssignExpert, CloseReReview, ConfirmPlan, OpenReReview,
                               ReceivePlan, SubmitResults, UnassignExpert)
from ..domain.context import ReviewContext
from ..domain.plans import plan_defaults
from ..domain.targets import bodies_of, managed_by, targets_of
from ..schemas import (
    NOMINATION, TARGET, AssignRequest, AutoAssignRequest, CloseReReviewRequest, ConfirmRequest, PlanReceiptRequest,
    PlanRequest, ReReviewRequest, ResultsRequest, UnassignRequest, target_of,
)
from ..standings import live_results
from ..views import review_queries
from .common import campaign_of, problems, review_writer

router = APIRouter(tags=["评审机构"])
body, body_writing = requires("review_body"), review_writer("review_body")
reader = requires("review_body", "secretariat")
secretariat_writing = review_writer("secretariat")
RECEIPTS = ["评审方案回执（秘书处）"]
PLAN_DOCUMENTS = "/v1/review/plan-documents"
ALL = 1_000_000  # a target's nominations are ranked as a whole (a 2022 target held ~350; 10x fits)


async def _visible(request: Request, who: Identity, campaign: str, list_code: str, domain: str):
    """The target and its campaign, if the caller may see it (its body, or the secretariat)."""
    found = await campaign_of(request, campaign)
    target = target_of(campaign, list_code, domain)
    (bodies_of if who.role == "secretariat" else lambda c, t: managed_by(c, t, who.org))(found, target)
    return found, target


@router.get("/v1/review/campaigns/{campaign}/targets", responses=problems(404), summary="本机构负责的评审对象及进度")
async def my_targets(campaign: str, request: Request, who: Identity = Depends(reader)):
    found = await campaign_of(request, campaign)
    targets = targets_of(found, None if who.role == "secretariat" else who.org)
    async with service_of(request).pool.acquire() as conn:
        progress = await review_queries.body_progress(conn, campaign, [t.key for t in targets])
    return json_response({"campaign": campaign, "targets": progress})


@router.get("/v1/review/campaigns/{campaign}/progress", responses=problems(404),
            summary="秘书处：各评审机构的进度，哪些逾期报送、哪些尚未报送")
async def campaign_progress(campaign: str, request: Request, who: Identity = Depends(requires("secretariat"))):
    found = await campaign_of(request, campaign)
    bodies = {t.key: [b.code for b in bodies_of(found, t)] for t in targets_of(found)}
    async with service_of(request).pool.acquire() as conn:
        progress = await review_queries.campaign_progress(conn, campaign, found.timeline.prelim_due_at, bodies)
    return json_response(progress)


@router.get(TARGET, responses=problems(404), summary="一个评审对象：方案、推荐对象的形式审查、分配、评分进度、汇总与排名")
async def get_target(campaign: str, list_code: str, domain: str, request: Request, paging: Paging = Depends(paging),
                     who: Identity = Depends(reader)):
    found, target = await _visible(request, who, campaign, list_code, domain)
    async with service_of(request).pool.acquire() as conn:
        summary = await review_queries.target(conn, target.key)
        everything = await review_queries.target_nominations(conn, target.key, 1, ALL)
    standings = live_results(summary, everything["items"], found)  # ranked over the whole target, then paged
    return json_response({"target": summary, "nominations": paging.wrap(
        standings[paging.offset:paging.offset + paging.page_size], everything["total"])})


@router.get(TARGET + "/plan/defaults", responses=problems(404), summary="评审方案的起点：活动的默认评价标准与方法")
async def plan_template(campaign: str, list_code: str, domain: str, request: Request, who: Identity = Depends(body)):
    found, _ = await _visible(request, who, campaign, list_code, domain)
    return json_response(_plain(plan_defaults(ReviewContext(now_for(request), found))))


_DOCUMENT_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "additionalProperties": False,
    "properties": {"file": {"type": "string", "format": "binary", "description": "PDF，按内容识别类型"}}}}}}}
_DOCUMENT = {"name": "评审工作方案.pdf", "size": 183245, "media_type": "application/pdf",
             "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}


@router.post(PLAN_DOCUMENTS, status_code=201, openapi_extra=_DOCUMENT_BODY, summary="上传评审方案文件（PDF）",
             responses={201: {"content": {"application/json": {"example": _DOCUMENT}}}, **problems(413, 415, 422)})
async def upload_plan_document(request: Request, who: Identity = Depends(body)):
    """multipart/form-data with one `file` (a PDF); the returned `sha256` is the plan's `document` (PUT …/plan)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise DomainError("请以 multipart/form-data 上传，文件字段名为 file。", code="multipart_required",
                          http_status=415)
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise DomainError("缺少文件字段 file。", code="file_required", field="file")
        data = await upload.read(plan_documents.MAX_BYTES + 1)
        ref = plan_documents.check(upload.filename, upload.content_type, data, field="file")
    async with service_of(request).pool.acquire() as conn:
        await plan_documents.store(conn, who.org, ref, data)
    return json_response(ref.model_dump(), 201)


# The commands: whether the caller's body manages the target is the domain's to say (handlers.py).
@router.put(TARGET + "/plan", status_code=201, responses=problems(404, 409, 422),
            summary="备案评审方案（评分开始前可重新备案；联合评审须另一机构确认后生效）")
async def file_plan(campaign: str, list_code: str, domain: str, plan: PlanRequest, request: Request,
                    req: WriteRequest = Depends(body_writing)):
    terms = plan.model_dump(mode="json", exclude_none=True)
    return reply_response(await handlers.file_plan(service_of(request), req, target_of(campaign, list_code, domain),
                                                   terms))


@router.post(TARGET + "/plan/confirmation", status_code=201, responses=problems(404, 409),
             summary="联合评审：另一评审机构确认已备案的评审方案")
async def confirm_plan(campaign: str, list_code: str, domain: str, body_: ConfirmRequest, request: Request,
                       req: WriteRequest = Depends(body_writing)):
    cmd = ConfirmPlan(req.who, target_of(campaign, list_code, domain), body_.plan_event_id, body_.note)
    return reply_response(await handlers.run_target(service_of(request), req, cmd))


@router.get("/v1/review/campaigns/{campaign}/plans", responses=problems(404), tags=RECEIPTS,
            summary="秘书处：已备案的评审方案及回执状态（待回执、已确认、已退回）")
async def filed_plans(campaign: str, request: Request, who: Identity = Depends(requires("secretariat"))):
    await campaign_of(request, campaign)
    async with service_of(request).pool.acquire() as conn:
        return json_response({"campaign": campaign, "plans": await review_queries.filed_plans(conn, campaign)})


@router.post(TARGET + "/plan/receipt", status_code=201, responses=problems(404, 409, 422), tags=RECEIPTS,
             summary="秘书处回执当前备案的评审方案：确认，或说明理由退回（退回后评审机构须重新备案，方可分配专家）")
async def receive_plan(campaign: str, list_code: str, domain: str, body_: PlanReceiptRequest, request: Request,
                       req: WriteRequest = Depends(secretariat_writing)):
    cmd = ReceivePlan(req.who, target_of(campaign, list_code, domain), body_.plan_event_id, body_.acknowledged,
                      tuple(body_.reasons), body_.note)
    return reply_response(await handlers.run_target(service_of(request), req, cmd))


@router.post(TARGET + "/assignments/auto", responses=problems(404, 409, 422),
             summary="自动分配专家（负载均衡，回避关系自动识别并排除）")
async def assign_automatically(campaign: str, list_code: str, domain: str, body_: AutoAssignRequest,
                               request: Request, req: WriteRequest = Depends(body_writing)):
    cmd = AssignAutomatically(req.who, target_of(campaign, list_code, domain), body_.max_load)
    return reply_response(await handlers.run_target(service_of(request), req, cmd))


@router.post(TARGET + "/assignments", responses=problems(404, 409, 422), summary="手动分配一位专家")
async def assign(campaign: str, list_code: str, domain: str, body_: AssignRequest, request: Request,
                 req: WriteRequest = Depends(body_writing)):
    cmd = AssignExpert(req.who, target_of(campaign, list_code, domain), body_.nomination_id, body_.expert_id)
    return reply_response(await handlers.run_target(service_of(request), req, cmd))


@router.post(TARGET + "/assignments/{nomination_id}/{expert_id}/unassign", responses=problems(404, 409),
             summary="撤销一位专家的分配（须说明理由）")
async def unassign(campaign: str, list_code: str, domain: str, nomination_id: UUID, expert_id: str,
                   body_: UnassignRequest, request: Request, req: WriteRequest = Depends(body_writing)):
    cmd = UnassignExpert(req.who, target_of(campaign, list_code, domain), nomination_id, expert_id, body_.reason)
    return reply_response(await handlers.run_target(service_of(request), req, cmd))


@router.post(NOMINATION + "/re-review", status_code=201, responses=problems(404, 409, 422),
             summary="对评分分歧超过阈值的推荐对象发起复评：请在席专家复核评分，或增派专家")
async def open_re_review(campaign: str, list_code: str, domain: str, nomination_id: UUID, body_: ReReviewRequest,
                         request: Request, req: WriteRequest = Depends(body_writing)):
    cmd = OpenReReview(req.who, target_of(campaign, list_code, domain), nomination_id, tuple(body_.revisit),
                       tuple(body_.add), body_.reason)
    return reply_response(await handlers.run_target(service_of(request), req, cmd))


@router.post(NOMINATION + "/re-review/close", status_code=201, responses=problems(404, 409, 422),
             summary="结束复评（分歧已不超过阈值；否则须说明理由）")
async def close_re_review(campaign: str, list_code: str, domain: str, nomination_id: UUID,
                          body_: CloseReReviewRequest, request: Request, req: WriteRequest = Depends(body_writing)):
    cmd = CloseReReview(req.who, target_of(campaign, list_code, domain), nomination_id, body_.reason)
    return reply_response(await handlers.run_target(service_of(request), req, cmd))


@router.post(TARGET + "/results", status_code=201, responses=problems(404, 409),
             summary="报送初评结果（排名、汇总分与原始分；逾期照收并标记；复评未结束须逐项说明理由）")
async def submit_results(campaign: str, list_code: str, domain: str, body_: ResultsRequest, request: Request,
                         req: WriteRequest = Depends(body_writing)):
    cmd = SubmitResults(req.who, target_of(campaign, list_code, domain), body_.reason, body_.re_review_reasons)
    return reply_response(await handlers.run_target(service_of(request), req, cmd))


def _plain(terms: dict) -> dict:
    return {k: (str(v) if hasattr(v, "as_tuple") else v) for k, v in terms.items()}
