"""Uploading a document: type checked by content, stored by hash; the answer is what events will carry.
Reading one of a nomination's documents back: by its unit and the secretariat with their own token, and by
whoever the review service decided may read it (the target's bodies, its seated experts) with the short-lived
link the review signed (eventlog/http/signed_links.py): the intake never asks the review who that is."""

from __future__ import annotations

import logging
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from contracts.errors import DomainError, NotFound
from contracts.identity import Identity
from eventlog.http.auth import authorise, bearer_scheme, identify, requires, verifier_of
from eventlog.http.front_door import service_of
from eventlog.http.signed_links import verify
from services.intake import attachments, views
from services.intake.domain.access import READER_ROLES, nomination_not_found, sees_nomination
from services.intake.http_contract import MAX_ATTACHMENT_BYTES

from .common import json_response, problems

router = APIRouter(tags=["附件"])

_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "additionalProperties": False,  # request.form(max_fields=5) below
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "PDF、PNG、JPEG、docx 或 xlsx，按内容识别类型"}}}}}}}
_EXAMPLE = {"name": "检测报告.pdf", "size": 183245, "media_type": "application/pdf",
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}


@router.post("/v1/attachments", status_code=201, openapi_extra=_UPLOAD_BODY, summary="上传附件",
             responses={201: {"content": {"application/json": {"example": _EXAMPLE}}}, **problems(413, 415, 422)})
async def upload_attachment(request: Request, who: Identity = Depends(requires("applicant", "unit", "review_body"))):
    """multipart/form-data with one `file`; the returned `sha256` is what drafts and nominations reference."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise DomainError("请以 multipart/form-data 上传，文件字段名为 file。", code="multipart_required",
                          http_status=415)
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise DomainError("缺少文件字段 file。", code="file_required", field="file")
        data = await upload.read(MAX_ATTACHMENT_BYTES + 1)
        ref = attachments.check_upload(upload.filename, upload.content_type, data, MAX_ATTACHMENT_BYTES)
    async with service_of(request).pool.acquire() as conn:
        await attachments.store_upload(conn, who.org, ref, data)
    return json_response(ref.model_dump(), 201)


log = logging.getLogger(__name__)
FILE_PATH = "/v1/nominations/{nomination_id}/attachments/{sha256}"
# The file is never a page of this site: nothing in it runs (sandbox, no source allowed), its type is the one
# read from its content at upload and is not second-guessed (nosniff); PDFs and images open in the browser's
# own viewer, Office files download.
FILE_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
                "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer",
                "Cross-Origin-Resource-Policy": "same-site"}
INLINE = {attachments.PDF, attachments.PNG, attachments.JPEG}
_FILE_DOC = {200: {"description": "附件内容（类型按上传时识别的内容类型）", "content": {
    t: {"schema": {"type": "string", "format": "binary"}} for t in sorted(attachments.EXTENSIONS)}}}


def attachment_not_found() -> NotFound:
    return NotFound("该推荐没有这个附件。", code="attachment_not_found")


@router.get(FILE_PATH, summary="读取推荐的附件（推荐单位、秘书处；评审机构与专家经评审工作台的限时链接）",
            response_class=Response, responses={**_FILE_DOC, **problems(403, 404)})
async def read_attachment(request: Request, nomination_id: UUID,
                          sha256: str = Path(..., pattern="^[0-9a-f]{64}$", description="附件的 SHA-256"),
                          expires: str | None = Query(None, max_length=20, description="限时链接：到期时刻（Unix 秒）"),
                          reader: str | None = Query(None, max_length=256, description="限时链接：签发给谁"),
                          signature: str | None = Query(None, max_length=64, description="限时链接：评审服务的签名"),
                          _documented=Depends(bearer_scheme)) -> Response:
    """With a signed link (`expires`, `reader`, `signature`, from the review's workbench): its holder, until it
    expires. Otherwise the bearer token's: the nominating unit and the secretariat; to anyone else the
    nomination does not exist."""
    path = FILE_PATH.format(nomination_id=nomination_id, sha256=sha256)
    if signature is not None:
        reader = verify(path, expires or "", reader or "", signature)
    else:
        who = authorise(identify(verifier_of(request), request.headers.get("authorization")), READER_ROLES)
        reader = f"{who.role}:{who.org}:{who.sub}"
    async with service_of(request).pool.acquire() as conn:
        row = await views.nomination(conn, nomination_id)
        if row is None or (signature is None and not sees_nomination(who, row["unit_id"])):
            raise nomination_not_found()
        ref = next((a for a in row["attachments"] or () if a["sha256"] == sha256), None)
        blob = await conn.fetchrow("SELECT media_type, content FROM intake.blobs WHERE sha256 = $1", sha256) if ref else None
    if blob is None:
        raise attachment_not_found()
    log.info("attachment read", extra={"nomination_id": str(nomination_id), "sha256": sha256, "reader": reader})
    disposition = "inline" if blob["media_type"] in INLINE else "attachment"
    name = quote(ref["name"], safe="")
    return Response(blob["content"], media_type=blob["media_type"], headers={
        **FILE_HEADERS, "Content-Disposition": f"{disposition}; filename*=UTF-8''{name}", "ETag": f'"{sha256}"'})
