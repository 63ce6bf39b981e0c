"""The public web pages (server-rendered, Chinese, no script): the campaign's published lists, their
versions, the open notices with the objection form, the release files and the declared methods."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contracts.errors import DomainError
from eventlog.http.front_door import now_for, public_write, service_of
from eventlog.write.idempotency import Reply

from .. import handlers, pages, public
from ..release import render_list, render_notice
from ..release.page import render_error
from ..release.page_models import ErrorPage
from .common import campaign_of, client_key, pool, previewing

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parents[1] / "templates" / "static"
FORM_FIELDS = ("name", "org", "contact", "nomination_id", "grounds", "submission")
MAX_FORM_BYTES = 64 * 1024


def html(body: str | bytes, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                                   "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"})


def error_page(title: str, exc: DomainError, campaign: str | None = None) -> HTMLResponse:
    index = pages.page_href(campaign) if campaign else "/"
    heading = {404: "未找到", 503: "服务暂不可用"}.get(exc.http_status, "无法完成请求")
    return html(render_error(ErrorPage(title, heading, exc.message, index)), exc.http_status)


@router.get("/")
async def home(request: Request) -> Response:
    codes = service_of(request).campaigns.book.codes
    if not codes:
        return error_page("“科创中国”系列榜单", DomainError("尚未开启任何年度活动。", http_status=404))
    return RedirectResponse(pages.page_href(codes[-1]), status_code=303)


ROBOTS = (STATIC / "robots.txt").read_bytes()  # a static file, read once


@router.get("/robots.txt")
async def robots() -> Response:
    return Response(ROBOTS, media_type="text/plain; charset=utf-8")


@router.get("/campaigns/{campaign}")
async def index(campaign: str, request: Request) -> Response:
    try:
        found = await campaign_of(request, campaign)
        preview = await previewing(request)
    except DomainError as exc:
        return error_page("“科创中国”系列榜单", exc)
    async with pool(request).acquire() as conn:
        return html(await service_of(request).own.index(conn, found, now_for(request), preview))


@router.get("/campaigns/{campaign}/lists/{list_code}")
@router.get("/campaigns/{campaign}/lists/{list_code}/versions/{version}")
async def list_version(campaign: str, list_code: str, request: Request, version: int | None = None) -> Response:
    try:
        found = await campaign_of(request, campaign)
        found.ranking_list(list_code)
        preview = await previewing(request)
    except DomainError as exc:
        return error_page("“科创中国”系列榜单", exc)
    async with pool(request).acquire() as conn:  # embargoed: not released yet, but to the secretariat's preview
        page = await pages.list_page(conn, found, list_code, version, now_for(request), preview)
    if page is None:
        return error_page(found.title, DomainError("该榜单（或该版本）尚未发布。", http_status=404), campaign)
    return html(render_list(page))


async def _open_notice(request: Request, campaign: str, notice_id: UUID):
    found = await campaign_of(request, campaign)
    async with pool(request).acquire() as conn:
        row = await public.notice(conn, notice_id)
    if row is None or row.campaign != campaign or not row.open_at(now_for(request)):
        raise DomainError("未找到正在进行的该公示（可能已结束）。", code="notice_not_found", http_status=404)
    return found, row


@router.get("/campaigns/{campaign}/notices/{notice_id}")
async def notice(campaign: str, notice_id: UUID, request: Request) -> Response:
    try:
        found, row = await _open_notice(request, campaign, notice_id)
    except DomainError as exc:
        return error_page("“科创中国”系列榜单", exc, campaign)
    async with pool(request).acquire() as conn:
        return html(render_notice(await pages.notice_page(conn, found, row, now_for(request))))


@router.post("/campaigns/{campaign}/notices/{notice_id}/objections")
async def objection_form(campaign: str, notice_id: UUID, request: Request) -> Response:
    """The notice page's form: thanks on success, else the notice again with the errors on the form."""
    try:
        found, row = await _open_notice(request, campaign, notice_id)
    except DomainError as exc:
        return error_page("“科创中国”系列榜单", exc, campaign)
    try:
        values = await _form_values(request)
    except DomainError as exc:
        return error_page(found.title, exc, campaign)
    try:
        nomination_id = UUID(values["nomination_id"]) if values.get("nomination_id") else None
    except ValueError:
        nomination_id = None
    try:
        req = await public_write(request, values.get("submission"))  # the form's own one-time token
        reply = await handlers.file_objection(service_of(request), req, campaign, notice_id, dict(
            nomination_id=nomination_id, name=values.get("name", ""), organisation=values.get("org", ""),
            contact=values.get("contact", ""), grounds=values.get("grounds", "")), client_key(request))
    except DomainError as exc:
        reply = Reply(exc.http_status, {"detail": exc.message, "errors": exc.errors or []})
    now = now_for(request)
    async with pool(request).acquire() as conn:
        if reply.status < 400:
            page = await pages.notice_page(conn, found, row, now, message=reply.body["message"])
        else:
            errors = tuple(e["message"] for e in reply.body.get("errors") or []) or (reply.body["detail"],)
            page = await pages.notice_page(conn, found, row, now, errors=errors, form_values=values)
    return html(render_notice(page), 201 if reply.status < 400 else reply.status)


async def _form_values(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise DomainError(f"提交内容过大（不超过 {MAX_FORM_BYTES // 1024} KB）。", code="payload_too_large",
                          http_status=413)
    form = await request.form(max_files=0, max_fields=20)
    return {k: v for k in FORM_FIELDS if isinstance(v := form.get(k), str)}
