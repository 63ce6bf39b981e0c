"""A review body files its plan (备案) on a page: the plan's words, the criteria with their weights, the scoring
range, aggregation, divergence rule and tie-break, and the experts' roster imported from the workbook the page
offers. The form becomes the body of PUT …/plan and goes through the API's model and the handler the JSON route
calls (handlers.file_plan), keyed per person with the form's one-time key: a form sent twice files once."""

from __future__ import annotations

from uuid import uuid4

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.http.front_door import now_for, service_of
from eventlog.http.problems import field_message

from .. import handlers, plan_documents
from ..domain.context import ReviewContext
from ..domain.plans import plan_defaults
from ..schemas import PlanRequest, target_of
from . import roster_sheet
from .access import Refused, T, signed_in
from .plan_document import document_href
from .body import (AGGREGATIONS, MEASURES, PAGE, TIE_BREAKS, api_path, blank, invalid, manages, not_found,
                   refused_beside, run, target_state)

router = APIRouter(include_in_schema=False)
PLAN = PAGE + "/plan"
ROSTER = PLAN + "/roster.xlsx"
CRITERIA_ROWS = 8
MAX_UPLOAD_BYTES = 512 * 1024  # a 2,000-expert roster is ~150 KiB
TERMS = ("score_min", "score_max", "experts_per_item", "aggregation", "trim_min_scores", "divergence_threshold",
         "divergence_measure", "max_load", "contact_email")
CRITERION = ("code", "name", "weight", "description")


def _typed_of(plan: dict | None, defaults: dict) -> dict:
    """The form's starting values: the plan in force, else the campaign's defaults."""
    source = {**defaults, **{k: v for k, v in (plan or {}).items() if v is not None}}
    values = {k: "" if source.get(k) is None else str(source[k]) for k in TERMS}
    values.setdefault("divergence_measure", "range")
    values["divergence_measure"] = values["divergence_measure"] or "range"
    for i, c in enumerate(source.get("criteria") or []):
        for part in CRITERION:
            values[f"criteria.{i}.{part}"] = str(c.get(part, "") if isinstance(c, dict) else getattr(c, part))
    for i, rule in enumerate(source.get("tie_break") or []):
        values[f"tie_break.{i}"] = rule
    return {"form": "plan", "values": values, "errors": {}}


async def _page(request: Request, who: Identity, csrf: str, campaign: str, list_code: str, domain: str,
                status: int = 200, typed: dict | None = None, done: dict | None = None) -> Response:
    try:
        s = await target_state(request, who, campaign, list_code, domain)
    except DomainError as exc:
        return not_found(who, csrf, exc.message)
    plan = (s["summary"] or {}).get("plan")
    typed = typed or _typed_of(plan, plan_defaults(ReviewContext(now_for(request), s["found"])))
    document = (plan or {}).get("document")
    return T.page("body_plan.html", status, title=f"备案评审方案 · {s['name']}", who=who, csrf=csrf, s=s, plan=plan,
                  typed=typed, done=done, rows=CRITERIA_ROWS, aggregations=AGGREGATIONS, measures=MEASURES,
                  tie_breaks=TIE_BREAKS, submission=uuid4().hex, roster_href=s["href"] + "/plan/roster.xlsx",
                  action=s["href"] + "/plan", document=document, max_document_mib=plan_documents.MAX_BYTES // (1024 * 1024),
                  document_href=document_href(campaign, list_code, s["target"].domain, document["sha256"]) if document
                  else None)


@router.get(PLAN)
async def plan_form(campaign: str, list_code: str, domain: str, request: Request) -> Response:
    who, csrf = signed_in(request, "review_body")
    return await _page(request, who, csrf, campaign, list_code, domain)


@router.get(ROSTER)
async def roster_template(campaign: str, list_code: str, domain: str, request: Request) -> Response:
    try:
        who, csrf = signed_in(request, "review_body")
        s = await target_state(request, who, campaign, list_code, domain)
    except Refused as refused:
        return refused.response
    except DomainError as exc:
        return not_found(who, csrf, exc.message)
    data = roster_sheet.template(f"{s['found'].title} · {s['name']} · 评审专家名单")
    return Response(data, media_type=roster_sheet.XLSX, headers={
        "Content-Disposition": f'attachment; filename="roster-{campaign}-{list_code}-{domain}.xlsx"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _terms(values: dict[str, str]) -> dict:
    """The API's body from the form as typed: empty fields are omitted (the campaign's defaults hold)."""
    terms: dict = {k: values[k] for k in ("plan", "expert_composition")}
    terms |= {k: values[k] for k in TERMS if values.get(k)}
    criteria = []
    for i in range(CRITERIA_ROWS):
        row = {part: values.get(f"criteria.{i}.{part}", "") for part in CRITERION}
        if any(row[p] for p in ("code", "name", "weight")):
            criteria.append({k: v for k, v in row.items() if v or k != "description"})
    if criteria:
        terms["criteria"] = criteria
    rules = [values[f"tie_break.{i}"] for i in range(2) if values.get(f"tie_break.{i}")]
    if rules:
        terms["tie_break"] = rules
    return terms


@router.post(PLAN)
async def file_plan(campaign: str, list_code: str, domain: str, request: Request) -> Response:
    try:
        who, csrf = signed_in(request, "review_body")
        await manages(request, who, campaign, list_code, domain)
    except Refused as refused:
        return refused.response
    except DomainError as exc:
        return not_found(who, csrf, exc.message)
    typed = blank("plan")
    if len(await request.body()) > plan_documents.MAX_BYTES + MAX_UPLOAD_BYTES + 64 * 1024:
        typed["errors"]["document"] = f"提交的文件过大（方案文件上限 {plan_documents.MAX_BYTES // (1024 * 1024)} MiB）。"
        return await _page(request, who, csrf, campaign, list_code, domain, 413, typed)
    form = await request.form(max_files=2, max_fields=20 + 4 * CRITERIA_ROWS)
    names = ("plan", "expert_composition", *TERMS, "tie_break.0", "tie_break.1",
             *(f"criteria.{i}.{p}" for i in range(CRITERIA_ROWS) for p in CRITERION))
    typed["values"] = {k: str(form.get(k) or "").strip()[:4000] for k in names}
    document = form.get("document")
    upload = None
    if document is not None and not isinstance(document, str) and document.filename:
        data = await document.read(plan_documents.MAX_BYTES + 1)
        try:  # checked before anything is stored: a refused file leaves nothing behind
            upload = (plan_documents.check(document.filename, document.content_type, data), data)
        except DomainError as exc:
            typed["errors"]["document"] = exc.message
            return await _page(request, who, csrf, campaign, list_code, domain, 422, typed)
    file = form.get("roster")
    if file is None or isinstance(file, str) or not file.filename:
        typed["errors"]["roster"] = "请选择专家名单文件（.xlsx，可先下载本页的模板填写）。"
        return await _page(request, who, csrf, campaign, list_code, domain, 422, typed)
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        typed["errors"]["roster"] = "文件过大（上限 512 KiB）。"
        return await _page(request, who, csrf, campaign, list_code, domain, 413, typed)
    try:
        entries = roster_sheet.read(data)
    except roster_sheet.RosterUnreadable as exc:
        typed["errors"]["roster"] = str(exc)
        return await _page(request, who, csrf, campaign, list_code, domain, 422, typed)
    if not entries:
        typed["errors"]["roster"] = "专家名单中没有填写任何专家。"
        return await _page(request, who, csrf, campaign, list_code, domain, 422, typed)
    terms = {**_terms(typed["values"]), "roster": [e for _, e in entries]}
    state = service_of(request)
    if upload is not None:
        terms["document"] = upload[0].sha256
    elif kept := await _kept_document(state, who, campaign, list_code, domain):
        terms["document"] = kept  # no new file: the plan in force's stays
    try:
        body = PlanRequest.model_validate(terms)
    except ValidationError as exc:
        _roster_rows(exc, entries, typed)
        invalid(exc, typed)
        return await _page(request, who, csrf, campaign, list_code, domain, 422, typed)
    terms = body.model_dump(mode="json", exclude_none=True)
    if upload is not None:
        async with state.pool.acquire() as conn:
            await plan_documents.store(conn, who.org, *upload)
    reply = await run(request, who, "PUT", api_path(campaign, list_code, domain, "/plan"), terms,
                      str(form.get("submission") or "")[:64],
                      lambda req: handlers.file_plan(state, req, target_of(campaign, list_code, domain), terms))
    if reply.status >= 400:
        refused_beside(reply, typed, "")
        return await _page(request, who, csrf, campaign, list_code, domain, reply.status, typed)
    return await _page(request, who, csrf, campaign, list_code, domain, typed={**typed, "errors": {}},
                       done={**reply.body, "roster": len(entries), "replayed": reply.replayed})


async def _kept_document(state, who: Identity, campaign: str, list_code: str, domain: str) -> str | None:
    """The document of the plan in force, if the caller's body filed it."""
    async with state.pool.acquire() as conn:
        return await plan_documents.of_plan_in_force(conn, target_of(campaign, list_code, domain).key, who.org)


def _roster_rows(exc: ValidationError, entries: list[tuple[int, dict]], typed: dict) -> None:
    """A roster entry's refusal by its sheet row and column, beside the file."""
    headings = dict(roster_sheet.COLUMNS)
    lines = []
    for err in exc.errors():
        loc = err["loc"]
        if len(loc) >= 3 and loc[0] == "roster" and isinstance(loc[1], int) and loc[1] < len(entries):
            lines.append(f"第 {entries[loc[1]][0]} 行“{headings.get(str(loc[2]), loc[2])}”："
                         f"{field_message(err)}")
    if lines:
        typed["errors"]["roster"] = "专家名单有误：" + "；".join(lines[:10]) + ("……" if len(lines) > 10 else "")
