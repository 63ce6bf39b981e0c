"""Unit registry rules and the all-or-nothing bulk import."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from contracts.campaign import load_builtin_campaign
from contracts.errors import DomainError
from services.quota.domain.registry import ImportRefused, check_registration
from services.quota.unit_sheet import parse_sheet

CAMPAIGN = load_builtin_campaign("kczg-2022")


def test_channels_accept_codes_and_chinese_names_and_deduplicate():
    r = check_registration(CAMPAIGN, "u-1", " 中国某学会 ", ["national_society", "中央企业科协", "national_society"])
    assert r.channels == ("national_society", "central_enterprise_cast") and r.name == "中国某学会"


@pytest.mark.parametrize("unit_id, name, channels, code", [
    ("", "x", ["national_society"], "invalid_unit_id"),
    ("有空格 的", "x", ["national_society"], "invalid_unit_id"),
    ("u1", "  ", ["national_society"], "invalid_unit_name"),
    ("u1", "x", [], "channels_required"),
    ("u1", "x", ["火星科协"], "unknown_channel"),
])
def test_bad_registrations_name_the_field(unit_id, name, channels, code):
    with pytest.raises(DomainError) as exc:
        check_registration(CAMPAIGN, unit_id, name, channels)
    assert exc.value.code == code and exc.value.message


def test_csv_import_reads_every_row():
    sheet = "unit_id,name,channels\nu-1,甲学会,national_society\nu-2,乙省科协,省、自治区、直辖市科协;pilot_city_park\n"
    regs = parse_sheet(CAMPAIGN, "units.csv", sheet.encode())
    assert [(r.unit_id, r.channels) for r in regs] == [
        ("u-1", ("national_society",)), ("u-2", ("provincial_cast", "pilot_city_park"))]


def test_import_reports_every_bad_row_and_imports_nothing():
    sheet = ("单位编码,单位名称,推荐渠道\n"
             "u-1,甲学会,national_society\n"
             "u 2,乙,national_society\n"        # line 3: bad id
             "u-3,丙,火星科协\n"                 # line 4: unknown channel
             "u-1,丁,national_society\n")       # line 5: duplicate
    with pytest.raises(ImportRefused) as exc:
        parse_sheet(CAMPAIGN, "units.csv", sheet.encode())
    assert [(p.line, p.field) for p in exc.value.problems] == [(3, "unit_id"), (4, "channels"), (5, "unit_id")]
    assert "第 2 行" in exc.value.problems[2].reason


def test_missing_column_is_refused():
    with pytest.raises(ImportRefused) as exc:
        parse_sheet(CAMPAIGN, "units.csv", "unit_id,name\nu-1,x\n".encode())
    assert [(p.line, p.field) for p in exc.value.problems] == [(1, "channels")]


def test_xlsx_import():
    wb = Workbook()
    ws = wb.active
    ws.append(["unit_id", "name", "channels"])
    ws.append(["u-9", "某央企科协", "central_enterprise_cast"])
    buf = io.BytesIO()
    wb.save(buf)
    regs = parse_sheet(CAMPAIGN, "units.xlsx", buf.getvalue())
    assert regs[0].unit_id == "u-9" and regs[0].channels == ("central_enterprise_cast",)


def test_broken_xlsx_and_non_utf8_csv_are_refused():
    with pytest.raises(ImportRefused):
        parse_sheet(CAMPAIGN, "units.xlsx", b"PK\x03\x04garbage")
    with pytest.raises(ImportRefused):
        parse_sheet(CAMPAIGN, "units.csv", "unit_id,name,channels\n".encode("utf-16"))
