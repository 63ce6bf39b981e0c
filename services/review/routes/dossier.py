"""A nomination's attachments for those who may read its dossier (domain/dossier.py): a short-lived link to
the file, which the intake serves (services/review/dossier_links.py)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request

from contracts.identity import Identity
from eventlog.http.auth import current_identity
from eventlog.http.docs import json_response
from eventlog.http.front_door import service_of

from ..dossier_links import attachment_link
from .common import problems

router = APIRouter(tags=["推荐材料"])
_EXAMPLE = {"name": "检测报告.pdf", "size": 183245, "media_type": "application/pdf",
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "url": "http://127.0.0.1:8000/v1/nominations/…/attachments/9f86…?expires=1668045900&reader=…&signature=…",
            "expires_at": "2022-11-10T02:05:00+00:00"}


@router.get("/v1/review/nominations/{nomination_id}/attachments/{sha256}", responses={
    200: {"content": {"application/json": {"example": _EXAMPLE}}}, **problems(403, 404)},
    summary="推荐材料的附件：签发限时读取链接（秘书处、该评审对象的评审机构、已分配且无回避的专家、推荐单位）")
async def attachment(nomination_id: UUID, request: Request,
                     sha256: str = Path(..., pattern="^[0-9a-f]{64}$", description="附件的 SHA-256"),
                     who: Identity = Depends(current_identity)):
    """The link is valid for five minutes, for this caller; the file itself comes from the intake."""
    state = service_of(request)
    async with state.pool.acquire() as conn:
        link = await attachment_link(conn, state.campaigns, who, nomination_id, sha256)
    return json_response(link.out())
