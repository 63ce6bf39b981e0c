"""An entry's certificate and a package's brochure and sheet are, like the release files, the same bytes for the same
inputs: printed again a second later, or in another process with another hash seed and time zone. Their dates are
the release's and the package's, never the time of printing; a PDF's /ID names its HTML."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pypdf

from services.publish.entry_pages import EntryView
from services.publish.release.brochure import brochure_html, brochure_pdf, sheet_xlsx
from services.publish.release.certificate import certificate_pdf
from services.publish.release.page import render_page

ROOT = Path(__file__).resolve().parents[2]
VERIFY = "https://kczg.example.cn/campaigns/kczg-2022/entries/0b6f4c1e/verify?version=5d8d1dd8&code=399390653b66e00f"
SENT_AT = datetime.fromisoformat("2023-02-14T09:30:00+08:00")


def certificate_html() -> str:
    view = EntryView("kczg-2022", "2022年“科创中国”系列榜单征集遴选（2022 年度）", 2022, "leading_tech", "先导技术榜",
                     "电子信息", "北京", "存算一体芯片 mRNA-LNP", "丁半导体有限公司", "北京市科学技术协会", 1,
                     date(2023, 1, 5), "0b6f4c1e", (), "/campaigns/kczg-2022/entries/0b6f4c1e", "399390653b66e00f",
                     VERIFY)
    return render_page("certificate.html", view, verify_url=VERIFY)


TABLE = [(1, "先导技术榜", "电子信息", "存算一体芯片", "丁半导体有限公司", "北京市科学技术协会", "/campaigns/kczg-2022/entries/a"),
         (2, "先导技术榜", "生物医药", "mRNA 疫苗递送平台", "甲生物科技有限公司", "中国自动化学会", "/campaigns/kczg-2022/entries/b")]


def printed() -> dict[str, bytes]:
    return {"certificate": certificate_pdf(certificate_html()),
            "brochure": brochure_pdf("2022年“科创中国”系列榜单 · 定向推介", "北京市各试点园区", TABLE, SENT_AT),
            "sheet": sheet_xlsx("北京市各试点园区", TABLE, SENT_AT)}


def digests(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


def test_printed_again_a_second_later_and_in_another_process_the_bytes_are_the_same():
    first = printed()
    time.sleep(1.1)  # PDF dates tick in seconds: a date taken from the clock would differ now
    assert printed() == first and set(first) == {"certificate", "brochure", "sheet"}
    code = ("import hashlib, sys; sys.path.insert(0, 'tests/unit'); from test_entry_pdfs import printed; "
            "print(*(n + ':' + hashlib.sha256(d).hexdigest() for n, d in sorted(printed().items())))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "4242", "TZ": "America/New_York"}).stdout.split()
    assert out == [f"{n}:{d}" for n, d in sorted(digests(first).items())]


def test_the_certificate_is_dated_by_the_release_and_its_id_names_its_html():
    html = certificate_html()
    reader = pypdf.PdfReader(io.BytesIO(certificate_pdf(html)))
    assert reader.metadata["/CreationDate"] == reader.metadata["/ModDate"] == "D:20230105000000+08'00"
    assert reader.metadata["/Title"] == "上榜证书 · 存算一体芯片 mRNA-LNP"
    assert reader.trailer["/ID"][0] == hashlib.sha256(html.encode()).hexdigest()[:32]
    assert "399390653b66e00f" in "".join(reader.pages[0].extract_text().split())
    # Another entry, another document: the identifier follows the content.
    other = certificate_html().replace("存算一体芯片", "量子通信网络")
    assert pypdf.PdfReader(io.BytesIO(certificate_pdf(other))).trailer["/ID"][0] != reader.trailer["/ID"][0]


def test_the_brochure_is_dated_by_the_package_and_its_id_names_its_html():
    html = brochure_html("定向推介", "北京市各试点园区", TABLE, SENT_AT)
    reader = pypdf.PdfReader(io.BytesIO(brochure_pdf("定向推介", "北京市各试点园区", TABLE, SENT_AT)))
    assert reader.metadata["/CreationDate"] == "D:20230214093000+08'00"
    assert reader.trailer["/ID"][0] == hashlib.sha256(html.encode()).hexdigest()[:32]


def test_the_sheet_is_dated_by_the_package_inside_and_in_its_archive():
    raw = sheet_xlsx("北京市各试点园区", TABLE, SENT_AT)
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        assert {i.date_time for i in z.infolist()} == {(2023, 2, 14, 1, 30, 0)}  # 09:30 Beijing time, in UTC
    book = openpyxl.load_workbook(io.BytesIO(raw))
    assert book.properties.created == book.properties.modified == datetime(2023, 2, 14, 1, 30)
    assert [c.value for c in book.active[2]] == list(TABLE[0])
    assert [c.value for c in book.active[5]][:2] == ["推介对象", "北京市各试点园区"]
