"""The reminder button as a page: the secretariat, or a review body for itself and its experts, sees every
reminder due now worded as it would go (GET /v1/notify/reminders/preview), then sends exactly those
(POST /v1/notify/reminders/send's work). Under the shared login; the form carries the CSRF token."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts.campaign.book import UnknownCampaign
from eventlog.http.front_door import now_for, service_of
from eventlog.http.page_session import PAGES
from eventlog.pages.access import signed_in
from eventlog.pages.render import Templates

from ..domain import KINDS
from ..reminders import preview, visible_to
from ..routes import send_reminders

T = Templates(Path(__file__).resolve().parent / "templates")
HOME = PAGES + "/notify/reminders"
ROLES = ("secretariat", "review_body")
router = APIRouter(include_in_schema=False)


async def _page(request: Request, who, csrf, campaign: str | None, status: int = 200, sent: int | None = None):
    state = service_of(request)
    codes = state.campaigns.book.codes
    code = campaign or (codes[-1] if codes else None)
    try:
        found = state.campaigns.campaign(code) if code else None
    except UnknownCampaign:
        found = None
    if found is None:
        return T.page("message.html", 404, title="未找到", heading="未找到", who=who, csrf=csrf,
                      message=f"活动“{campaign or ''}”不存在。", back=None)
    async with state.pool.acquire() as conn:
        due = await preview(conn, found, now_for(request), visible_to(who, found))
    return T.page("reminders.html", status, title="提醒", who=who, csrf=csrf, campaign=found, sent=sent,
                  messages=[{**m, "kind_name": KINDS.get(m["kind"], m["kind"])} for m in due], action=HOME)


@router.get(HOME)
async def reminders_page(request: Request, campaign: str | None = None) -> Response:
    who, csrf = signed_in(request, *ROLES)
    return await _page(request, who, csrf, campaign)


@router.post(HOME)
async def send(request: Request) -> Response:
    """Send what the preview showed the caller (each reminder has its key: sent twice, it goes once)."""
    who, csrf = signed_in(request, *ROLES)
    form = await request.form(max_files=0, max_fields=5)
    state = service_of(request)
    try:
        found = state.campaigns.campaign(str(form.get("campaign") or ""))
    except UnknownCampaign:
        return T.page("message.html", 404, title="未找到", heading="未找到", who=who, csrf=csrf,
                      message="活动不存在。", back=HOME)
    made = await send_reminders(state, found, now_for(request), visible_to(who, found))
    return await _page(request, who, csrf, found.code, sent=made)
