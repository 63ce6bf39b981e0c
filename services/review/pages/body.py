"""A review body's pages: its home (each target it manages with the plan's state and progress), and per target
the plan in force, the panel (automatic assignment with the shortfalls' remedies, assignment by hand), each
expert's progress, and the re-reviews of divergent nominations. Every action is the command the JSON route
of the same name runs (routes/targets.py), through the same handler, keyed per person with the form's
one-time key, so a form sent twice records once; a refusal is shown beside its field with what was typed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID, uuid4

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.http.front_door import WriteRequest, by_person, now_for, service_of, write_request
from eventlog.http.page_session import PAGES
from eventlog.http.problems import field_message
from eventlog.pages.addresses import service_url
from eventlog.write.idempotency import Reply

from .. import handlers, roster_names
from ..domain.commands import AssignAutomatically, AssignExpert, CloseReReview, ConfirmPlan, OpenReReview
from ..domain.targets import is_joint, managed_by, targets_of
from ..schemas import (NO_DOMAIN, TARGET, AssignRequest, AutoAssignRequest, CloseReReviewRequest, ConfirmRequest,
                       ReReviewRequest, target_of)
from ..standings import live_results
from ..views import body_queries, review_queries
from .access import Refused, T, signed_in
from .plan_document import document_href

router = APIRouter(include_in_schema=False)
HOME = PAGES + "/review/body"
PAGE = PAGES + "/review/body/campaigns/{campaign}/targets/{list_code}/{domain}"
ALL = 1_000_000  # a target's nominations are shown and ranked as a whole, as the API ranks them
MAX_FORM_BYTES = 64 * 1024
AGGREGATIONS = {"mean": "取平均分", "trimmed_mean": "去掉一个最高分和一个最低分后取平均",
                "zscore_mean": "按每位专家的评分标准化（z 分数）后取平均"}
MEASURES = {"range": "最高分与最低分之差", "trimmed_range": "去掉一个最高分和一个最低分后的分差",
            "range_without_outlier": "去掉一个离群分后的分差"}
TIE_BREAKS = {"raw_sum": "原始总分高者在前", "earliest_submission": "提交时间早者在前"}


def href(campaign: str, list_code: str, domain: str | None, tail: str = "") -> str:
    return PAGE.format(campaign=campaign, list_code=list_code, domain=domain or NO_DOMAIN) + tail


def api_path(campaign: str, list_code: str, domain: str, tail: str = "") -> str:
    return TARGET.format(campaign=campaign, list_code=list_code, domain=domain) + tail


def not_found(who: Identity, csrf: str, message: str = "未找到该评审对象（榜单/领域）。") -> Response:
    return T.page("message.html", 404, title="未找到", heading="未找到", who=who, csrf=csrf, back=HOME, message=message)


async def target_state(request: Request, who: Identity, campaign: str, list_code: str, domain: str) -> dict:
    """What every page of one target reads: the campaign, the target (if the caller's body manages it; else
    DomainError 404), its state, its nominations ranked live, each expert's progress."""
    state = service_of(request)
    found = await state.campaigns.knowing(campaign)
    target = target_of(campaign, list_code, domain)
    bodies = managed_by(found, target, who.org)
    async with state.pool.acquire() as conn:
        summary = await review_queries.target(conn, target.key)
        everything = await review_queries.target_nominations(conn, target.key, 1, ALL)
        experts = await body_queries.expert_progress(conn, target.key)
        roster = (await roster_names.roster_of(conn, [target.key])).get(target.key, [])
    names = {e["expert_id"]: e["name"] for e in roster}
    lst = found.ranking_list(list_code)
    now = now_for(request)
    due = found.timeline.prelim_due_at
    for e in experts:  # who has most left to score first
        e["to_score"] = e["assigned"] - e["scored"]
        e["late"] = e["to_score"] if now >= due else 0
    experts.sort(key=lambda e: (-e["to_score"], e["expert_id"]))
    return {"found": found, "target": target, "bodies": bodies, "joint": is_joint(found, target),
            "summary": summary, "experts": experts, "roster": roster,
            "named": lambda expert_id: roster_names.labelled(expert_id, names.get(expert_id)),
            "rows": [{"live": None, **r} for r in live_results(summary, everything["items"], found)],
            "name": " · ".join([lst.name] + ([lst.domain(target.domain).name] if target.domain else [])),
            "due": due, "now": now, "href": href(campaign, list_code, target.domain)}


async def manages(request: Request, who: Identity, campaign: str, list_code: str, domain: str) -> None:
    """DomainError 404 unless the caller's body manages the target: checked before a form's key is taken, so
    another body's form leaves nothing behind (the domain checks it again in the command)."""
    managed_by(await service_of(request).campaigns.knowing(campaign), target_of(campaign, list_code, domain), who.org)


def blank(form: str = "") -> dict:
    return {"form": form, "values": {}, "errors": {}}


async def page(request: Request, who: Identity, csrf: str, campaign: str, list_code: str, domain: str,
               status: int = 200, typed: dict | None = None, done: str | None = None) -> Response:
    try:
        s = await target_state(request, who, campaign, list_code, domain)
    except DomainError as exc:
        return not_found(who, csrf, exc.message)
    summary = s["summary"] or {}
    plan = summary.get("plan")
    in_review = [r for r in s["rows"] if r["in_review"]]
    return T.page("body_target.html", status, title=s["name"], who=who, csrf=csrf, s=s, plan=plan,
                  summary=summary, in_review=in_review, typed=typed or blank(), done=done,
                  submission=uuid4().hex, aggregations=AGGREGATIONS, measures=MEASURES, tie_breaks=TIE_BREAKS,
                  reminders=f"{service_url('notify')}/workbench/notify/reminders?campaign={campaign}",
                  shortfalls=[r for r in in_review if r.get("shortfall")],
                  divergent=[] if summary.get("results_submitted") else  # re-reviews end with the results
                  [r for r in in_review if (r.get("live") or {}).get("divergent") or r.get("re_review")],
                  needs_confirmation=bool(plan) and s["joint"] and not summary.get("plan_confirmed")
                  and plan["filed_by"] != who.org,
                  document_href=document_href(campaign, list_code, s["target"].domain, plan["document"]["sha256"])
                  if plan and plan.get("document") and plan["filed_by"] == who.org else None)


@router.get(HOME)
async def home(request: Request) -> Response:
    who, csrf = signed_in(request, "review_body")
    state = service_of(request)
    campaigns = []
    for code in sorted(state.campaigns.titles()):
        found = await state.campaigns.knowing(code)
        targets = targets_of(found, who.org)
        async with state.pool.acquire() as conn:
            progress = {p["target_key"]: p for p in await review_queries.body_progress(conn, code, [t.key for t in targets])}
        rows = []
        for t in targets:
            lst = found.ranking_list(t.list_code)
            rows.append({"name": " · ".join([lst.name] + ([lst.domain(t.domain).name] if t.domain else [])),
                         "href": href(code, t.list_code, t.domain), "joint": is_joint(found, t), **progress[t.key]})
        campaigns.append({"title": found.title, "due": found.timeline.prelim_due_at, "targets": rows})
    if len(campaigns) == 1 and len(campaigns[0]["targets"]) == 1 and request.query_params.get("all") is None:
        return RedirectResponse(campaigns[0]["targets"][0]["href"], 303)
    return T.page("body_home.html", title="评审机构工作台", who=who, csrf=csrf, campaigns=campaigns)


@router.get(PAGE)
async def target(campaign: str, list_code: str, domain: str, request: Request) -> Response:
    who, csrf = signed_in(request, "review_body")
    return await page(request, who, csrf, campaign, list_code, domain)


async def read_form(request: Request, max_fields: int = 200) -> dict[str, list[str]] | None:
    """The form's text fields (repeated ones as lists); None if it is over the pages' size."""
    if len(await request.body()) > MAX_FORM_BYTES:
        return None
    form = await request.form(max_files=0, max_fields=max_fields)
    out: dict[str, list[str]] = {}
    for k, v in form.multi_items():
        if isinstance(v, str):
            out.setdefault(k, []).append(v)
    return out


def one(form: dict[str, list[str]], name: str, limit: int = 4000) -> str:
    return (form.get(name) or [""])[0].strip()[:limit]


async def run(request: Request, who: Identity, method: str, path: str, body: dict, key: str,
              call: Callable[[WriteRequest], Awaitable[Reply]]) -> Reply:
    """A command through the API's handler, as its JSON route would run it, keyed per person by the form."""
    try:
        req = write_request(service_of(request), who, request.headers, method, path, orjson.dumps(body), by_person,
                            key=key or None)
        return await call(req)
    except DomainError as exc:
        return refusal(exc)


def refusal(exc: DomainError) -> Reply:
    return Reply(exc.http_status, {"code": exc.code, "detail": exc.message, "field": exc.field,
                                   "errors": exc.errors or []})


def invalid(exc: ValidationError, typed: dict, names: dict[str, str] | None = None) -> None:
    """The API model's refusals beside their fields (a nested field by its first part)."""
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        typed["errors"].setdefault((names or {}).get(field, field), field_message(err))


def refused_beside(reply: Reply, typed: dict, default: str = "") -> None:
    field = reply.body.get("field")
    typed["errors"].setdefault(field if field in typed["values"] else default, reply.body.get("detail", ""))


async def _action(request: Request, campaign: str, list_code: str, domain: str, name: str, build, describe):
    """One panel action: the form read and checked by the API's model, the command through the handler."""
    try:
        who, csrf = signed_in(request, "review_body")
        await manages(request, who, campaign, list_code, domain)
    except Refused as refused:
        return refused.response
    except DomainError as exc:
        return not_found(who, csrf, exc.message)
    form = await read_form(request)
    if form is None:
        return T.page("message.html", 413, title="无法完成请求", heading="无法完成请求", who=who, csrf=csrf,
                      message="提交内容过大。", back=href(campaign, list_code, None if domain == NO_DOMAIN else domain))
    typed = blank(name)
    try:
        path, body, command = build(form, typed)
    except ValidationError as exc:
        invalid(exc, typed)
        return await page(request, who, csrf, campaign, list_code, domain, 422, typed)
    reply = await run(request, who, "POST", path, body, one(form, "submission", 64),
                      lambda req: handlers.run_target(service_of(request), req, command(req)))
    if reply.status >= 400:
        refused_beside(reply, typed)
        return await page(request, who, csrf, campaign, list_code, domain, reply.status, typed)
    return await page(request, who, csrf, campaign, list_code, domain, done=describe(reply))


@router.post(PAGE + "/assignments/auto")
async def assign_automatically(campaign: str, list_code: str, domain: str, request: Request) -> Response:
    def build(form, typed):
        typed["values"] = {"max_load": one(form, "max_load", 16)}
        body = AutoAssignRequest.model_validate({"max_load": typed["values"]["max_load"] or None})
        return (api_path(campaign, list_code, domain, "/assignments/auto"), body.model_dump(mode="json"),
                lambda req: AssignAutomatically(req.who, target_of(campaign, list_code, domain), body.max_load))

    def describe(reply):
        b = reply.body
        return (f"自动分配完成：新分配 {b['assigned']} 人次" + (f"，补足 {b['filled']} 项" if b["filled"] else "") + "。"
                if b["assigned"] else "自动分配完成：没有需要新分配的推荐对象。")

    return await _action(request, campaign, list_code, domain, "auto", build, describe)


@router.post(PAGE + "/assignments")
async def assign(campaign: str, list_code: str, domain: str, request: Request) -> Response:
    def build(form, typed):
        typed["values"] = {"nomination_id": one(form, "nomination_id", 64), "expert_id": one(form, "expert_id", 64)}
        body = AssignRequest.model_validate(typed["values"])
        return (api_path(campaign, list_code, domain, "/assignments"), body.model_dump(mode="json"),
                lambda req: AssignExpert(req.who, target_of(campaign, list_code, domain), body.nomination_id,
                                         body.expert_id))

    def describe(reply):
        return "已分配。" if reply.body["assigned"] else "该专家已在评审该推荐对象，未作改动。"

    return await _action(request, campaign, list_code, domain, "assign", build, describe)


@router.post(PAGE + "/plan/confirmation")
async def confirm(campaign: str, list_code: str, domain: str, request: Request) -> Response:
    def build(form, typed):
        typed["values"] = {"plan_event_id": one(form, "plan_event_id", 64), "note": one(form, "note", 1000)}
        body = ConfirmRequest.model_validate(typed["values"])
        return (api_path(campaign, list_code, domain, "/plan/confirmation"), body.model_dump(mode="json"),
                lambda req: ConfirmPlan(req.who, target_of(campaign, list_code, domain), body.plan_event_id, body.note))

    return await _action(request, campaign, list_code, domain, "confirm", build, lambda r: "已确认评审方案。")


@router.post(PAGE + "/nominations/{nomination_id}/re-review")
async def open_re_review(campaign: str, list_code: str, domain: str, nomination_id: UUID, request: Request) -> Response:
    def build(form, typed):
        add = [e.strip() for e in one(form, "add", 2000).replace("，", ",").replace("、", ",").split(",") if e.strip()]
        typed["values"] = {"nomination_id": str(nomination_id), "revisit": form.get("revisit") or [],
                           "add": one(form, "add", 2000), "reason": one(form, "reason", 1000)}
        body = ReReviewRequest.model_validate({"revisit": typed["values"]["revisit"], "add": add,
                                               "reason": typed["values"]["reason"]})
        return (api_path(campaign, list_code, domain, f"/nominations/{nomination_id}/re-review"),
                body.model_dump(mode="json"),
                lambda req: OpenReReview(req.who, target_of(campaign, list_code, domain), nomination_id,
                                         tuple(body.revisit), tuple(body.add), body.reason))

    def describe(reply):
        return (f"已发起复评：请 {len(reply.body['revisit'])} 位在席专家复核"
                + (f"，增派 {len(reply.body['added'])} 位专家" if reply.body["added"] else "") + "。")

    return await _action(request, campaign, list_code, domain, f"re-review-{nomination_id}", build, describe)


@router.post(PAGE + "/nominations/{nomination_id}/re-review/close")
async def close_re_review(campaign: str, list_code: str, domain: str, nomination_id: UUID, request: Request) -> Response:
    def build(form, typed):
        typed["values"] = {"nomination_id": str(nomination_id), "reason": one(form, "reason", 1000)}
        body = CloseReReviewRequest.model_validate({"reason": typed["values"]["reason"]})
        return (api_path(campaign, list_code, domain, f"/nominations/{nomination_id}/re-review/close"),
                body.model_dump(mode="json"),
                lambda req: CloseReReview(req.who, target_of(campaign, list_code, domain), nomination_id, body.reason))

    def describe(reply):
        return "已结束复评：分歧已消除。" if reply.body.get("cleared") else "已结束复评（分歧仍超过阈值，理由已记录）。"

    return await _action(request, campaign, list_code, domain, f"close-{nomination_id}", build, describe)
