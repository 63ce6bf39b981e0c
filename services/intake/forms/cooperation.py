"""国际创新合作榜 form (organised separately: no channel quota, own review body)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from services.intake.forms.fields import (
    Region, publish_consent, publish_consent_field, region_field,
    CreditCode, FormDate, FormModel, ListItem, OrgName, Opinion, achievements_field, choice, choice_field,
    opinion_field,
)

COOPERATION_KINDS = {
    "joint_rd": "联合研发",
    "tech_transfer": "技术转移",
    "joint_lab": "共建实验室或平台",
    "talent_exchange": "人才交流",
    "other": "其他",
}

# ISO 3166-1 alpha-2, checked by shape only: the list of countries is not ours to keep
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$"), AfterValidator(str.upper)]


class InternationalCooperationForm(FormModel):
    model_config = ConfigDict(title="国际创新合作榜推荐表")

    list_code: Literal["international_cooperation"] = Field(default="international_cooperation", title="榜单",
                                                            description="榜单代码")
    project_name: str = Field(min_length=1, max_length=100, title="合作项目名称", description="不超过100字")
    lead_organisation: str = Field(min_length=1, max_length=100, title="中方牵头单位", description="不超过100字")
    credit_code: CreditCode | None = Field(default=None, title="牵头单位统一社会信用代码",
                                           description="选填，18位统一社会信用代码")
    partner_countries: list[CountryCode] = Field(min_length=1, max_length=50, title="合作国家（地区）",
                                                 description="ISO 3166-1两位字母代码，如DE、SG，1至50个")
    partner_organisations: list[OrgName] = Field(min_length=1, max_length=20, title="外方合作单位",
                                                 description="1至20家，每家不超过100字")
    cooperation_kind: choice(COOPERATION_KINDS) = choice_field(COOPERATION_KINDS, "合作方式",
                                                               "联合研发、技术转移、共建平台、人才交流或其他")
    started_on: FormDate = Field(title="合作开始日期", description="合作协议签署或项目启动日期")
    summary: str = Field(min_length=1, max_length=2000, title="合作简介",
                         description="合作内容与国际影响，不超过2000字")
    achievements: list[ListItem] = achievements_field("合作成果")
    recommending_opinion: Opinion | None = opinion_field()
    region: Region | None = region_field()
    publish_fields: publish_consent("international_cooperation") = publish_consent_field("international_cooperation")
