"""Uploading a document: type checked by content, stored by hash; the answer is what events will carry."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile

from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.http.auth import requires
from eventlog.http.front_door import service_of
from services.intake import attachments
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
