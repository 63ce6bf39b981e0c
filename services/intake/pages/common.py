"""What the intake's pages share: their templates, the campaign a page is about, the deadline and the time
left, and a command sent through the same handler the API route calls (the unit of work), keyed by the
form's one-time token so that a form sent twice records once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Awaitable, Callable

import orjson
from fastapi import Request

from contracts.campaign import Campaign
from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.clock import request_clock
from eventlog.http.front_door import ServiceState, WriteRequest, by_org, service_of, write_request
from eventlog.http.page_session import PAGES
from eventlog.pages.render import Templates
from eventlog.write.idempotency import Reply

from ..domain.rules import deadline_text

T = Templates(Path(__file__).resolve().parent / "templates")
ROOT = PAGES + "/intake"
APPLICATION_STATES = {"draft": "草稿", "sent": "已报送推荐单位，待处理", "returned": "推荐单位已退回修改",
                      "declined": "推荐单位不予推荐", "recommended": "推荐单位已推荐"}
NOMINATION_STATES = {"submitted": "已推荐，待名额审核", "reserved": "已占用推荐名额", "rejected": "超出推荐名额，未受理",
                     "released": "名额已释放", "withdrawn": "已撤回"}


def page_now(request: Request) -> datetime:
    """The instant a page is shown at, by the clock the commands are decided by."""
    return request_clock(service_of(request).clock, request.headers).now()


def deadline(campaign: Campaign, now: datetime) -> dict[str, Any]:
    """The campaign's submission deadline as the notice writes it, and the time left (or that it passed)."""
    closes = campaign.timeline.submission_closes_at
    left = closes - now
    if left.total_seconds() <= 0:
        remaining = "已截止"
    else:
        days, hours = left.days, left.seconds // 3600
        remaining = f"剩余 {days} 天 {hours} 小时" if days else f"剩余 {hours} 小时 {left.seconds % 3600 // 60} 分钟"
    return {"text": deadline_text(campaign), "remaining": remaining, "open": left.total_seconds() > 0}


async def campaign_of(request: Request, code: str | None) -> Campaign | None:
    """The campaign named, else the only one the service knows (None: none, or a choice to make)."""
    follower = service_of(request).campaigns
    titles = follower.titles()
    if code and code in titles:
        return await follower.knowing(code)
    if not code and len(titles) == 1:
        return await follower.knowing(next(iter(titles)))
    return None


def target_name(campaign: Campaign, list_code: str, domain: str | None) -> str:
    lists = {lst.code: lst for lst in campaign.lists}
    lst = lists.get(list_code)
    names = {d.code: d.name for d in lst.domains} if lst else {}
    return " · ".join([lst.name if lst else list_code] + ([names.get(domain, domain)] if domain else []))


def refusal(exc: DomainError) -> Reply:
    return Reply(exc.http_status, {"code": exc.code, "detail": exc.message, "field": exc.field,
                                   "errors": list(getattr(exc, "errors", None) or ())})


async def through_handler(request: Request, who: Identity, api_path: str, body: dict[str, Any], key: str,
                          handler: Callable[[ServiceState, WriteRequest], Awaitable[Reply]]) -> Reply:
    """The API's command for `api_path` with `body`, keyed by the form's token: a refusal is an answer too."""
    state = service_of(request)
    try:
        req = write_request(state, who, request.headers, "POST", api_path, orjson.dumps(body), by_org, key=key)
        return await handler(state, req)
    except DomainError as exc:
        return refusal(exc)


def submission_key(form, action: str) -> str:
    """The form's one-time token with the action: the same form sent again is the same command."""
    token = "".join(c for c in str(form.get("submission") or "") if c.isalnum())[:64] or "none"
    return f"page-{token}-{action}"
