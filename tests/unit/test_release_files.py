"""Release files: the same Release gives the same bytes, whenever and in whatever process it is built."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pypdf
import pytest

from services.publish.release import build_release_files, write_release_files
from services.publish.release.csv_file import neutralise
from services.publish.release.manifest import file_links
from services.publish.release.table import HEADERS, domain_groups
from services.publish.release.xlsx_file import release_xlsx, sheet_title
from tests.support.release import NASTY_TITLES, entry, list_release, sample_release

ROOT = Path(__file__).resolve().parents[2]
FILES = {"release.json", "release.csv", "release.xlsx", "release.pdf", "manifest.json"}


@pytest.fixture(scope="module")
def release():
    return sample_release()


@pytest.fixture(scope="module")
def files(release):
    return build_release_files(release)


# --- determinism -------------------------------------------------------------------------------

def test_every_file_is_built_and_identical_a_second_later(release, files):
    # Build again after the clock has moved on by more than a second (zip and PDF dates tick in seconds).
    time.sleep(1.1)
    again = build_release_files(release)
    assert set(files) == FILES
    assert {name: hashlib.sha256(data).hexdigest() for name, data in again.items()} == \
           {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


def test_another_process_with_another_hash_seed_builds_the_same_bytes(files):
    code = ("import hashlib; from services.publish.release import build_release_files; "
            "from tests.support.release import sample_release; "
            "f = build_release_files(sample_release()); "
            "print(*(n + ':' + hashlib.sha256(f[n]).hexdigest() for n in sorted(f)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "4242", "TZ": "America/New_York"}).stdout.split()
    assert out == [f"{n}:{hashlib.sha256(files[n]).hexdigest()}" for n in sorted(files)]


def test_write_release_files_writes_exactly_the_built_bytes(tmp_path, release, files):
    written = write_release_files(release, tmp_path / "kczg-2022")
    assert {name: path.read_bytes() for name, path in written.items()} == files
    assert sorted(p.name for p in (tmp_path / "kczg-2022").iterdir()) == sorted(FILES)  # no temp files left


# --- release.json -------------------------------------------------------------------------------

def test_json_is_utf8_sorted_indented_with_traces(release, files):
    raw = files["release.json"]
    text = raw.decode("utf-8")
    assert "先导技术榜" in text and "\\u" not in text          # ensure_ascii=False
    assert text.endswith("}\n") and '\n  "campaign": ' in text  # trailing newline, 2-space indent
    doc = json.loads(raw)
    assert json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n" == text
    assert doc["campaign"] == "kczg-2022" and doc["released_on"] == "2023-03-01"
    lead, emerging = doc["lists"]
    assert (lead["list_code"], lead["version"], lead["reason"]) == ("leading_tech", 1, None)
    assert (emerging["version"], emerging["reason"], emerging["released_on"]) == (2, "更正一家企业的名称", "2023-03-01")
    first = lead["entries"][0]
    assert first["trace"]["quota"] == [release.lists[0].entries[0].trace.quota[0]]
    assert first["trace"]["notice"] == []
    # 序号 restarts in each domain; entries keep the given order.
    assert [(e["domain"], e["number"]) for e in lead["entries"]][3:6] == \
           [("electronic_info", 4), ("biomedicine", 1), ("biomedicine", 2)]
    assert [e["title"] for e in lead["entries"][4:]] == list(NASTY_TITLES)


# --- release.csv --------------------------------------------------------------------------------

def csv_rows(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_has_bom_crlf_and_chinese_headers(files):
    raw = files["release.csv"]
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(raw)
    assert tuple(rows[0]) == HEADERS
    assert rows[0][:8] == ["榜单", "领域", "序号", "名称", "持有单位", "推荐单位", "版本", "发布日期"]
    assert rows[1][:4] == ["先导技术榜", "电子信息", "1", rows[1][3]]
    assert rows[-1][0] == "新锐企业榜" and rows[-1][1] == "" and rows[-1][6:9] == ["2", "2023-03-01", "更正一家企业的名称"]
    assert len(rows) == 1 + 4 + len(NASTY_TITLES) + 3


def test_csv_lines_end_in_crlf_outside_quoted_cells(files):
    # Every record ends in CRLF; the only bare LF is the one inside the quoted multi-line title.
    raw = files["release.csv"].decode("utf-8-sig")
    assert raw.endswith("\r\n")
    assert raw.count("\n") - raw.count("\r\n") == 1 and '"含""引号"",逗号\n与换行"' in raw


def test_csv_neutralises_formula_cells(files):
    titles = [row[3] for row in csv_rows(files["release.csv"])[1:]]
    assert "'=HYPERLINK(\"http://x\")" in titles
    assert {"'+1 高速铁路", "'-5 度冷链", "'@SUM(A1)", "'\t制表符开头"} <= set(titles)
    assert "<script>alert(1)</script>" in titles  # CSV is data: nothing to neutralise there
    assert not any(t.startswith(("=", "+", "-", "@", "\t", "\r")) for t in titles)


@pytest.mark.parametrize("cell,expected", [("=1+1", "'=1+1"), ("\rx", "'\rx"), ("a=b", "a=b"), (3, "3"), ("", "")])
def test_neutralise(cell, expected):
    assert neutralise(cell) == expected


# --- release.xlsx -------------------------------------------------------------------------------

def test_xlsx_has_a_sheet_per_list_with_bold_chinese_headers(files):
    wb = openpyxl.load_workbook(io.BytesIO(files["release.xlsx"]))
    assert wb.sheetnames == ["先导技术榜", "新锐企业榜"]
    ws = wb["先导技术榜"]
    assert tuple(c.value for c in ws[1]) == HEADERS and all(c.font.b for c in ws[1])
    assert ws.max_row == 1 + 4 + len(NASTY_TITLES)
    assert ws["B2"].value == "电子信息" and ws["C2"].value == 1 and ws["G2"].value == 1
    assert ws.freeze_panes == "A2"
    widths = {k: d.width for k, d in ws.column_dimensions.items()}
    assert widths["C"] < widths["D"] <= 60 and widths["A"] >= 10  # 序号 narrow, 名称 wide, Chinese counted double


def test_xlsx_keeps_a_formula_looking_title_as_text(files):
    wb = openpyxl.load_workbook(io.BytesIO(files["release.xlsx"]))
    titles = {c.value: c.data_type for c in wb["先导技术榜"]["D"][1:]}
    assert titles['=HYPERLINK("http://x")'] == "s"
    with zipfile.ZipFile(io.BytesIO(files["release.xlsx"])) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")  # no formula anywhere


def test_xlsx_zip_dates_order_and_properties_are_pinned(release, files):
    with zipfile.ZipFile(io.BytesIO(files["release.xlsx"])) as z:
        infos = z.infolist()
        assert infos[0].filename == "[Content_Types].xml"
        assert [i.filename for i in infos[1:]] == sorted(i.filename for i in infos[1:])
        assert {i.date_time for i in infos} == {(2023, 3, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "<dcterms:created" in core and core.count("2023-03-01T00:00:00Z") == 2
    wb = openpyxl.load_workbook(io.BytesIO(files["release.xlsx"]))
    assert wb.properties.created == wb.properties.modified
    assert wb.properties.created.date() == release.released_on


def test_xlsx_strips_characters_excel_cannot_hold(release):
    bad = list_release("open_source", [entry("open_source", None, 0, "开源\x00项目\x1f名称")])
    wb = openpyxl.load_workbook(io.BytesIO(release_xlsx(replace(release, lists=(bad,)))))
    assert wb["开源创新榜"]["D2"].value == "开源项目名称"


def test_sheet_titles_are_valid_and_unique():
    taken: set[str] = set()
    assert sheet_title("先导技术榜", taken) == "先导技术榜"
    assert sheet_title("先导技术榜", taken) == "先导技术榜(2)"
    assert sheet_title("a/b:c*d?e[f]g\\h", taken) == "a_b_c_d_e_f_g_h"
    long = sheet_title("很" * 40, taken)
    assert len(long) == 31 and len(sheet_title("很" * 40, taken)) == 31
    assert sheet_title("'引号'", taken) == "引号"


# --- release.pdf --------------------------------------------------------------------------------

def test_pdf_metadata_is_the_release_date_and_the_id_names_the_content(files):
    reader = pypdf.PdfReader(io.BytesIO(files["release.pdf"]))
    meta = reader.metadata
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:20230301000000+08'00"
    assert meta["/Title"] == "2022年“科创中国”系列榜单 · 发布名单"
    identifier = reader.trailer["/ID"][0]
    assert identifier == hashlib.sha256(files["release.json"]).hexdigest()[:32]


def test_pdf_embeds_a_cjk_font_and_its_text_is_the_chinese_titles(files):
    reader = pypdf.PdfReader(io.BytesIO(files["release.pdf"]))
    fonts = {str(f.get_object()["/BaseFont"]).split("+", 1)[1]
             for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert fonts and all(name.startswith("WenQuanYi-Micro-Hei") for name in fonts)
    # Cells wrap: compare without the line breaks the layout put in.
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    for title in ("电子信息关键技术第1项：高可靠低功耗系统", "新锐企业榜关键技术第3项：高可靠低功耗系统",
                  "<script>alert(1)</script>", "<b>粗体</b>不是标记", "中国某某学会1", "更正一家企业的名称"):
        assert "".join(title.split()) in text


def test_pdf_starts_each_list_on_its_own_page(files):
    reader = pypdf.PdfReader(io.BytesIO(files["release.pdf"]))
    pages = [page.extract_text() for page in reader.pages]
    starts = [i for i, t in enumerate(pages) if "新锐企业榜 · 第" in t or "新锐企业榜\n第 2 版" in t]
    assert len(pages) >= 2 and starts and starts[0] > 0
    assert "先导技术榜" not in pages[starts[0]].split("新锐企业榜", 1)[1]


# --- manifest.json ------------------------------------------------------------------------------

def test_manifest_names_each_file_and_the_published_events(release, files):
    manifest = json.loads(files["manifest.json"])
    assert set(manifest) == {"format", "campaign", "campaign_title", "released_on", "versions", "generated_from", "files"}
    assert manifest["versions"] == {"leading_tech": 1, "emerging_enterprise": 2}
    assert manifest["generated_from"] == [lst.event_id for lst in release.lists]
    assert manifest["files"] == {name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                                 for name, data in files.items() if name != "manifest.json"}


def test_file_links_come_from_the_manifest(files):
    links = file_links(files["manifest.json"], "/releases/kczg-2022/")
    assert [link.name for link in links] == ["release.csv", "release.json", "release.pdf", "release.xlsx", "manifest.json"]
    assert links[0].href == "/releases/kczg-2022/release.csv"
    assert all(link.bytes == len(files[link.name]) and link.sha256 == hashlib.sha256(files[link.name]).hexdigest()
               for link in links)


# --- what a release must be -------------------------------------------------------------------

def test_domain_groups_keep_order_and_refuse_a_domain_split_in_two():
    a = [entry("leading_tech", "electronic_info", i) for i in range(2)]
    b = [entry("leading_tech", "biomedicine", 0)]
    assert [(g.domain, len(g.entries)) for g in domain_groups(a + b)] == [("electronic_info", 2), ("biomedicine", 1)]
    with pytest.raises(ValueError, match="not contiguous"):
        domain_groups(a[:1] + b + a[1:])


def test_a_release_without_lists_or_with_a_list_twice_is_refused(release):
    with pytest.raises(ValueError, match="at least one"):
        build_release_files(replace(release, lists=()))
    with pytest.raises(ValueError, match="one version of each list"):
        build_release_files(replace(release, lists=(release.lists[0], release.lists[0])))
