"""新锐企业榜 form. The founding-date window is campaign eligibility, checked elsewhere, not here."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, Strict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from services.intake.forms.fields import (
    Region, publish_consent, publish_consent_field, region_field,
    Amount10k, Count, CreditCode, FormDate, FormModel, Opinion, choice, choice_field, opinion_field,
)

ROUNDS = {
    "angel": "天使轮", "seed": "种子轮", "A": "A轮", "B": "B轮", "C": "C轮",
    "D+": "D轮及以后", "IPO": "首次公开发行", "other": "其他",
}


class FinancingRound(FormModel):
    round: choice(ROUNDS) = choice_field(ROUNDS, "轮次", "融资轮次")
    date: FormDate = Field(title="融资日期", description="资金到位或协议签署日期")
    amount_10k_cny: Amount10k = Field(title="融资金额（万元）", description="本轮融资金额，单位万元")


class EmergingEnterpriseForm(FormModel):
    model_config = ConfigDict(title="新锐企业榜推荐表")

    list_code: Literal["emerging_enterprise"] = Field(default="emerging_enterprise", title="榜单",
                                                      description="榜单代码")
    enterprise_name: str = Field(min_length=1, max_length=100, title="企业名称",
                                 description="与营业执照一致，不超过100字")
    credit_code: CreditCode = Field(title="统一社会信用代码", description="18位统一社会信用代码")
    founded_on: FormDate = Field(title="成立日期", description="营业执照所载成立日期")
    registered_capital_10k_cny: Amount10k = Field(title="注册资本（万元）", description="单位万元")
    revenue_10k_cny: Amount10k = Field(title="上年度营业收入（万元）", description="单位万元")
    rd_spend_10k_cny: Amount10k = Field(title="上年度研发投入（万元）",
                                        description="单位万元；初创企业可高于营业收入")
    headcount: Annotated[int, Strict(), Field(ge=1, le=100_000_000)] = Field(
        title="从业人员数", description="上年末从业人员总数，至少1人")
    rd_headcount: Count = Field(title="研发人员数", description="上年末研发人员数，不超过从业人员数")
    core_technology: str = Field(min_length=1, max_length=1000, title="核心技术",
                                 description="核心技术及其先进性，不超过1000字")
    financing_rounds: list[FinancingRound] = Field(default_factory=list, max_length=20, title="融资情况",
                                                   description="历次融资，不超过20轮")
    recommending_opinion: Opinion | None = opinion_field()
    region: Region | None = region_field()
    publish_fields: publish_consent("emerging_enterprise") = publish_consent_field("emerging_enterprise")

    @field_validator("rd_headcount")
    @classmethod
    def _within_headcount(cls, value: int, info: ValidationInfo) -> int:
        headcount = info.data.get("headcount")
        if headcount is not None and value > headcount:
            raise PydanticCustomError("out_of_range", "不能超过从业人员数（{limit}人）", {"limit": headcount})
        return value
