"""Reading an uploaded registry sheet (CSV in UTF-8 with a header, or XLSX) into rows of text."""

from __future__ import annotations

import csv
import io

from contracts.campaign import Campaign

from .domain.registry import ImportRefused, Registration, RowProblem, registrations_from_rows


def sheet_rows(content: bytes) -> tuple[tuple[str, ...], ...]:
    """The sheet's rows (header first); raises ImportRefused when the file cannot be read."""
    rows = _xlsx_rows(content) if content[:2] == b"PK" else _csv_rows(content)
    return tuple(tuple(row) for row in rows)


def parse_sheet(campaign: Campaign, filename: str, content: bytes) -> list[Registration]:
    """Registrations from a CSV or XLSX sheet; raises ImportRefused listing every bad row."""
    return registrations_from_rows(campaign, sheet_rows(content))


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
