"""A plan's 方案 document: a PDF the filing body uploads with the plan (the page's form, or POST
/v1/review/plan-documents and then the plan's `document`), checked by its content as the intake checks
attachments, kept content-addressed in the review's own tables (the review never reads the intake's), and
carried on ReviewPlanFiled as name, size, type and SHA-256. Read back by the filing body and the secretariat
(pages/plan_document.py), served as the intake serves a dossier's files: its type as checked, nosniff,
nothing in it runs."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata

import asyncpg

from contracts.errors import DomainError, NotFound
from contracts.events import AttachmentRef

PDF = "application/pdf"
MAX_BYTES = int(os.environ.get("REVIEW_MAX_PLAN_DOCUMENT_BYTES", str(10 * 1024 * 1024)))
# The file is never a page of this site (as the intake's attachments: services/intake/routes/attachments.py).
FILE_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
                "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer",
                "Cross-Origin-Resource-Policy": "same-site"}


class DocumentRefused(DomainError):
    code = "unsupported_media_type"
    http_status = 415


def _clean_name(name: str | None) -> str:
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return base[-255:] or "评审方案.pdf"


def check(name: str | None, declared: str | None, data: bytes, field: str = "document") -> AttachmentRef:
    """The reference events will carry, or a refusal in Chinese naming what is wrong (nothing is stored)."""
    if not data:
        raise DomainError("上传的方案文件为空。", code="empty_file", field=field)
    if len(data) > MAX_BYTES:
        raise DomainError(f"方案文件超过大小上限 {MAX_BYTES // (1024 * 1024)} MiB。", code="attachment_too_large",
                          field=field, http_status=413)
    if not data.startswith(b"%PDF-"):
        raise DocumentRefused("评审方案文件须为 PDF 文档（按文件内容识别）。", field=field)
    filename = _clean_name(name)
    if "." in filename and not filename.lower().endswith(".pdf"):
        raise DocumentRefused(f"文件扩展名“.{filename.rsplit('.', 1)[-1]}”与文件内容（PDF 文档）不符。",
                              code="media_type_mismatch", field=field)
    kind = (declared or "").split(";")[0].strip().lower()
    if kind not in ("", "application/octet-stream", "binary/octet-stream", PDF):
        raise DocumentRefused(f"声明的类型“{kind}”与文件内容（PDF 文档）不符。", code="media_type_mismatch", field=field)
    return AttachmentRef(name=filename, size=len(data), media_type=PDF, sha256=hashlib.sha256(data).hexdigest())


async def store(conn: asyncpg.Connection, org: str, ref: AttachmentRef, data: bytes) -> None:
    async with conn.transaction():
        await conn.execute("INSERT INTO review.plan_documents (sha256, media_type, size, content) VALUES ($1, $2, $3, $4) "
                           "ON CONFLICT DO NOTHING", ref.sha256, ref.media_type, ref.size, data)
        await conn.execute("INSERT INTO review.plan_document_uploads (org, sha256, name) VALUES ($1, $2, $3) "
                           "ON CONFLICT (org, sha256) DO UPDATE SET name = EXCLUDED.name", org, ref.sha256, ref.name)


async def resolve(conn: asyncpg.Connection, org: str, sha256: str) -> AttachmentRef:
    """The caller's own upload by its hash; an unknown one is refused beside the plan's `document`."""
    row = await conn.fetchrow("SELECT u.name, d.size, d.media_type FROM review.plan_document_uploads u "
                              "JOIN review.plan_documents d USING (sha256) WHERE u.org = $1 AND u.sha256 = $2",
                              org, sha256)
    if row is None:
        raise DomainError(f"未找到方案文件 {sha256[:12]}…，请先上传。", code="unknown_document", field="document")
    return AttachmentRef(name=row["name"], size=row["size"], media_type=row["media_type"], sha256=sha256)


async def of_plan_in_force(conn: asyncpg.Connection, target_key: str, org: str) -> str | None:
    """The SHA-256 of the document of the target's plan in force (as the write side holds it), if `org` filed it."""
    return await conn.fetchval("SELECT plan->'document'->>'sha256' FROM review.targets "
                               "WHERE target_key = $1 AND plan->>'body_code' = $2", target_key, org)


async def content(conn: asyncpg.Connection, sha256: str) -> bytes:
    data = await conn.fetchval("SELECT content FROM review.plan_documents WHERE sha256 = $1", sha256)
    if data is None:
        raise document_not_found()
    return data


def document_not_found() -> NotFound:
    return NotFound("未找到该评审方案文件。", code="document_not_found")
