"""Uploaded documents: the type is read from the content (magic bytes), never from the name or the
declared type, and a name or declared type that disagrees with the content is refused as spoofed.
Stored content-addressed (SHA-256); events carry only name, size, media type and hash."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence

import asyncpg

from contracts.errors import DomainError
from contracts.events import AttachmentRef

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS = {PDF: (".pdf",), PNG: (".png",), JPEG: (".jpg", ".jpeg"), DOCX: (".docx",), XLSX: (".xlsx",)}
NAMES = {PDF: "PDF 文档", PNG: "PNG 图片", JPEG: "JPEG 图片", DOCX: "Word 文档（docx）", XLSX: "Excel 表格（xlsx）"}
_ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG}
_GENERIC = {"", "application/octet-stream", "binary/octet-stream"}
_KNOWN_EXT = {ext: t for t, exts in EXTENSIONS.items() for ext in exts}


class AttachmentRefused(DomainError):
    code = "unsupported_media_type"
    http_status = 415


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):  # an OOXML package is a zip with its content-types part
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()  # reads the central directory only
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return DOCX
            if any(n.startswith("xl/") for n in names):
                return XLSX
    return None


def clean_name(name: str | None) -> str:
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return base[-255:] or "附件"


def check_upload(name: str | None, declared: str | None, data: bytes, max_bytes: int) -> AttachmentRef:
    """The reference to store and carry on events, or a refusal naming what is wrong."""
    if not data:
        raise DomainError("上传的文件为空。", code="empty_file", field="file")
    if len(data) > max_bytes:
        raise DomainError(f"附件超过大小上限 {max_bytes // (1024 * 1024)} MiB。", code="attachment_too_large",
                          field="file", http_status=413)
    actual = sniff(data)
    allowed = "、".join(NAMES.values())
    if actual is None:
        raise AttachmentRefused(f"不支持的文件类型：仅接受{allowed}（按文件内容识别）。", field="file")
    filename = clean_name(name)
    ext = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    if ext in _KNOWN_EXT and ext not in EXTENSIONS[actual] or ext and ext not in _KNOWN_EXT:
        raise AttachmentRefused(f"文件扩展名“{ext}”与文件内容（{NAMES[actual]}）不符。", code="media_type_mismatch",
                                field="file")
    declared_type = _ALIASES.get((declared or "").split(";")[0].strip().lower(),
                                 (declared or "").split(";")[0].strip().lower())
    if declared_type not in _GENERIC and declared_type != actual:
        raise AttachmentRefused(f"声明的类型“{declared_type}”与文件内容（{NAMES[actual]}）不符。",
                                code="media_type_mismatch", field="file")
    return AttachmentRef(name=filename, size=len(data), media_type=actual, sha256=hashlib.sha256(data).hexdigest())


async def store_upload(conn: asyncpg.Connection, org: str, ref: AttachmentRef, data: bytes) -> None:
    async with conn.transaction():
        await conn.execute("INSERT INTO intake.blobs (sha256, media_type, size, content) VALUES ($1, $2, $3, $4) "
                           "ON CONFLICT DO NOTHING", ref.sha256, ref.media_type, ref.size, data)
        await conn.execute("INSERT INTO intake.uploads (org, sha256, name) VALUES ($1, $2, $3) "
                           "ON CONFLICT (org, sha256) DO UPDATE SET name = EXCLUDED.name", org, ref.sha256, ref.name)


async def resolve(conn: asyncpg.Connection, org: str, hashes: Sequence[str]) -> tuple[AttachmentRef, ...]:
    """The caller's own uploads by hash, in the order given; an unknown hash is refused."""
    if not hashes:
        return ()
    rows = await conn.fetch("SELECT u.sha256, u.name, b.size, b.media_type FROM intake.uploads u "
                            "JOIN intake.blobs b USING (sha256) WHERE u.org = $1 AND u.sha256 = ANY($2::text[])",
                            org, list(hashes))
    found = {r["sha256"]: r for r in rows}
    for i, h in enumerate(hashes):
        if h not in found:
            raise DomainError(f"未找到附件 {h[:12]}…，请先上传。", code="unknown_attachment", field=f"attachments.{i}")
    return tuple(AttachmentRef(name=found[h]["name"], size=found[h]["size"], media_type=found[h]["media_type"],
                               sha256=h) for h in dict.fromkeys(hashes))
