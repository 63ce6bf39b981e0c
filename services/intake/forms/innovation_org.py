"""融通创新组织榜 form: a consortium, platform, alliance or new-type R&D institution."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from services.intake.forms.fields import (
    Region, publish_consent, publish_consent_field, region_field,
    Count, CreditCode, FormDate, FormModel, ListItem, Opinion, achievements_field, bounded_text, choice,
    choice_field, opinion_field,
)

ORG_KINDS = {
    "consortium": "创新联合体",
    "platform": "创新平台",
    "alliance": "产业技术创新联盟",
    "new_rd_institution": "新型研发机构",
    "other": "其他",
}


class IntegratedInnovationOrgForm(FormModel):
    model_config = ConfigDict(title="融通创新组织榜推荐表")

    list_code: Literal["integrated_innovation_org"] = Field(default="integrated_innovation_org", title="榜单",
                                                            description="榜单代码")
    organisation_name: str = Field(min_length=1, max_length=100, title="组织名称", description="不超过100字")
    credit_code: CreditCode = Field(title="统一社会信用代码",
                                    description="组织或其牵头单位的18位统一社会信用代码")
    organisation_kind: choice(ORG_KINDS) = choice_field(ORG_KINDS, "组织类型",
                                                        "创新联合体、创新平台、产业技术创新联盟、新型研发机构或其他")
    established_on: FormDate | None = Field(default=None, title="成立日期", description="组织成立日期")
    member_count: Count = Field(title="成员单位数", description="企业、高校、科研院所等成员单位总数")
    summary: bounded_text(2000) | None = Field(default=None, title="组织简介",
                                               description="组织架构与运行机制，不超过2000字")
    achievements: list[ListItem] = achievements_field("融通创新成效")
    collaboration_projects: Count = Field(title="协同创新项目数", description="成员间联合开展的项目数")
    recommending_opinion: Opinion | None = opinion_field()
    region: Region | None = region_field()
    publish_fields: publish_consent("integrated_innovation_org") = publish_consent_field("integrated_innovation_org")
