"""Opening a dossier's attachment from a page: whoever may read the dossier (domain/dossier.py) is sent on
to the file with a link made for them there and then (services/review/dossier_links.py); anyone else gets
the refusal's page."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from contracts.errors import DomainError
from eventlog.http.front_door import service_of
from eventlog.http.page_session import PAGES
from eventlog.pages.login import session

from ..dossier_links import attachment_link
from .access import T
from .expert import ATTACHMENT

router = APIRouter(include_in_schema=False)


@router.get(ATTACHMENT)
async def open_attachment(nomination_id: UUID, request: Request,
                          sha256: str = Path(..., pattern="^[0-9a-f]{64}$")) -> Response:
    who, csrf = session(request)
    if who is None:
        return T.page("message.html", 401, title="请先登录", heading="请先登录", who=None, csrf=None,
                      message="请先登录：经公共平台进入，或使用开发环境的登录链接。", back=f"{PAGES}/login")
    state = service_of(request)
    try:
        async with state.pool.acquire() as conn:
            link = await attachment_link(conn, state.campaigns, who, nomination_id, sha256)
    except DomainError as exc:
        heading = {403: "无权访问", 404: "未找到"}.get(exc.http_status, "无法完成请求")
        return T.page("message.html", exc.http_status, title=heading, heading=heading, who=who, csrf=csrf,
                      message=exc.message, back=PAGES + "/")
    return RedirectResponse(link.url, 303, headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})
