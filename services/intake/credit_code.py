"""统一社会信用代码 (unified social credit code) validation per GB 32100-2015.

Layout of the 18 characters:
  1      registration-authority code (登记管理部门代码)
  2      organisation-type code (机构类别代码), valid values depend on position 1
  3-8    administrative division of the registering authority (GB/T 2260, six digits)
  9-17   subject identifier (主体标识码, the GB 11714 organisation code)
  18     check character over positions 1-17, modulo 31

The authority/type table is the standard's plus the codes assigned since
(外交, 司法行政, 文化, 旅游, 宗教, 工会, 中央军委改革和编制办公室, 农业).
Only the province part of the division code is checked (a full GB/T 2260
table changes every year); the GB 11714 check of positions 9-17 is not
enforced, as the unified code's own check character already covers them.
"""

from __future__ import annotations

import unicodedata

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18

# registration authority -> (its name, the organisation types it may issue)
AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": ("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所",
                    "4": "司法鉴定机构", "5": "仲裁委员会", "9": "其他"}),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}

# first two digits of GB/T 2260 codes; "10" is the national level (100000)
PROVINCE_PREFIXES = frozenset(
    "10 11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)


class CreditCodeError(ValueError):
    """An invalid code. `reason` is a stable English code; `detail` is the Chinese finding without a subject."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"统一社会信用代码{detail}")
        self.reason = reason
        self.detail = detail


def normalise(raw: str) -> str:
    """Full-width forms (common with Chinese input methods) to ASCII, trimmed, upper-case."""
    return unicodedata.normalize("NFKC", raw).strip().upper()


def check_char(body: str) -> str:
    """The check character for the first 17 characters (which must already be in CHARSET)."""
    total = sum(CHARSET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def check_credit_code(raw: str) -> str:
    """Return the normalised code, or raise CreditCodeError naming what is wrong."""
    if not isinstance(raw, str):
        raise CreditCodeError("wrong_type", "应为文本")
    code = normalise(raw)
    if len(code) != LENGTH:
        raise CreditCodeError("length", f"应为{LENGTH}位，当前为{len(code)}位")
    for position, c in enumerate(code, start=1):
        if c not in CHARSET:
            raise CreditCodeError(
                "illegal_char", f"第{position}位字符“{c}”不合法（只能使用数字和除I、O、Z、S、V以外的大写字母）")
    authority = AUTHORITIES.get(code[0])
    if authority is None:
        raise CreditCodeError("authority", f"第1位登记管理部门代码“{code[0]}”无效")
    authority_name, org_types = authority
    if code[1] not in org_types:
        raise CreditCodeError(
            "org_type", f"第2位机构类别代码“{code[1]}”不属于登记管理部门“{authority_name}”")
    division = code[2:8]
    if not division.isdigit() or division[:2] not in PROVINCE_PREFIXES:
        raise CreditCodeError("division", f"第3至8位行政区划码“{division}”无效")
    if check_char(code[:17]) != code[17]:
        raise CreditCodeError("check_char", "第18位校验码不符，请核对代码是否填写有误")
    return code


def is_valid_credit_code(raw: object) -> bool:
    try:
        check_credit_code(raw)  # type: ignore[arg-type]
    except CreditCodeError:
        return False
    return True
