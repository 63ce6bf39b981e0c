"""The recommending unit's pages: the applications sent to it (return with reasons, decline, recommend with
its opinion), its quota at a glance, and every nomination with its state, withdrawal and the workbook.
Every write is the API's handler (handlers.run_application, handlers.withdraw_nomination) under a key made
of the form's one-time token; a unit sees only what was sent to it and its own nominations."""

from __future__ import annotations

import io
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.identity import Identity
from eventlog.http.front_door import service_of
from eventlog.pages.access import signed_in

from .. import handlers, views
from ..domain.access import sees_application
from ..domain.commands import DeclineApplication, RecommendApplication, ReturnApplication, recommended_nomination_id
from ..forms import form_field_labels
from .common import (
    APPLICATION_STATES, NOMINATION_STATES, ROOT, T, campaign_of, deadline, page_now, submission_key, target_name,
    through_handler,
)

router = APIRouter(include_in_schema=False)
HOME = ROOT + "/unit"
QUEUE = ROOT + "/unit/applications"
ONE = QUEUE + "/{application_id}"
QUOTA = ROOT + "/unit/quota"
NOMINATIONS = ROOT + "/unit/nominations"
WITHDRAW = NOMINATIONS + "/{nomination_id}/withdraw"
EXPORT = ROOT + "/unit/nominations.xlsx"
ACTIONS = {"return": "退回修改", "decline": "不予推荐", "recommend": "推荐"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _unit(request: Request) -> tuple[Identity, str]:
    return signed_in(request, "unit")


@router.get(HOME)
async def home(request: Request) -> Response:
    _unit(request)
    return RedirectResponse(QUEUE, 303)


@router.get(QUEUE)
async def queue(request: Request, done: str | None = None) -> Response:
    who, csrf = _unit(request)
    campaign = await campaign_of(request, request.query_params.get("campaign"))
    async with service_of(request).pool.acquire() as conn:
        rows, total = await views.applications_where(conn, "unit", who.org, status=None, offset=0, limit=500)
    rows = sorted(rows, key=lambda r: (r["status"] != "sent", r["updated_at"]))  # waiting first
    items = [{**views.application_out(r, detail=False),
              "target": target_name(campaign, r["list_code"], r["domain"]) if campaign else r["list_code"],
              "state": APPLICATION_STATES.get(r["status"], r["status"])} for r in rows]
    waiting = sum(1 for r in rows if r["status"] == "sent")
    return T.page("unit_queue.html", title="待处理申报", who=who, csrf=csrf, items=items, total=total, waiting=waiting,
                  campaign=campaign, deadline=deadline(campaign, page_now(request)) if campaign else None,
                  here="queue", done={k: f"已{v}。" for k, v in ACTIONS.items()}.get(done or ""))


async def _sent_to(request: Request, who: Identity, application_id: str):
    try:
        wanted = UUID(application_id)
    except ValueError:
        return None
    async with service_of(request).pool.acquire() as conn:
        row = await views.application(conn, wanted)
    ok = row is not None and row["unit_id"] == who.org and sees_application(who, row["applicant_id"], row["unit_id"],
                                                                             row["ever_sent"])
    return row if ok else None


async def _application_page(request: Request, who: Identity, csrf: str, row, errors: dict[str, str] | None = None,
                            typed: dict[str, str] | None = None, status: int = 200) -> Response:
    campaign = await service_of(request).campaigns.knowing(row["campaign"])
    labels = form_field_labels(row["list_code"])
    shown = [(labels.get(k, k), v) for k, v in (row["form"] or {}).items() if k not in ("list_code",) and v not in (None, [], "")]
    return T.page("unit_application.html", status, title=row["title"], who=who, csrf=csrf,
                  application=views.application_out(row), target=target_name(campaign, row["list_code"], row["domain"]),
                  shown=shown, states=APPLICATION_STATES, errors=errors or {}, typed=typed or {},
                  submission=uuid4().hex, action_url=ONE.format(application_id=row["application_id"]),
                  deadline=deadline(campaign, page_now(request)), here="queue", home=QUEUE)


@router.get(ONE)
async def application_page(application_id: str, request: Request) -> Response:
    who, csrf = _unit(request)
    row = await _sent_to(request, who, application_id)
    if row is None:
        return T.page("message.html", 404, title="未找到", heading="未找到", who=who, csrf=csrf,
                      message="未找到该申报。", back=QUEUE)
    return await _application_page(request, who, csrf, row)


@router.post(ONE)
async def answer_application(application_id: str, request: Request) -> Response:
    """Return (with reasons), decline (with a reason) or recommend (with the unit's opinion): the API's command."""
    who, csrf = _unit(request)
    row = await _sent_to(request, who, application_id)
    if row is None:
        return T.page("message.html", 404, title="未找到", heading="未找到", who=who, csrf=csrf,
                      message="未找到该申报。", back=QUEUE)
    form = await request.form(max_files=0, max_fields=10)
    action = str(form.get("action") or "")
    text = {k: str(form.get(k) or "").strip() for k in ("comments", "reason", "opinion")}
    app_id = row["application_id"]
    field = {"return": "comments", "decline": "reason", "recommend": "opinion"}.get(action)
    if field is None:
        return await _application_page(request, who, csrf, row, {"": "请选择操作。"}, text, 422)
    if action != "recommend" and not text[field]:
        return await _application_page(request, who, csrf, row, {field: "请填写理由。"}, text, 422)
    if action == "return":
        body, cmd = {"comments": text["comments"]}, ReturnApplication(who, app_id, text["comments"])
    elif action == "decline":
        body, cmd = {"reason": text["reason"]}, DeclineApplication(who, app_id, text["reason"])
    else:
        body = {"opinion": text["opinion"] or None}
        cmd = RecommendApplication(who, app_id, recommended_nomination_id(app_id), text["opinion"] or None)
    status = 202 if action == "recommend" else 200
    reply = await through_handler(request, who, f"/v1/applications/{app_id}/{action}", body,
                                  submission_key(form, action),
                                  lambda state, req: handlers.run_application(state, req, cmd, status))
    if reply.status >= 400:
        detail = reply.body.get("detail") if isinstance(reply.body, dict) else "未能完成，请稍后重试。"
        name = field if (reply.body.get("field") in (field, f"form.recommending_opinion", "opinion")) else ""
        return await _application_page(request, who, csrf, row, {name: detail}, text, reply.status)
    return RedirectResponse(QUEUE + f"?done={action}", 303)


@router.get(QUOTA)
async def quota(request: Request) -> Response:
    who, csrf = _unit(request)
    campaign = await campaign_of(request, request.query_params.get("campaign"))
    if campaign is None:
        return T.page("message.html", 404, title="未找到", heading="未找到", who=who, csrf=csrf,
                      message="未找到评选活动。", back=QUEUE)
    async with service_of(request).pool.acquire() as conn:
        use = await views.quota_use(conn, campaign, who.org)
        rejected = {(r["list_code"], r["domain"] or ""): r["n"] for r in await conn.fetch(
            "SELECT list_code, domain, count(*) AS n FROM intake.nomination_status WHERE campaign = $1 "
            "AND unit_id = $2 AND decision = 'rejected' AND submitted_at IS NOT NULL GROUP BY 1, 2",
            campaign.code, who.org)}
    channel_names = {c.code: c.name for c in campaign.channels}
    for pool in use["pools"]:
        pool["rejected"] = rejected.get((pool["list_code"], pool["domain"] or ""), 0)
    return T.page("unit_quota.html", title="推荐名额", who=who, csrf=csrf, campaign=campaign, use=use,
                  channels=[channel_names.get(c, c) for c in use["channels"]], here="quota",
                  deadline=deadline(campaign, page_now(request)))


async def _nominations(request: Request, who: Identity, campaign) -> list[dict]:
    async with service_of(request).pool.acquire() as conn:
        rows, _ = await views.nominations_of(conn, who.org, campaign=campaign.code, list_code=None, status=None,
                                             offset=0, limit=1000)
        later = await views.progress(conn, rows, page_now(request))
    out = []
    for r in rows:
        n = views.nomination_out(r, detail=False)
        out.append({**n, **later[r["nomination_id"]], "target": target_name(campaign, r["list_code"], r["domain"]),
                    "state": NOMINATION_STATES.get(n["status"], n["status"])})
    return out


@router.get(NOMINATIONS)
async def nominations(request: Request, done: str | None = None) -> Response:
    who, csrf = _unit(request)
    campaign = await campaign_of(request, request.query_params.get("campaign"))
    if campaign is None:
        return T.page("message.html", 404, title="未找到", heading="未找到", who=who, csrf=csrf,
                      message="未找到评选活动。", back=QUEUE)
    now = page_now(request)
    return T.page("unit_nominations.html", title="本单位的推荐", who=who, csrf=csrf, campaign=campaign,
                  items=await _nominations(request, who, campaign), deadline=deadline(campaign, now), here="nominations",
                  submission=uuid4().hex, export=EXPORT, withdraw=WITHDRAW, error=request.query_params.get("error"),
                  done={"withdrawn": "已撤回。", "requested": "已申请撤回，待秘书处决定。"}.get(done or ""))


@router.post(WITHDRAW)
async def withdraw(nomination_id: str, request: Request) -> Response:
    who, csrf = _unit(request)
    form = await request.form(max_files=0, max_fields=10)
    reason = str(form.get("reason") or "").strip()
    try:
        wanted = UUID(nomination_id)
    except ValueError:
        wanted = None
    async with service_of(request).pool.acquire() as conn:
        row = await views.nomination(conn, wanted) if wanted else None
    if row is None or row["unit_id"] != who.org:
        return T.page("message.html", 404, title="未找到", heading="未找到", who=who, csrf=csrf,
                      message="未找到该推荐。", back=NOMINATIONS)
    if not reason:
        return T.page("message.html", 422, title="请说明理由", heading="请说明理由", who=who, csrf=csrf,
                      message="撤回推荐须说明理由。", back=NOMINATIONS)
    if form.get("action") == "request":  # after the deadline: asked of the secretariat, which decides
        reply = await through_handler(request, who, f"/v1/nominations/{wanted}/withdrawal-request", {"reason": reason},
                                      submission_key(form, "withdrawal-request"),
                                      lambda state, req: handlers.request_withdrawal(state, req, wanted, reason))
        if reply.status < 400:
            return RedirectResponse(NOMINATIONS + "?done=requested", 303)
    else:
        reply = await through_handler(request, who, f"/v1/nominations/{wanted}/withdraw", {"reason": reason},
                                      submission_key(form, "withdraw"),
                                      lambda state, req: handlers.withdraw_nomination(state, req, wanted, reason))
    if reply.status >= 400:
        return T.page("message.html", reply.status, title="未能撤回", heading="未能撤回", who=who, csrf=csrf,
                      message=reply.body.get("detail", "未能撤回。"), back=NOMINATIONS)
    return RedirectResponse(NOMINATIONS + "?done=withdrawn", 303)


@router.get(EXPORT)
async def export(request: Request) -> Response:
    who, csrf = _unit(request)
    from openpyxl import Workbook

    campaign = await campaign_of(request, request.query_params.get("campaign"))
    if campaign is None:
        return T.page("message.html", 404, title="未找到", heading="未找到", who=who, csrf=csrf,
                      message="未找到评选活动。", back=QUEUE)
    wb = Workbook()
    ws = wb.active
    ws.title = "本单位推荐"
    ws.append(["推荐编号", "名称", "榜单 · 领域", "状态", "说明", "形式审查", "评审阶段", "评审结果", "发布", "提交时间"])
    for n in await _nominations(request, who, campaign):
        ws.append([n["nomination_id"], n["title"], n["target"], n["state"], n["message"] or "",
                   (n["screening"] or {}).get("message", ""), n["stage"], n["decision"], n["release"],
                   n["submitted_at"] or ""])
    out = io.BytesIO()
    wb.save(out)
    return Response(out.getvalue(), media_type=XLSX, headers={
        "Content-Disposition": "attachment; filename*=UTF-8''nominations.xlsx", "Cache-Control": "no-store"})
