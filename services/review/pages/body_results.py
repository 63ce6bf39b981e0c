"""A review body's results: the preview before it submits (ranked by the plan's method, each nomination's raw
totals beside its aggregate, each total's z-score beside it, and each expert's leniency — their mean against
the panel's — computed by the domain's own arithmetic, domain/aggregation.py), the submission through the
handler POST …/results calls, and the results sheet to stamp (盖章) and file, as XLSX and as PDF."""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal
from uuid import uuid4

from fastapi import APIRouter, Request
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Font
from pydantic import ValidationError

from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.http.front_door import service_of

from .. import handlers
from ..domain.aggregation import leniency
from ..domain.commands import SubmitResults
from ..schemas import ResultsRequest, target_of
from .access import Refused, T, signed_in
from .body import (AGGREGATIONS, PAGE, api_path, blank, invalid, manages, not_found, read_form, run,
                   target_state)
from .minutes import XLSX, append

router = APIRouter(include_in_schema=False)
RESULTS = PAGE + "/results"
SHEET_XLSX, SHEET_PDF = RESULTS + ".xlsx", RESULTS + ".pdf"
HEADER = ("排名", "推荐编号", "名称", "推荐单位", "汇总分", "原始总分", "评分专家数", "分歧", "各专家总分")


def ranked(s: dict) -> tuple[list[dict], dict, Decimal]:
    """The nominations in review, ranked (the submitted results, else the live ones; unranked last), with each
    expert's total and its z beside it; and each expert's leniency against the panel's mean."""
    rows = [r for r in s["rows"] if r["in_review"]]
    experts, panel_mean = leniency({r["nomination_id"]: {e: Decimal(str(t)) for e, t in r["totals"].items()}
                                    for r in rows if r["totals"]})
    z = {(n, e.expert_id): v for e in experts.values() for n, v in e.z}
    submitted = bool((s["summary"] or {}).get("results_submitted"))
    out = []
    for r in rows:
        result = r.get("prelim") if submitted else r.get("live")  # once submitted, what was submitted only
        out.append({**r, "result": result, "scores": [
            {"expert_id": e, "total": t, "z": z.get((r["nomination_id"], e))} for e, t in sorted(r["totals"].items())]})
    out.sort(key=lambda r: (r["result"] is None or r["result"]["rank"] is None,
                            r["result"]["rank"] if r["result"] else 0, r["title"]))
    return out, experts, panel_mean


async def _page(request: Request, who: Identity, csrf: str, campaign: str, list_code: str, domain: str,
                status: int = 200, typed: dict | None = None, done: dict | None = None) -> Response:
    try:
        s = await target_state(request, who, campaign, list_code, domain)
    except DomainError as exc:
        return not_found(who, csrf, exc.message)
    rows, experts, panel_mean = ranked(s)
    summary = s["summary"] or {}
    return T.page("body_results.html", status, title=f"初评结果 · {s['name']}", who=who, csrf=csrf, s=s,
                  rows=rows, experts=list(experts.values()), panel_mean=panel_mean, summary=summary,
                  plan=summary.get("plan"), aggregations=AGGREGATIONS, typed=typed or blank("results"), done=done,
                  open_re_reviews=[r for r in rows if r.get("re_review") and r["re_review"]["open"]],
                  submission=uuid4().hex, action=s["href"] + "/results")


@router.get(RESULTS)
async def preview(campaign: str, list_code: str, domain: str, request: Request) -> Response:
    who, csrf = signed_in(request, "review_body")
    return await _page(request, who, csrf, campaign, list_code, domain)


@router.post(RESULTS)
async def submit(campaign: str, list_code: str, domain: str, request: Request) -> Response:
    try:
        who, csrf = signed_in(request, "review_body")
        await manages(request, who, campaign, list_code, domain)
    except Refused as refused:
        return refused.response
    except DomainError as exc:
        return not_found(who, csrf, exc.message)
    form = await read_form(request, max_fields=2100)
    typed = blank("results")
    if form is None:
        typed["errors"][""] = "提交内容过大。"
        return await _page(request, who, csrf, campaign, list_code, domain, 413, typed)
    text = lambda k, n=2000: (form.get(k) or [""])[0].strip()[:n]  # noqa: E731
    typed["values"] = {"reason": text("reason")} | {k: text(k, 1000) for k in form if k.startswith("rr.")}
    try:
        body = ResultsRequest.model_validate({"reason": typed["values"]["reason"], "re_review_reasons": {
            k[3:]: v for k, v in typed["values"].items() if k.startswith("rr.") and v}})
    except ValidationError as exc:
        invalid(exc, typed)
        return await _page(request, who, csrf, campaign, list_code, domain, 422, typed)
    reply = await run(request, who, "POST", api_path(campaign, list_code, domain, "/results"),
                      body.model_dump(mode="json"), text("submission", 64),
                      lambda req: handlers.run_target(service_of(request), req, SubmitResults(
                          req.who, target_of(campaign, list_code, domain), body.reason, body.re_review_reasons)))
    if reply.status >= 400:
        code = reply.body.get("code")
        typed["errors"]["reason" if code == "results_incomplete" else ""] = reply.body.get("detail", "")
        for e in reply.body.get("errors") or ():
            if code == "re_review_open" and isinstance(e, dict) and e.get("nomination_id"):
                typed["errors"]["rr." + e["nomination_id"]] = "分歧仍超过阈值：请说明现在报送的理由。"
        return await _page(request, who, csrf, campaign, list_code, domain, reply.status, typed)
    return await _page(request, who, csrf, campaign, list_code, domain, done={**reply.body, "replayed": reply.replayed})


async def _sheet(request: Request, campaign: str, list_code: str, domain: str):
    """The sheet's facts, or the page to answer instead."""
    try:
        who, csrf = signed_in(request, "review_body")
    except Refused as refused:
        return None, refused.response
    try:
        s = await target_state(request, who, campaign, list_code, domain)
    except DomainError as exc:
        return None, not_found(who, csrf, exc.message)
    rows, experts, panel_mean = ranked(s)
    return {"s": s, "rows": rows, "experts": list(experts.values()), "panel_mean": panel_mean,
            "summary": s["summary"] or {}, "bodies": "、".join(b.name for b in s["bodies"])}, None


def _filename(campaign: str, list_code: str, domain: str, ext: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="prelim-results-{campaign}-{list_code}-{domain}.{ext}"',
            "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@router.get(SHEET_XLSX)
async def sheet_xlsx(campaign: str, list_code: str, domain: str, request: Request) -> Response:
    facts, answer = await _sheet(request, campaign, list_code, domain)
    if facts is None:
        return answer
    s, summary = facts["s"], facts["summary"]
    wb = Workbook()
    ws = wb.active
    ws.title = "初评结果"
    append(ws, [f"{s['found'].title} · {s['name']} · 初评结果"])
    ws["A1"].font = Font(bold=True, size=14)
    append(ws, ["初评机构", facts["bodies"]])
    results = summary.get("results")
    append(ws, ["状态", ("已报送 " + results["submitted_at"].isoformat() + ("（逾期）" if results["late"] else ""))
                if results else "未报送（预览）"])
    append(ws, [])
    append(ws, HEADER)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for r in facts["rows"]:
        res = r["result"] or {}
        append(ws, [res.get("rank"), r["nomination_id"], r["title"], r["unit_id"], _num(res.get("aggregate")),
                    _num(res.get("raw_sum")), len(r["scores"]), "是" if res.get("divergent") else "",
                    "；".join(f"{s['named'](x['expert_id'])} {x['total']}" for x in r["scores"])])
    append(ws, [])
    append(ws, ["评审机构（盖章）：", "", "负责人（签字）：", "", "日期："])
    for col, width in zip("ABCDEFGHI", (6, 38, 36, 18, 10, 10, 10, 6, 50)):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return Response(out.getvalue(), media_type=XLSX, headers=_filename(campaign, list_code, domain, "xlsx"))


def _num(value) -> str:
    return "" if value is None else str(value)


@router.get(SHEET_PDF)
async def sheet_pdf(campaign: str, list_code: str, domain: str, request: Request) -> Response:
    facts, answer = await _sheet(request, campaign, list_code, domain)
    if facts is None:
        return answer
    html = T.render("body_results_sheet.html", **facts)
    try:
        pdf = await asyncio.to_thread(_print, html)  # a few hundred ms of CPU: off the event loop
    except (ImportError, OSError):  # no pango or fonts on this machine: the workbook still serves
        s = facts["s"]
        return T.page("message.html", 503, title="暂不能生成 PDF", heading="暂不能生成 PDF", who=None, csrf=None,
                      message="本机暂不能生成 PDF 结果表（缺少排版组件），请下载 Excel 结果表盖章存档。",
                      back=s["href"] + "/results")
    return Response(pdf, media_type="application/pdf", headers=_filename(campaign, list_code, domain, "pdf"))


def _print(html: str) -> bytes:
    # Imported here: WeasyPrint loads pango at import, and the pages render without it. No URL is fetched.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()
