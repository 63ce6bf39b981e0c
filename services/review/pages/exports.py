"""The secretariat's exports, as Excel workbooks to take home: every nomination with its status, quota,
screening, preliminary result and final decision; and the preliminary results per review body, one sheet per
target with its bodies named. Read from the review's views, as the pages are."""

from __future__ import annotations

import io
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Font

from contracts.deadline_text import BEIJING
from eventlog.http.front_door import service_of
from eventlog.http.page_session import PAGES

from ..domain.targets import bodies_of, targets_of
from ..views import final_queries, review_queries
from .access import T, signed_in
from .minutes import XLSX, append
from .screening import STATES

router = APIRouter(include_in_schema=False)
EXPORTS = PAGES + "/review/campaigns/{campaign}/exports"
NOMINATIONS = EXPORTS + "/nominations.xlsx"
RESULTS = EXPORTS + "/results.xlsx"
QUOTA = {"reserved": "占用名额", "released": "已释放", "rejected": "超出名额"}
NOMINATION_COLUMNS = ("推荐编号", "榜单", "领域", "推荐单位", "名称", "提交时间", "撤回时间", "名额", "形式审查",
                      "审查理由", "评审中", "初评排名", "初评汇总分", "原始分合计", "评分专家数", "评分分歧",
                      "终评决定", "决定次数", "决定说明", "决定时间", "已列入公示")
RESULT_COLUMNS = ("初评排名", "推荐编号", "名称", "推荐单位", "初评汇总分", "原始分合计", "评分专家数", "评分分歧",
                  "终评决定")


def _at(at: datetime | None) -> str:
    return "" if at is None else at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _yes(flag: bool | None) -> str:
    return "" if flag is None else ("是" if flag else "否")


def _decision(selected: bool | None) -> str:
    return "" if selected is None else ("入选" if selected else "不入选")


def _sheet(ws, header: tuple[str, ...], rows) -> None:
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        append(ws, row)
    ws.freeze_panes = ws.cell(row=ws.max_row - len(rows) + 1 if rows else 2, column=1)


def _xlsx(wb: Workbook, filename: str) -> Response:
    out = io.BytesIO()
    wb.save(out)
    return Response(out.getvalue(), media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})


@router.get(PAGES + "/review/exports")
async def home(request: Request) -> Response:
    who, csrf = signed_in(request, "secretariat")
    titles = service_of(request).campaigns.titles()
    return T.page("exports.html", title="导出", who=who, csrf=csrf, campaigns=[
        (title, NOMINATIONS.format(campaign=code), RESULTS.format(campaign=code)) for code, title in sorted(titles.items())])


@router.get(NOMINATIONS)
async def nominations(campaign: str, request: Request) -> Response:
    signed_in(request, "secretariat")
    state = service_of(request)
    found = await state.campaigns.knowing(campaign)
    lists = {lst.code: lst for lst in found.lists}
    domains = {d.code: d.name for lst in found.lists for d in lst.domains}
    async with state.pool.acquire() as conn:
        rows = await final_queries.campaign_nominations(conn, campaign)
    wb = Workbook()
    ws = wb.active
    ws.title = "推荐总表"
    _sheet(ws, NOMINATION_COLUMNS, [(
        r["nomination_id"], lists[r["list_code"]].name if r["list_code"] in lists else r["list_code"],
        domains.get(r["domain"], r["domain"] or ""), r["unit_id"], r["title"], _at(r["submitted_at"]),
        _at(r["withdrawn_at"]), QUOTA.get(r["quota_outcome"], r["quota_outcome"] or "待定"),
        STATES.get(r["screening_state"], r["screening_state"] or ""), "；".join(r["screening_reasons"] or ()),
        _yes(r["in_review"]), r["prelim_rank"], r["prelim_aggregate"], r["prelim_raw_sum"], r["prelim_expert_count"],
        _yes(r["prelim_divergent"]), _decision(r["selected"]), r["decision_revision"], r["decision_note"] or "",
        _at(r["decided_at"]), _yes(r["noticed_at"] is not None) if r["selected"] is not None else "")
        for r in rows])
    return _xlsx(wb, f"nominations-{campaign}.xlsx")


@router.get(RESULTS)
async def results(campaign: str, request: Request) -> Response:
    signed_in(request, "secretariat")
    state = service_of(request)
    found = await state.campaigns.knowing(campaign)
    wb = Workbook()
    wb.remove(wb.active)
    async with state.pool.acquire() as conn:
        for target in targets_of(found):
            summary = await review_queries.target(conn, target.key)
            if not summary or not summary["results_submitted"]:
                continue
            lst = found.ranking_list(target.list_code)
            name = " · ".join([lst.name] + ([lst.domain(target.domain).name] if target.domain else []))
            ws = wb.create_sheet(name.replace(" · ", "-")[:31])
            results_ = summary["results"]
            append(ws, [f"{found.title} · {name} · 初评结果"])
            ws["A1"].font = Font(bold=True, size=14)
            ws.append(["初评机构", "、".join(b.name for b in bodies_of(found, target))])
            ws.append(["报送时间", _at(results_["submitted_at"]), "逾期" if results_["late"] else "按期"])
            ws.append([])
            rows = await final_queries.sitting_candidates(conn, [target.key])
            _sheet(ws, RESULT_COLUMNS, [(
                r["prelim_rank"], r["nomination_id"], r["title"], r["unit_id"], r["prelim_aggregate"],
                r["prelim_raw_sum"], r["prelim_expert_count"], _yes(r["prelim_divergent"]), _decision(r["selected"]))
                for r in rows])
    if not wb.worksheets:
        wb.create_sheet("初评结果").append(["尚无评审机构报送初评结果。"])
    return _xlsx(wb, f"prelim-results-{campaign}.xlsx")
