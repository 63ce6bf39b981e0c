"""创业就业先锋榜 and 技术经理人先锋榜 forms: people (or a team) and their record."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from services.intake.forms.fields import (
    Region, publish_consent, publish_consent_field, region_field,
    Amount10k, Count, CreditCode, FormModel, ListItem, Opinion, achievements_field, bounded_text, choice,
    choice_field, opinion_field,
)

NOMINEE_KINDS = {"person": "个人", "team": "团队"}


class EntrepreneurshipPioneerForm(FormModel):
    model_config = ConfigDict(title="创业就业先锋榜推荐表")

    list_code: Literal["entrepreneurship_pioneer"] = Field(default="entrepreneurship_pioneer", title="榜单",
                                                           description="榜单代码")
    nominee_kind: choice(NOMINEE_KINDS) = choice_field(NOMINEE_KINDS, "推荐对象类型", "个人或团队")
    nominee_name: str = Field(min_length=1, max_length=100, title="姓名或团队名称", description="不超过100字")
    organisation: str = Field(min_length=1, max_length=100, title="所在单位", description="不超过100字")
    organisation_credit_code: CreditCode | None = Field(default=None, title="所在单位统一社会信用代码",
                                                        description="选填，18位统一社会信用代码")
    ventures_founded: Count = Field(title="创办企业数", description="创办或联合创办的企业数")
    jobs_created: Count = Field(title="带动就业人数", description="直接带动的就业岗位数")
    achievements: list[ListItem] = achievements_field()
    recommending_opinion: Opinion | None = opinion_field()
    region: Region | None = region_field()
    publish_fields: publish_consent("entrepreneurship_pioneer") = publish_consent_field("entrepreneurship_pioneer")


class TechManagerPioneerForm(FormModel):
    model_config = ConfigDict(title="技术经理人先锋榜推荐表")

    list_code: Literal["tech_manager_pioneer"] = Field(default="tech_manager_pioneer", title="榜单",
                                                       description="榜单代码")
    person_name: str = Field(min_length=1, max_length=50, title="姓名", description="不超过50字")
    organisation: str = Field(min_length=1, max_length=100, title="所在单位", description="不超过100字")
    certification: bounded_text(100) | None = Field(default=None, title="职业资格",
                                                    description="选填，如技术经纪人证书，不超过100字")
    transfers_brokered: Count = Field(title="促成技术转移项目数", description="促成的技术转移转化项目数")
    contract_value_10k_cny: Amount10k = Field(title="促成技术合同成交额（万元）", description="单位万元")
    achievements: list[ListItem] = achievements_field()
    recommending_opinion: Opinion | None = opinion_field()
    region: Region | None = region_field()
    publish_fields: publish_consent("tech_manager_pioneer") = publish_consent_field("tech_manager_pioneer")
