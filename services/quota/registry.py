"""The unit registry's rules, pure: what a registration must say, and bulk import of a CSV/XLSX sheet.

An import is all or nothing: every bad row is reported (line, field, reason) and, if there is one,
nothing is registered.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from contracts.campaign import Campaign
from contracts.errors import DomainError

UNIT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
CHANNEL_SEPARATORS = re.compile(r"[;；,，|\n]+")  # not 、: it appears inside channel names
HEADERS = {"unit_id": ("unit_id", "单位编码"), "name": ("name", "单位名称"), "channels": ("channels", "推荐渠道")}


@dataclass(frozen=True)
class Registration:
    unit_id: str
    name: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class RowProblem:
    line: int
    field: str
    reason: str


class ImportRefused(DomainError):
    code = "import_refused"

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"导入文件有 {len(problems)} 处错误，未导入任何单位。")
        self.problems = problems


def check_registration(campaign: Campaign, unit_id: str, name: str, channels: list[str]) -> Registration:
    """A registration's fields, normalised; raises DomainError naming the field."""
    if not UNIT_ID.match(unit_id or ""):
        raise DomainError("单位编码须为 1–64 位字母、数字或 _.:- 。", code="invalid_unit_id", field="unit_id")
    if not (name or "").strip() or len(name.strip()) > 200:
        raise DomainError("单位名称不能为空，且不超过 200 字。", code="invalid_unit_name", field="name")
    resolved = tuple(dict.fromkeys(_channel_code(campaign, c) for c in channels if c.strip()))
    if not resolved:
        raise DomainError("至少须填写一个推荐渠道。", code="channels_required", field="channels")
    return Registration(unit_id, name.strip(), resolved)


def _channel_code(campaign: Campaign, value: str) -> str:
    value = value.strip()
    for channel in campaign.channels:  # accept the code or the Chinese name
        if value in (channel.code, channel.name):
            return channel.code
    known = "、".join(c.name for c in campaign.channels)
    raise DomainError(f"未知推荐渠道“{value}”；可选：{known}。", code="unknown_channel", field="channels")


def parse_sheet(campaign: Campaign, filename: str, content: bytes) -> list[Registration]:
    """Registrations from a CSV (UTF-8, with header) or XLSX sheet; raises ImportRefused listing every bad row."""
    rows = _xlsx_rows(content) if content[:2] == b"PK" else _csv_rows(content)
    if not rows:
        raise ImportRefused([RowProblem(1, "<file>", "文件为空或缺少表头。")])
    columns = _columns(rows[0])
    registrations, seen, problems = [], {}, []
    for line, row in enumerate(rows[1:], start=2):
        if not any((cell or "").strip() for cell in row):
            continue
        cell = lambda name: (row[columns[name]] if columns[name] < len(row) else "") or ""  # noqa: E731
        try:
            registration = check_registration(campaign, cell("unit_id").strip(), cell("name"),
                                              CHANNEL_SEPARATORS.split(cell("channels")))
        except DomainError as exc:
            problems.append(RowProblem(line, exc.field or "", exc.message))
            continue
        if registration.unit_id in seen:
            problems.append(RowProblem(line, "unit_id", f"单位编码与第 {seen[registration.unit_id]} 行重复。"))
            continue
        seen[registration.unit_id] = line
        registrations.append(registration)
    if problems:
        raise ImportRefused(problems)
    return registrations


def _columns(header: list[str]) -> dict[str, int]:
    names = [(h or "").strip().lower() for h in header]
    columns = {field: names.index(a) for field, aliases in HEADERS.items() for a in aliases if a in names}
    missing = [RowProblem(1, field, f"缺少列“{aliases[1]}”（{aliases[0]}）。")
               for field, aliases in HEADERS.items() if field not in columns]
    if missing:
        raise ImportRefused(missing)
    return columns


def _csv_rows(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([RowProblem(1, "<file>", "CSV 文件须为 UTF-8 编码。")]) from None
    return [row for row in csv.reader(io.StringIO(text))]


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception:  # openpyxl raises many kinds for a broken file; all mean the same to the user
        raise ImportRefused([RowProblem(1, "<file>", "无法读取 XLSX 文件。")]) from None
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
