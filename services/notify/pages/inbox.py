"""The inbox page: what the platform sent the signed-in person (the same rows as GET /v1/notify/inbox), under
the shared login (eventlog/pages); anyone not signed in gets the login's pointer, as a page."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from eventlog.http.page_session import PAGES
from eventlog.pages.login import session
from eventlog.pages.render import Templates
from eventlog.http.front_door import service_of

from .. import store
from ..domain import KINDS

T = Templates(Path(__file__).resolve().parent / "templates")
HOME = PAGES + "/notify/inbox"
router = APIRouter(include_in_schema=False)


@router.get(HOME)
async def inbox_page(request: Request) -> Response:
    who, csrf = session(request)
    if who is None:
        return T.page("message.html", 401, title="请先登录", heading="请先登录", who=None, csrf=None,
                      message="请先登录：经公共平台进入，或使用开发环境的登录链接。",
                      back=f"{PAGES}/login?next={HOME}")
    async with service_of(request).pool.acquire() as conn:
        rows = await store.inbox(conn, who.role, who.org, who.sub)
    return T.page("inbox.html", title="我的通知", who=who, csrf=csrf,
                  messages=[{**r, "kind_name": KINDS.get(r["kind"], r["kind"])} for r in rows])
