"""A plan's 方案 document read back: by the secretariat, and by the body that filed the plan in force; to anyone
else (another body, the joint target's other body included) it does not exist. Served from the review's own
store as the intake serves a dossier's files (plan_documents.FILE_HEADERS): PDF inline, nosniff, sandboxed."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from contracts.errors import DomainError
from eventlog.http.front_door import service_of
from eventlog.http.page_session import PAGES

from .. import plan_documents
from ..schemas import NO_DOMAIN, target_of
from ..views import review_queries
from .access import T, signed_in

router = APIRouter(include_in_schema=False)
DOCUMENT = PAGES + "/review/campaigns/{campaign}/plans/{list_code}/{domain}/{sha256}.pdf"


def document_href(campaign: str, list_code: str, domain: str | None, sha256: str) -> str:
    return DOCUMENT.format(campaign=campaign, list_code=list_code, domain=domain or NO_DOMAIN, sha256=sha256)


@router.get(DOCUMENT)
async def plan_document(campaign: str, list_code: str, domain: str, request: Request,
                        sha256: str = Path(..., pattern="^[0-9a-f]{64}$")) -> Response:
    who, csrf = signed_in(request, "secretariat", "review_body")
    state = service_of(request)
    try:
        await state.campaigns.knowing(campaign)
        target = target_of(campaign, list_code, domain)
        async with state.pool.acquire() as conn:
            plan = ((await review_queries.target(conn, target.key)) or {}).get("plan") or {}
            document = plan.get("document") or {}
            if document.get("sha256") != sha256 or (who.role != "secretariat" and plan.get("filed_by") != who.org):
                raise plan_documents.document_not_found()
            data = await plan_documents.content(conn, sha256)
    except DomainError as exc:
        heading = {403: "无权访问", 404: "未找到"}.get(exc.http_status, "无法完成请求")
        return T.page("message.html", exc.http_status, title=heading, heading=heading, who=who, csrf=csrf,
                      message=exc.message, back=PAGES + "/")
    name = quote(document["name"], safe="")
    return Response(data, media_type=plan_documents.PDF, headers={
        **plan_documents.FILE_HEADERS, "Content-Disposition": f"inline; filename*=UTF-8''{name}", "ETag": f'"{sha256}"'})
