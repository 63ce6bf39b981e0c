"""统一社会信用代码 validation (GB 32100-2015)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.intake.credit_code import (
    AUTHORITIES, CHARSET, PROVINCE_PREFIXES, CreditCodeError, check_char, check_credit_code,
    is_valid_credit_code,
)

WELL_KNOWN = "91350100M000100Y43"


def with_check(body: str) -> str:
    """A full code from its first 17 characters, as the issuing authority computes it."""
    return body + check_char(body)


# realistic bodies: authority + type + division + subject identifier
BODIES = [
    "91110108551385082",  # 工商·企业, 北京海淀
    "92420106MA4K5L6P1",  # 工商·个体工商户, 武汉武昌
    "93510100MA6CXY123",  # 工商·农民专业合作社, 成都
    "12100000400000624",  # 机构编制·事业单位, national level
    "11440300007504963",  # 机构编制·机关, 深圳
    "51100000500000321",  # 民政·社会团体, national level
    "52310000MJ4933158",  # 民政·民办非企业单位, 上海
    "53110000MJ0001234",  # 民政·基金会, 北京
    "31440300MD0123456",  # 司法行政·律师执业机构, 深圳
    "81330106MC1234567",  # 工会·基层工会, 杭州
    "N2330104MF1234567",  # 农业·村级集体经济组织, 杭州
    "Y1650100MA7812345",  # 其他, 乌鲁木齐
    "91810000MA0ABCDEF",  # 工商·企业, 香港 prefix
]
VALID = [WELL_KNOWN, *(with_check(body) for body in BODIES)]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass_and_come_back_unchanged(code):
    assert is_valid_credit_code(code)
    assert check_credit_code(code) == code


def test_the_well_known_code_has_the_check_char_the_algorithm_gives():
    assert check_char(WELL_KNOWN[:17]) == WELL_KNOWN[17]


@pytest.mark.parametrize("raw", [" 91350100m000100y43 ", "９１３５０１００Ｍ０００１００Ｙ４３", "\t91350100M000100Y43\n"])
def test_input_is_normalised_case_width_and_surrounding_space(raw):
    assert check_credit_code(raw) == WELL_KNOWN


@pytest.mark.parametrize("code", VALID)
def test_every_single_character_change_is_caught(code):
    # substitute every position with every other character, legal or not
    for position in range(len(code)):
        for replacement in CHARSET + "IOZSV-#":
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1:]
            assert not is_valid_credit_code(changed), changed


@pytest.mark.parametrize("code", VALID)
def test_swapping_adjacent_different_characters_is_caught(code):
    for position in range(len(code) - 1):
        a, b = code[position], code[position + 1]
        if a != b:
            swapped = code[:position] + b + a + code[position + 2:]
            assert not is_valid_credit_code(swapped), swapped


@pytest.mark.parametrize(
    ("raw", "reason", "fragments"),
    [
        ("", "length", ["18位", "0位"]),
        (WELL_KNOWN[:17], "length", ["18位", "17位"]),
        (WELL_KNOWN + "0", "length", ["18位", "19位"]),
        ("91350100M000100I43", "illegal_char", ["第16位", "“I”", "不合法"]),
        ("91350100O000100Y43", "illegal_char", ["第9位", "“O”"]),
        ("9135010-M000100Y43", "illegal_char", ["第8位", "“-”"]),
        (with_check("B1350100M000100Y4"), "authority", ["第1位", "登记管理部门代码", "“B”"]),
        (with_check("94350100M000100Y4"), "org_type", ["第2位", "机构类别代码", "“4”", "工商"]),
        (with_check("Y2350100M000100Y4"), "org_type", ["第2位", "“2”", "其他"]),
        (with_check("91990100M000100Y4"), "division", ["第3至8位", "行政区划码", "990100"]),
        (with_check("9135A100M000100Y4"), "division", ["行政区划码", "35A100"]),
        ("91350100M000100Y44", "check_char", ["第18位", "校验码"]),
    ],
)
def test_each_rule_names_what_is_wrong_in_chinese(raw, reason, fragments):
    with pytest.raises(CreditCodeError) as caught:
        check_credit_code(raw)
    assert isinstance(caught.value, ValueError)
    assert caught.value.reason == reason
    message = str(caught.value)
    assert message.startswith("统一社会信用代码")
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize("raw", [None, 91350100, b"91350100M000100Y43"])
def test_non_text_is_invalid_not_a_crash(raw):
    assert not is_valid_credit_code(raw)


authorities = st.sampled_from(sorted(AUTHORITIES))


@st.composite
def credit_codes(draw):
    authority = draw(authorities)
    org_type = draw(st.sampled_from(sorted(AUTHORITIES[authority][1])))
    province = draw(st.sampled_from(sorted(PROVINCE_PREFIXES)))
    division = province + draw(st.text(alphabet="0123456789", min_size=4, max_size=4))
    subject = draw(st.text(alphabet=CHARSET, min_size=9, max_size=9))
    return with_check(authority + org_type + division + subject)


@given(credit_codes())
def test_any_code_built_by_the_rules_is_valid(code):
    assert check_credit_code(code.lower()) == code


@given(credit_codes(), st.integers(0, 17), st.sampled_from(CHARSET))
def test_any_substitution_in_any_generated_code_is_caught(code, position, replacement):
    changed = code[:position] + replacement + code[position + 1:]
    assert is_valid_credit_code(changed) == (changed == code)
