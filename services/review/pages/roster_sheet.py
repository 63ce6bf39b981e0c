"""The experts' roster (专家名单) as an Excel workbook: the template the plan page offers, and a filled-in one
read back into the roster entries the plan's API takes ({expert_id, name, affiliation, ...}), each with its
sheet row so a refusal names the row. Nothing here decides: the entries go through the API's own model."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from .minutes import XLSX, put

__all__ = ["COLUMNS", "MAX_ROWS", "RosterUnreadable", "XLSX", "read", "template"]
SHEET = "专家名单"
# (the roster entry's field, the column's heading)
COLUMNS = (("expert_id", "专家编号"), ("name", "姓名"), ("affiliation", "工作单位"),
           ("affiliation_credit_code", "工作单位统一社会信用代码（可选）"),
           ("declared_relations", "声明有关联的单位（可选，多个以“；”分隔）"), ("contact_email", "电子邮箱（可选）"))
MAX_ROWS = 2000  # the API's roster bound


class RosterUnreadable(ValueError):
    """The file is not the roster template, in words for the person who uploaded it."""


def template(title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    put(ws, 1, 1, title)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = "填写说明：每位专家一行；专家编号由本机构自定（字母、数字、._:-），同一专家在各次备案中保持不变。"
    for col, (_, label) in enumerate(COLUMNS, 1):
        ws.cell(row=3, column=col, value=label).font = Font(bold=True)
    for col, width in zip("ABCDEF", (14, 12, 30, 22, 36, 26)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read(data: bytes) -> list[tuple[int, dict]]:
    """[(sheet row, roster entry as typed)], empty rows skipped."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise RosterUnreadable("无法读取该文件：请上传本页提供的 Excel 专家名单模板（.xlsx）填写后的文件。") from exc
    try:
        ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
        cells = [tuple(_text(v) for v in row[:len(COLUMNS)])
                 for row in ws.iter_rows(max_row=MAX_ROWS + 10, max_col=len(COLUMNS), values_only=True)]
    finally:
        wb.close()
    header_at = next((i for i, row in enumerate(cells) if row and row[0] == COLUMNS[0][1]), None)
    if header_at is None:
        raise RosterUnreadable("该文件不是专家名单模板：找不到“专家编号”表头。请使用本页下载的模板。")
    entries = []
    for i, row in enumerate(cells[header_at + 1:], header_at + 2):
        row = (*row, *("",) * (len(COLUMNS) - len(row)))
        if not any(row):
            continue
        entry = {field: value for (field, _), value in zip(COLUMNS, row) if value}
        if "declared_relations" in entry:
            names = [n.strip() for n in entry["declared_relations"].replace(";", "；").split("；") if n.strip()]
            entry["declared_relations"] = [{"name": n} for n in names]
        entries.append((i, entry))
    return entries
