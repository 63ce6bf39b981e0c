"""The final-review minutes workbook alone (services/review/pages/minutes.py): the template the sitting page
offers reads back as filled in, rows left blank are not part of the sitting, a title that looks like a
formula stays text, and a file that is not the template is refused in Chinese."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from services.review.pages import minutes

ROWS = [{"nomination_id": f"00000000-0000-4000-8000-00000000000{i}", "domain_name": "绿色低碳", "rank": i,
         "title": title, "unit_id": "unit-a", "aggregate": "90.00"}
        for i, title in enumerate(("长时储能液流电池", "=HYPERLINK(\"http://x\",\"点此\")", "工业余热梯级利用"), 1)]


def _filled(cells: dict[str, object]) -> bytes:
    wb = load_workbook(io.BytesIO(minutes.template("终评会议", ROWS)))
    for cell, value in cells.items():
        wb.active[cell] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_template_reads_back_as_filled_in_and_blank_rows_are_left_out():
    data = _filled({"B3": 15, "B4": 12, "B5": 1, "B6": "十二月会议", "H9": 10, "I9": 1, "J9": 1, "K9": "入选",
                    "H11": "2", "I11": 8, "J11": None, "K11": "不入选", "L11": 2})
    roll, rows = minutes.read(data)
    assert roll == {"eligible": "15", "present": "12", "recused": "1", "note": "十二月会议"}
    assert rows == [(9, ROWS[0]["nomination_id"], {"yes": "10", "no": "1", "abstain": "1", "recused": "",
                                                   "selected": "1"}),
                    (11, ROWS[2]["nomination_id"], {"yes": "2", "no": "8", "abstain": "", "recused": "2",
                                                    "selected": "0"})]


def test_a_title_that_looks_like_a_formula_stays_text():
    ws = load_workbook(io.BytesIO(minutes.template("终评会议", ROWS))).active
    assert (ws["E10"].value, ws["E10"].data_type) == (ROWS[1]["title"], "s")


def test_a_file_that_is_not_the_template_is_refused_in_chinese():
    with pytest.raises(minutes.MinutesUnreadable, match="无法读取该文件"):
        minutes.read(b"PK\x03\x04 not a workbook")
    other = io.BytesIO()
    Workbook().save(other)
    with pytest.raises(minutes.MinutesUnreadable, match="找不到“推荐编号”表头"):
        minutes.read(other.getvalue())
