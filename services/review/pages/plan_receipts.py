"""The secretariat's plan receipts (回执): every plan filed in a campaign with its state (待回执, 已确认, 已退回) and
its terms, and per plan awaiting one the forms to acknowledge it or return it with reasons. A form becomes the
body of POST …/plan/receipt and goes through the API's model and the handler the JSON route calls
(handlers.run_target), keyed per person with the form's one-time key and the plan: a form sent twice records once."""

from __future__ import annotations

from uuid import uuid4

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.identity import Identity
from eventlog.http.front_door import service_of
from eventlog.http.page_session import PAGES

from .. import handlers
from ..domain.commands import ReceivePlan
from ..schemas import NO_DOMAIN, PlanReceiptRequest, target_of
from ..views import review_queries
from .access import T, signed_in
from .plan_document import document_href
from .body import AGGREGATIONS, TIE_BREAKS, api_path, invalid, one, read_form, run

router = APIRouter(include_in_schema=False)
HOME = PAGES + "/review/plans"
LIST = PAGES + "/review/campaigns/{campaign}/plans"
DECISIONS = {"acknowledge": "确认", "return": "退回"}


@router.get(HOME)
async def home(request: Request) -> Response:
    who, csrf = signed_in(request, "secretariat")
    titles = service_of(request).campaigns.titles()
    if len(titles) == 1:
        return RedirectResponse(LIST.format(campaign=next(iter(titles))), 303)
    return T.page("plan_receipts_home.html", title="评审方案回执", who=who, csrf=csrf,
                  campaigns=[(LIST.format(campaign=code), title) for code, title in sorted(titles.items())])


async def _page(request: Request, who: Identity, csrf: str, campaign: str, status: int = 200,
                typed: dict | None = None, done: str | None = None) -> Response:
    state = service_of(request)
    found = await state.campaigns.knowing(campaign)
    bodies = {b.code: b.name for b in found.bodies}
    async with state.pool.acquire() as conn:
        plans = await review_queries.filed_plans(conn, campaign)
    for p in plans:
        lst = found.ranking_list(p["list_code"])
        p["name"] = " · ".join([lst.name] + ([lst.domain(p["domain"]).name] if p["domain"] else []))
        p["body_name"] = bodies.get(p["plan"]["filed_by"], p["plan"]["filed_by"])
        p["domain_segment"] = p["domain"] or NO_DOMAIN
        document = p["plan"].get("document")
        p["document_href"] = document_href(campaign, p["list_code"], p["domain"], document["sha256"]) if document else None
    counts = {label: sum(p["receipt"]["label"] == label for p in plans) for label in ("待回执", "已确认", "已退回")}
    return T.page("plan_receipts.html", status, title="评审方案回执", who=who, csrf=csrf, campaign=campaign,
                  campaign_title=found.title, plans=plans, counts=counts, action=LIST.format(campaign=campaign),
                  typed=typed or {}, done=done, submission=uuid4().hex, aggregations=AGGREGATIONS,
                  tie_breaks=TIE_BREAKS)


@router.get(LIST)
async def plans(campaign: str, request: Request) -> Response:
    who, csrf = signed_in(request, "secretariat")
    return await _page(request, who, csrf, campaign)


@router.post(LIST)
async def receive(campaign: str, request: Request) -> Response:
    who, csrf = signed_in(request, "secretariat")
    form = await read_form(request)
    if form is None:
        return T.page("message.html", 413, title="无法完成请求", heading="无法完成请求", who=who, csrf=csrf,
                      message="提交内容过大。", back=LIST.format(campaign=campaign))
    list_code, domain = one(form, "list_code", 64), one(form, "domain", 64) or NO_DOMAIN
    decision, reasons = one(form, "decision", 16), one(form, "reasons")
    typed = {"target": f"{list_code}/{domain}", "errors": {},
             "values": {"plan_event_id": one(form, "plan_event_id", 64), "reasons": reasons,
                        "note": one(form, "note", 1000), "decision": decision}}
    if decision not in DECISIONS:
        typed["errors"][""] = "请选择：确认或退回。"
        return await _page(request, who, csrf, campaign, 422, typed)
    try:
        body = PlanReceiptRequest.model_validate({
            "plan_event_id": typed["values"]["plan_event_id"], "acknowledged": decision == "acknowledge",
            "reasons": [line.strip() for line in reasons.splitlines() if line.strip()] if decision == "return" else [],
            "note": typed["values"]["note"] if decision == "acknowledge" else ""})
    except ValidationError as exc:
        invalid(exc, typed)
        return await _page(request, who, csrf, campaign, 422, typed)
    target = target_of(campaign, list_code, domain)
    submission = one(form, "submission", 64)
    reply = await run(request, who, "POST", api_path(campaign, list_code, domain, "/plan/receipt"),
                      body.model_dump(mode="json"), f"{submission}-{body.plan_event_id}" if submission else "",
                      lambda req: handlers.run_target(service_of(request), req, ReceivePlan(
                          req.who, target, body.plan_event_id, body.acknowledged, tuple(body.reasons), body.note)))
    if reply.status >= 400:
        field = reply.body.get("field")
        typed["errors"][field if field in ("reasons", "note") else ""] = reply.body.get("detail", "")
        return await _page(request, who, csrf, campaign, reply.status, typed)
    return await _page(request, who, csrf, campaign, done="已确认评审方案。" if body.acknowledged
                       else "已退回评审方案，评审机构须修改后重新备案。")
