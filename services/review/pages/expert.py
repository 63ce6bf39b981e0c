"""The expert's pages: the queue of their seats with the deadline and progress, and per nomination the
dossier beside the score sheet. Scores and conflicts go through the handlers the JSON routes call
(services/review/handlers.py), under the same rules, keyed per person like the API's."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.http.front_door import by_person, service_of, write_request
from eventlog.http.page_session import PAGES
from eventlog.pages.render import PAGE_HEADERS
from eventlog.write.idempotency import Reply

from .. import handlers
from ..dossier_links import intake_url
from ..domain.commands import DeclareConflict, RecordScore
from ..schemas import ConflictRequest, target_of
from ..views import review_queries
from .access import Refused, T, signed_in
from .dossier import dossier_rows
from .sheet import CONFLICT_REASONS, Sheet

router = APIRouter(include_in_schema=False)
HOME = PAGES + "/review/me"
SEAT = PAGES + "/review/campaigns/{campaign}/targets/{list_code}/{domain}/nominations/{nomination_id}"
PAGE_SIZE = 50
ATTACHMENT = PAGES + "/review/nominations/{nomination_id}/attachments/{sha256}"  # pages/files.py
MEDIA_NAMES = {"application/pdf": "PDF 文档", "image/png": "PNG 图片", "image/jpeg": "JPEG 图片",
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word 文档",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel 表格"}
EMBEDDED = ("application/pdf", "image/png", "image/jpeg")  # shown in the page, on request
DOSSIER_LINKS = {"attachment_href": lambda nomination_id, sha256: ATTACHMENT.format(nomination_id=nomination_id,
                                                                                    sha256=sha256),
                 "media_names": MEDIA_NAMES, "embedded": EMBEDDED}


def shown_in_page(attachments: list[dict], view: str | None) -> dict | None:
    """The attachment asked for with `?view=<sha256>`, if the page can show it (a PDF or an image)."""
    return next((a for a in attachments if view and a.get("sha256") == view and a.get("media_type") in EMBEDDED), None)


def embedding_headers(viewing: dict | None) -> dict[str, str] | None:
    """The page's policy, letting in the intake's origin for the one file shown (frames for a PDF, images for an
    image): the page's own route sends the frame on to the intake's signed link."""
    if viewing is None:
        return None
    origin = intake_url()
    csp = PAGE_HEADERS["Content-Security-Policy"].replace("img-src 'self'", f"img-src 'self' {origin}")
    return {"Content-Security-Policy": f"{csp}; frame-src 'self' {origin}"}


AGGREGATIONS = {"mean": "取平均分", "trimmed_mean": "去掉一个最高分和一个最低分后取平均",
                "zscore_mean": "按每位专家的评分标准化（z 分数）后取平均"}
MAX_FORM_BYTES = 64 * 1024


def seat_href(item: dict) -> str:
    return SEAT.format(campaign=item["campaign"], list_code=item["list_code"], domain=item["domain"] or "-",
                       nomination_id=item["nomination_id"])


@router.get(HOME)
async def queue(request: Request, page: int = 1) -> Response:
    who, csrf = signed_in(request, "expert")
    state = service_of(request)
    async with state.pool.acquire() as conn:
        found = await review_queries.expert_queue(conn, who.sub, max(page, 1), PAGE_SIZE)
    deadlines = {}
    for item in found["items"]:
        campaign = await state.campaigns.knowing(item["campaign"])
        lst = campaign.ranking_list(item["list_code"])
        item["href"], item["target_name"] = seat_href(item), " · ".join(
            [lst.name] + ([lst.domain(item["domain"]).name] if item["domain"] else []))
        deadlines.setdefault(item["campaign"], campaign.timeline.prelim_due_at)
    pages = max((found["total"] + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return T.page("expert_queue.html", title="我的评审任务", who=who, csrf=csrf, queue=found, pages=pages,
                  deadlines=deadlines, done=request.query_params.get("done"))


async def _seat_page(request: Request, who: Identity, csrf: str, campaign: str, list_code: str, domain: str,
                     nomination_id: UUID, sheet: Sheet | None = None, status: int = 200,
                     recorded: Reply | None = None, conflict: dict | None = None, view: str | None = None) -> Response:
    state = service_of(request)
    async with state.pool.acquire() as conn:
        seat = await review_queries.expert_seat(conn, who.sub, str(nomination_id))
    target = seat and seat["target"]
    if (seat is None or target is None or target["plan"] is None
            or (seat["campaign"], seat["list_code"], seat["domain"] or "-") != (campaign, list_code, domain)):
        return T.page("message.html", 404, title="未找到", heading="未找到", who=who, csrf=csrf, back=HOME,
                      message="该推荐对象未分配给您评审（或您已声明回避）。")
    if sheet is None:
        sheet = Sheet.of_plan(target["plan"], (seat["score"] or {}).get("scores"))
    found = await state.campaigns.knowing(campaign)
    lst = found.ranking_list(list_code)
    neighbours = {k: seat_href({**seat, "nomination_id": seat[k]}) if seat[k] else None for k in ("previous", "next")}
    viewing = shown_in_page(seat["attachments"], view)
    return T.page("expert_seat.html", status, embedding_headers(viewing), title=seat["title"], who=who, csrf=csrf,
                  seat=seat, sheet=sheet, list_name=lst.name, domain_name=lst.domain(seat["domain"]).name if seat["domain"] else None,
                  plan=target["plan"], deadline=found.timeline.prelim_due_at, dossier=dossier_rows(seat["form"]),
                  action=seat_href(seat), neighbours=neighbours, submission=uuid4().hex, recorded=recorded,
                  reasons=CONFLICT_REASONS, conflict=conflict or {}, home=HOME, aggregations=AGGREGATIONS,
                  viewing=viewing, **DOSSIER_LINKS)


@router.get(SEAT)
async def seat(campaign: str, list_code: str, domain: str, nomination_id: UUID, request: Request,
               view: str | None = None) -> Response:
    who, csrf = signed_in(request, "expert")
    return await _seat_page(request, who, csrf, campaign, list_code, domain, nomination_id, view=view)


async def _form(request: Request) -> tuple[bytes, dict[str, str]]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise DomainError("提交内容过大。", code="payload_too_large", http_status=413)
    form = await request.form(max_files=0, max_fields=50)
    return body, {k: v for k, v in form.items() if isinstance(v, str)}


async def _run(request: Request, who: Identity, body: bytes, key: str | None, handler, command) -> Reply:
    """The command through the API's handler, keyed per person with the form's one-time token."""
    try:
        req = write_request(service_of(request), who, request.headers, "POST", request.url.path, body, by_person,
                            key=key or None)
        return await handler(service_of(request), req, command(req))
    except DomainError as exc:
        return Reply(exc.http_status, {"code": exc.code, "detail": exc.message, "errors": exc.errors or (
            [{"field": exc.field, "code": exc.code, "message": exc.message}] if exc.field else [])})


@router.post(SEAT + "/scores")
async def score(campaign: str, list_code: str, domain: str, nomination_id: UUID, request: Request) -> Response:
    try:
        who, csrf = signed_in(request, "expert")
        body, form = await _form(request)
    except Refused as refused:
        return refused.response
    except DomainError as exc:
        return T.page("message.html", exc.http_status, title="无法完成请求", heading="无法完成请求", who=who,
                      csrf=csrf, message=exc.message, back=HOME)
    state = service_of(request)
    async with state.pool.acquire() as conn:
        seat = await review_queries.expert_seat(conn, who.sub, str(nomination_id))
    target = seat and seat["target"]
    if seat is None or target is None or target["plan"] is None:
        return await _seat_page(request, who, csrf, campaign, list_code, domain, nomination_id)  # its 404 page
    sheet = Sheet.of_plan(target["plan"])
    scores = sheet.read(form)
    if scores is None:
        return await _seat_page(request, who, csrf, campaign, list_code, domain, nomination_id, sheet, 422)
    reply = await _run(request, who, body, form.get("submission"), handlers.record_score, lambda req: RecordScore(
        req.who, target_of(campaign, list_code, domain), nomination_id, scores.scores, scores.reason))
    if reply.status >= 400:
        sheet.refused(reply.body)
        return await _seat_page(request, who, csrf, campaign, list_code, domain, nomination_id, sheet, reply.status)
    return await _seat_page(request, who, csrf, campaign, list_code, domain, nomination_id, sheet, recorded=reply)


@router.post(SEAT + "/conflict")
async def conflict(campaign: str, list_code: str, domain: str, nomination_id: UUID, request: Request) -> Response:
    try:
        who, csrf = signed_in(request, "expert")
        body, form = await _form(request)
        declared = ConflictRequest.model_validate({"reason_code": form.get("reason_code", ""),
                                                   "reason": form.get("reason", "")})
    except Refused as refused:
        return refused.response
    except ValidationError:
        return await _seat_page(request, who, csrf, campaign, list_code, domain, nomination_id, status=422,
                                conflict={"error": "请选择回避原因。", **form})
    except DomainError as exc:
        return T.page("message.html", exc.http_status, title="无法完成请求", heading="无法完成请求", who=who,
                      csrf=csrf, message=exc.message, back=HOME)
    reply = await _run(request, who, body, form.get("submission"), handlers.declare_conflict, lambda req: DeclareConflict(
        req.who, target_of(campaign, list_code, domain), nomination_id, declared.reason_code, declared.reason))
    if reply.status >= 400:
        return await _seat_page(request, who, csrf, campaign, list_code, domain, nomination_id, status=reply.status,
                                conflict={"error": reply.body["detail"], **form})
    return T.page("message.html", reply.status, title="已声明回避", heading="已声明回避", who=who, csrf=csrf,
                  back=HOME, message="已记录您的回避声明：该推荐对象已从您的评审任务中移出，评审机构将另行补派专家。")
