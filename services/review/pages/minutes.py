"""The final-review minutes (终评会议表决记录) as an Excel workbook: the template the sitting page offers (the
roll call on top, one row per ranked candidate), and reading a filled-in one back into what the page's form
holds. Nothing here decides: what the file says goes into the sitting's form for the secretariat to check
and confirm, under the same rules as typing it in."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

SHEET = "终评会议表决记录"
ROLL = (("eligible", "应到人数"), ("present", "实到人数（不含回避）"), ("recused", "回避人数"), ("note", "会议说明"))
HEADER = ("序号", "推荐编号", "领域", "初评排名", "名称", "推荐单位", "初评汇总分", "赞成", "反对", "弃权", "决定",
          "本项回避（空：同到会情况）")
VOTES = ("yes", "no", "abstain")
DECISIONS = {"入选": "1", "不入选": "0"}
MAX_ROWS = 3100  # above the largest sitting the API takes (3,000 decisions)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def put(ws, row: int, column: int, value):
    """A cell holding `value` as given: text that looks like a formula (a title starting with "=") stays text,
    so a workbook never runs what a nomination's author typed."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def append(ws, values) -> None:
    """`values` as the sheet's next row, each through `put`."""
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(row=1, column=1).value is not None else 1
    for column, value in enumerate(values, 1):
        put(ws, row, column, value)


class MinutesUnreadable(ValueError):
    """The file is not the minutes template, in words for the person who uploaded it."""


def template(title: str, rows: Sequence[dict]) -> bytes:
    """The minutes to fill in: `rows` are the candidates ({nomination_id, domain_name, rank, title, unit_id,
    aggregate}), in the page's order."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    put(ws, 1, 1, title)
    ws["A1"].font = Font(bold=True, size=14)
    for i, (_, label) in enumerate(ROLL):
        ws.cell(row=3 + i, column=1, value=label).font = Font(bold=True)
    first = 3 + len(ROLL) + 1
    for col, label in enumerate(HEADER, 1):
        ws.cell(row=first, column=col, value=label).font = Font(bold=True)
    for i, row in enumerate(rows, 1):
        values = (i, row["nomination_id"], row["domain_name"], row["rank"], row["title"], row["unit_id"],
                  str(row["aggregate"]) if row["aggregate"] is not None else "")
        for col, value in enumerate(values, 1):
            put(ws, first + i, col, value)
    if rows:
        choice = DataValidation(type="list", formula1='"入选,不入选"', allow_blank=True,
                                error="请填写“入选”或“不入选”。", errorTitle="决定", showErrorMessage=True)
        ws.add_data_validation(choice)
        choice.add(f"K{first + 1}:K{first + len(rows)}")
        counts = DataValidation(type="whole", operator="between", formula1="0", formula2="1000", allow_blank=True,
                                error="请填写 0 至 1000 的整数。", errorTitle="票数", showErrorMessage=True)
        ws.add_data_validation(counts)
        counts.add(f"H{first + 1}:J{first + len(rows)}")
        counts.add(f"L{first + 1}:L{first + len(rows)}")
    for col, width in zip("ABCDEFGHIJKL", (6, 38, 12, 9, 36, 18, 11, 7, 7, 7, 10, 14)):
        ws.column_dimensions[col].width = width
    ws["A2"] = ("填写说明：先填写到会情况（应到、实到、回避人数），再逐项填写赞成、反对、弃权票数和决定；"
                "某项另有委员回避的，在“本项回避”填写该项的回避人数；不表决的项整行留空。")
    ws["A2"].alignment = Alignment(wrap_text=False)
    ws.freeze_panes = ws.cell(row=first + 1, column=1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read(data: bytes) -> tuple[dict[str, str], list[tuple[int, str, dict[str, str]]]]:
    """The roll call ({eligible, present, recused, note}) and the filled rows [(sheet row, nomination id,
    {yes, no, abstain, selected})] as typed; a row whose counts and decision are all empty is skipped."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise MinutesUnreadable("无法读取该文件：请上传本页提供的 Excel 会议纪要模板（.xlsx）填写后的文件。") from exc
    try:
        ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
        cells = [tuple(_text(v) for v in row[:len(HEADER)])
                 for row in ws.iter_rows(max_row=MAX_ROWS + 20, max_col=len(HEADER), values_only=True)]
    finally:
        wb.close()
    labels = {label: key for key, label in ROLL}
    roll = {key: "" for key, _ in ROLL}
    header_at = None
    for i, row in enumerate(cells):
        if row and row[0] in labels:
            roll[labels[row[0]]] = row[1] if len(row) > 1 else ""
        if len(row) > 1 and row[1] == HEADER[1]:
            header_at = i
            break
    if header_at is None:
        raise MinutesUnreadable("该文件不是终评会议纪要模板：找不到“推荐编号”表头。请使用本页下载的模板。")
    rows = []
    for i, row in enumerate(cells[header_at + 1:], header_at + 2):
        row = (*row, *("",) * (len(HEADER) - len(row)))
        nomination_id, votes, decision, recused = row[1], row[7:10], row[10], row[11]
        if not nomination_id or not (any(votes) or decision or recused):
            continue
        rows.append((i, nomination_id, {**dict(zip(VOTES, votes)), "recused": recused,
                                        "selected": DECISIONS.get(decision, decision)}))
    return roll, rows
