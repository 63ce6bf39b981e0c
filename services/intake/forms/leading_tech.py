"""先导技术榜 form: one technology in one of the "5+1" domains."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from contracts.codes import DOMAINS
from services.intake.forms.fields import (
    Region, publish_consent, publish_consent_field, region_field,
    Amount10k, CreditCode, FormModel, ListItem, Opinion, OrgName, PersonName, bounded_text, choice, choice_field,
    opinion_field,
)
from services.intake.forms.patents import Patent

MATURITY_STAGES = {"research": "研发", "pilot": "中试", "industrialisation": "产业化"}


class KeyPerson(FormModel):
    name: PersonName = Field(title="姓名", description="完成人姓名，不超过50字")
    organisation: OrgName = Field(title="工作单位", description="完成人所在单位，不超过100字")
    role: bounded_text(200) = Field(title="主要贡献", description="在该技术中承担的工作或贡献，不超过200字")


class LeadingTechForm(FormModel):
    model_config = ConfigDict(title="先导技术榜推荐表")

    list_code: Literal["leading_tech"] = Field(default="leading_tech", title="榜单", description="榜单代码")
    domain: choice(DOMAINS) = choice_field(DOMAINS, "领域", "“5+1”领域之一")
    technology_name: str = Field(min_length=1, max_length=100, title="技术名称", description="不超过100字")
    lead_unit_credit_code: CreditCode | None = Field(default=None, title="第一完成单位统一社会信用代码",
                                                     description="18位统一社会信用代码（选填），按校验位核对")
    completing_units: list[OrgName] = Field(min_length=1, max_length=10, title="完成单位",
                                            description="按贡献排序，1至10家单位")
    key_people: list[KeyPerson] = Field(default_factory=list, max_length=20, title="主要完成人",
                                        description="不超过20人")
    summary: str = Field(min_length=1, max_length=2000, title="技术简介",
                         description="技术内容、先进性与应用前景，不超过2000字")
    key_innovations: list[ListItem] = Field(min_length=1, max_length=5, title="主要创新点",
                                            description="1至5条，每条不超过500字")
    patents: list[Patent] = Field(default_factory=list, max_length=50, title="知识产权",
                                  description="已授权或已受理的专利及软件著作权，不超过50项")
    maturity_stage: choice(MATURITY_STAGES) = choice_field(MATURITY_STAGES, "成熟度", "研发、中试或产业化")
    application_summary: bounded_text(1000) | None = Field(default=None, title="应用情况",
                                                          description="推广应用情况，不超过1000字")
    revenue_10k_cny: Amount10k | None = Field(default=None, title="新增销售收入（万元）",
                                              description="近三年应用带来的新增销售收入，单位万元")
    profit_10k_cny: Amount10k | None = Field(default=None, title="新增利润（万元）",
                                             description="近三年应用带来的新增利润，单位万元")
    recommending_opinion: Opinion | None = opinion_field()
    region: Region | None = region_field()
    publish_fields: publish_consent("leading_tech") = publish_consent_field("leading_tech")
