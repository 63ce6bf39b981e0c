"""Intellectual-property entries of a form and the numbers they accept.

Numbers are folded first: spaces removed, full-width characters to ASCII, upper-case
("ZL 2021 1 0123456.7" becomes "ZL202110123456.7"). Accepted, by kind:

- invention / utility_model / design
  * a CNIPA application or patent number: optional "ZL" (granted patent) or "CN" prefix,
    then YYYY + type digit + 7-digit serial (from 2003) or YY + type digit + 5-digit serial
    (before), then "." (may be left out) and the check character. The check character is
    verified (ZC 0006-2003: digits times 2,3,4,5,6,7,8,9,2,3,4,5, sum mod 11, 10 is "X"),
    and the type digit must fit the kind: invention 1 or 8 (PCT national phase),
    utility_model 2 or 9, design 3;
  * a CN publication or grant number: "CN" + 7-9 digits + kind letter (invention A/B/C,
    utility model U/Y, design S), e.g. CN112345678B.
- pct: an international application "PCT/CN2021/123456", an international publication
  "WO2021/123456", or a national-phase CNIPA application number (type digit 8 or 9).
- software_copyright: a registration number such as "2021SR0123456" (year, "SR", optional
  region letters, serial).

A "ZL" number is a granted patent, so its status must be "granted".
"""

from __future__ import annotations

import operator
import re
import unicodedata
from typing import Any

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from services.intake.forms.fields import FormModel, bounded_text, choice, choice_field

KINDS = {
    "invention": "发明专利",
    "utility_model": "实用新型专利",
    "design": "外观设计专利",
    "pct": "PCT国际专利申请",
    "software_copyright": "软件著作权",
}
STATUSES = {"granted": "已授权（登记）", "filed": "已受理（申请中）"}

_APPLICATION = re.compile(r"(ZL|CN)?(\d{8}|\d{12})\.?([0-9X])")
_PUBLICATION = re.compile(r"CN\d{7,9}([ABCUYS])\d?")
_INTERNATIONAL = re.compile(r"PCT/[A-Z]{2}\d{4}/\d{6}|WO\d{4}/?\d{6}")
_SOFTWARE = re.compile(r"\d{4}SR[A-Z]{0,2}\d{4,7}")
_TYPE_DIGITS = {"invention": "18", "utility_model": "29", "design": "3", "pct": "89"}
_PUBLICATION_LETTERS = {"invention": "ABC", "utility_model": "UY", "design": "S"}
_EXAMPLES = {
    "invention": "专利号（如ZL202110123456.7）、申请号（如CN202110123456.7）或公开号（如CN112345678A）",
    "utility_model": "专利号（如ZL202120123456.2）、申请号或授权公告号（如CN212345678U）",
    "design": "专利号（如ZL202130123456.8）、申请号或授权公告号（如CN302345678S）",
    "pct": "国际申请号（如PCT/CN2021/123456）、国际公布号（如WO2021/123456）或进入中国国家阶段的申请号",
    "software_copyright": "软件著作权登记号（如2021SR0123456）",
}


_CHECK_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def application_check_char(digits: str) -> str:
    """Check character of an 8- or 12-digit CNIPA application number."""
    remainder = sum(map(operator.mul, map(int, digits), _CHECK_WEIGHTS)) % 11
    return "X" if remainder == 10 else str(remainder)


def fold_number(raw: str) -> str:
    if not raw.isascii():  # full-width digits and letters, ideographic spaces: ASCII is already NFKC
        raw = unicodedata.normalize("NFKC", raw)
    return "".join(raw.split()).upper()


def patent_number_problem(kind: str, status: str | None, number: str) -> str | None:
    """What is wrong with `number` for an IP entry of `kind`, in Chinese, or None if it is acceptable."""
    if kind == "software_copyright":
        return None if _SOFTWARE.fullmatch(number) else f"应为{_EXAMPLES[kind]}"
    if kind == "pct" and _INTERNATIONAL.fullmatch(number):
        return None
    if (publication := _PUBLICATION.fullmatch(number)) and kind in _PUBLICATION_LETTERS:
        if publication.group(1) not in _PUBLICATION_LETTERS[kind]:
            return f"文献种类代码“{publication.group(1)}”与类别“{KINDS[kind]}”不符"
        return None
    application = _APPLICATION.fullmatch(number)
    if application is None:
        return f"应为{_EXAMPLES[kind]}"
    prefix, digits, check = application.groups()
    if application_check_char(digits) != check:
        return "校验位不符，请核对号码是否填写有误"
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    if type_digit not in _TYPE_DIGITS[kind]:
        return f"号码中的专利类型位“{type_digit}”与类别“{KINDS[kind]}”不符"
    if prefix == "ZL" and status == "filed":
        return "以ZL开头的是已授权的专利号，状态应为已授权"
    return None


class Patent(FormModel):
    kind: choice(KINDS) = choice_field(KINDS, "类别", "知识产权类别：发明、实用新型、外观设计、PCT或软件著作权")
    status: choice(STATUSES) = choice_field(STATUSES, "状态", "已授权（登记）或已受理（申请中）")
    number: str = Field(min_length=1, max_length=40, title="专利号或登记号",
                        description="专利号、申请号、公开号或软件著作权登记号，空格可省略")
    name: bounded_text(200) | None = Field(default=None, title="名称", description="专利或软件名称，不超过200字")

    @field_validator("number", mode="before")
    @classmethod
    def _fold(cls, value: Any) -> Any:
        return fold_number(value) if isinstance(value, str) else value

    @field_validator("number")
    @classmethod
    def _check_number(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if kind is None:  # the kind itself was invalid and is reported on its own
            return value
        problem = patent_number_problem(kind, info.data.get("status"), value)
        if problem is not None:
            raise PydanticCustomError("invalid_format", "格式不正确：{problem}", {"problem": problem})
        return value
