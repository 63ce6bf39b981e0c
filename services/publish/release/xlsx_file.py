"""release.xlsx: one sheet per list, through openpyxl, with byte-stable output.

openpyxl stamps docProps/core.xml with the time of saving and zipfile stamps every entry with
the local time; both are pinned to the release date when the archive is rewritten (pinned(); a
package's sheet, brochure.py, is pinned to the time the package was sent).
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.core import DocumentProperties
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.child import INVALID_TITLE_REGEX
from openpyxl.xml.functions import tostring

from .model import Release
from .table import HEADERS, list_rows

CORE = "docProps/core.xml"
CREATOR = "kczg-rankings"


def sheet_title(name: str, taken: set[str]) -> str:
    # Excel: at most 31 characters, none of \ / ? * : [ ], no leading or trailing apostrophe, unique.
    base = INVALID_TITLE_REGEX.sub("_", name).strip("'")[:31] or "榜单"
    title, n = base, 2
    while title.casefold() in taken:
        suffix = f"({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(title.casefold())
    return title


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def workbook(release: Release) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    bold, wrap = Font(bold=True), Alignment(vertical="top", wrap_text=True)
    for lst in release.lists:
        ws = wb.create_sheet(sheet_title(lst.list_name, taken))
        ws.append(HEADERS)
        for cell in ws[1]:
            cell.font = bold
        widths = [display_width(h) for h in HEADERS]
        # ws.cell, not ws.append + ws[max_row]: max_row scans every cell, quadratic over 2,500 rows.
        for r, row in enumerate(list_rows(lst), start=2):
            for c, value in enumerate(row, start=1):
                if isinstance(value, str):
                    cell = ws.cell(row=r, column=c, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                    cell.data_type = "s"   # a title like "=HYPERLINK(...)" stays text, never a formula
                    cell.alignment = wrap
                else:
                    ws.cell(row=r, column=c, value=value)
            widths = [max(w, display_width(str(v))) for w, v in zip(widths, row)]
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 6), 60)
        ws.freeze_panes = "A2"
    return wb


def pinned_properties(title: str, stamp: datetime) -> bytes:
    props = DocumentProperties(creator=CREATOR, title=title, created=stamp, modified=stamp)
    return tostring(props.to_tree())


def pinned_zip(raw: bytes, stamp: datetime, core: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        names = sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_DEFLATED, 3, 0o644 << 16
            dst.writestr(info, core if name == CORE else src.read(name), compresslevel=6)
    return out.getvalue()


def pinned(book: Workbook, title: str, stamp: datetime) -> bytes:
    """The workbook's bytes, dated `stamp` (naive) inside and in the archive: the same book, the same bytes."""
    raw = io.BytesIO()
    book.save(raw)
    return pinned_zip(raw.getvalue(), stamp, pinned_properties(title, stamp))


def release_xlsx(release: Release) -> bytes:
    return pinned(workbook(release), release.campaign_title, datetime.combine(release.released_on, datetime.min.time()))
