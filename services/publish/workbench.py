"""The secretariat's news form (宣传推广) in the shared workbench: a title, a body and a publishing time per campaign,
through the same handler as POST /v1/publish/campaigns/{campaign}/news; the page lists the campaign's items with
whether the public sees them now. Signed in as the review workbench is (eventlog/pages: cookie session, CSRF)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from uuid import uuid4

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.http.front_door import by_person, now_for, service_of, write_request
from eventlog.http.page_session import PAGES
from eventlog.pages.access import Refused, signed_in
from eventlog.pages.render import Templates

from . import handlers, listed as L
from .domain import news as news_rules

router = APIRouter(include_in_schema=False)
T = Templates(Path(__file__).resolve().parent / "workbench_templates")
HOME = PAGES + "/publish/news"
NEWS_FORM = PAGES + "/publish/campaigns/{campaign}/news"
MAX_FORM_BYTES = 64 * 1024


def _signed_in_secretariat(request: Request) -> tuple[Identity, str] | Response:
    try:
        return signed_in(request, "secretariat")
    except Refused as refused:
        return refused.response


async def _form_page(request: Request, who: Identity, csrf: str, campaign: str, status: int = 200,
                     message: str | None = None, error: str | None = None, typed: dict | None = None) -> Response:
    found = await service_of(request).campaigns.knowing(campaign)
    now = now_for(request)
    async with service_of(request).pool.acquire() as conn:
        items = await L.news(conn, [campaign])
    t = found.timeline
    return T.page("news_form.html", status, title="宣传推广动态", who=who, csrf=csrf, campaign=campaign,
                  campaign_title=found.title, message=message, error=error, typed=typed or {},
                  season=(t.publicity_opens_at, t.publicity_closes_at), submission=uuid4().hex,
                  items=[(n, news_rules.shown(n.publish_at, now, found)) for n in items])


@router.get(HOME)
async def home(request: Request) -> Response:
    """The news form of the latest campaign."""
    signed = _signed_in_secretariat(request)
    if isinstance(signed, Response):
        return signed
    codes = service_of(request).campaigns.book.codes
    if not codes:
        return T.page("message.html", 404, title="未找到", heading="未找到", who=signed[0], csrf=signed[1],
                      message="尚未开启任何年度活动。", back=None)
    return RedirectResponse(NEWS_FORM.format(campaign=codes[-1]), 303)


@router.get(NEWS_FORM)
async def news_form(campaign: str, request: Request) -> Response:
    signed = _signed_in_secretariat(request)
    if isinstance(signed, Response):
        return signed
    try:
        return await _form_page(request, *signed, campaign)
    except DomainError as exc:
        return T.page("message.html", exc.http_status, title="无法完成请求", heading="无法完成请求", who=signed[0],
                      csrf=signed[1], message=exc.message, back=None)


@router.post(NEWS_FORM)
async def publish_news(campaign: str, request: Request) -> Response:
    signed = _signed_in_secretariat(request)
    if isinstance(signed, Response):
        return signed
    who, csrf = signed
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return T.page("message.html", 413, title="无法完成请求", heading="无法完成请求", who=who, csrf=csrf,
                      message="提交内容过大。", back=NEWS_FORM.format(campaign=campaign))
    form = await request.form(max_files=0, max_fields=10)
    typed = {k: str(form.get(k) or "") for k in ("title", "body", "publish_at")}
    try:
        found = await service_of(request).campaigns.knowing(campaign)
        publish_at = None
        if typed["publish_at"]:
            try:  # a datetime-local field: Beijing (the campaign's zone) time
                publish_at = datetime.fromisoformat(typed["publish_at"]).replace(tzinfo=found.tz)
            except ValueError:
                raise DomainError("发布时间格式不正确。", code="publish_at_invalid", field="publish_at") from None
        req = write_request(service_of(request), who, request.headers, request.method, request.url.path, body,
                            key_space=by_person, key=str(form.get("submission") or "") or None)
        reply = await handlers.publish_news(service_of(request), req, campaign, typed["title"], typed["body"],
                                            publish_at)
    except DomainError as exc:
        return await _form_page(request, who, csrf, campaign, exc.http_status, error=exc.message, typed=typed)
    if reply.status >= 400:
        return await _form_page(request, who, csrf, campaign, reply.status, error=reply.body.get("detail"),
                                typed=typed)
    return await _form_page(request, who, csrf, campaign, 201, message=f"已发布：{reply.body['title']}")
