"""A targeted package's files (定向推介): a brochure (PDF, printed by WeasyPrint as release.pdf is) and a sheet
(XLSX, through openpyxl), of the entries the package selected, as listed. Both are dated by the package (when it was
sent), never by the time of printing: the same package as listed gives the same bytes, as the release files do."""

from __future__ import annotations

import html
from datetime import datetime, timezone

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from ..domain.matching import ListedEntry
from .pdf_file import document_pdf
from .xlsx_file import pinned

HEADERS = ("序号", "榜单", "领域", "名称", "持有单位", "推荐单位", "项目页")


def rows(entries: list[ListedEntry], list_names: dict[str, str], domain_names: dict[str, str],
         entry_href) -> list[tuple]:
    return [(i, list_names.get(e.list_code, e.list_code), domain_names.get(e.domain or "", ""), e.title,
             e.holder_org or "", e.unit_name or "", entry_href(e)) for i, e in enumerate(entries, start=1)]


def brochure_html(title: str, audience: str, table: list[tuple], sent_at: datetime) -> str:
    esc = html.escape
    body = "".join("<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in r[:-1]) + "</tr>" for r in table)
    # The PDF's date is the package's (when it was sent), never the time of printing: the same package, the same bytes.
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{esc(title)}</title>
<meta name="dcterms.created" content="{esc(sent_at.isoformat())}">
<style>@page {{ size: A4; margin: 18mm }} body {{ font-family: sans-serif; font-size: 10.5pt }}
h1 {{ font-size: 16pt }} table {{ border-collapse: collapse; width: 100% }}
th, td {{ border: 1px solid #888; padding: 4px 6px; text-align: left; vertical-align: top }}</style></head>
<body><h1>{esc(title)}</h1><p>推介对象：{esc(audience)}。如需对接，请登录平台在项目页提出对接需求。</p>
<table><thead><tr>{"".join(f"<th>{h}</th>" for h in HEADERS[:-1])}</tr></thead><tbody>{body}</tbody></table>
</body></html>"""


def brochure_pdf(title: str, audience: str, table: list[tuple], sent_at: datetime) -> bytes:
    return document_pdf(brochure_html(title, audience, table, sent_at))


def sheet_xlsx(audience: str, table: list[tuple], sent_at: datetime) -> bytes:
    """Dated by the package (when it was sent, in UTC), never the time of saving: the same package, the same bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = "定向推介"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in table:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in r])
    sheet.append([])
    sheet.append(["推介对象", audience])
    return pinned(book, f"定向推介 · {audience}", sent_at.astimezone(timezone.utc).replace(tzinfo=None))
