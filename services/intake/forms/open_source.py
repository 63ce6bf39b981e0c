"""开源创新榜 form (organised separately: no channel quota, own review body)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, HttpUrl, UrlConstraints

from services.intake.forms.fields import (
    Region, publish_consent, publish_consent_field, region_field,
    Count, CreditCode, FormDate, FormModel, ListItem, Opinion, achievements_field, choice, choice_field,
    opinion_field,
)

# SPDX identifiers accepted by default; a campaign wanting others extends this set
LICENCES = {
    "Apache-2.0": "Apache许可证2.0",
    "MIT": "MIT许可证",
    "BSD-2-Clause": "BSD两条款许可证",
    "BSD-3-Clause": "BSD三条款许可证",
    "MPL-2.0": "Mozilla公共许可证2.0",
    "EPL-2.0": "Eclipse公共许可证2.0",
    "GPL-2.0-only": "GNU通用公共许可证2.0",
    "GPL-3.0-only": "GNU通用公共许可证3.0",
    "LGPL-2.1-only": "GNU宽通用公共许可证2.1",
    "LGPL-3.0-only": "GNU宽通用公共许可证3.0",
    "AGPL-3.0-only": "GNU Affero通用公共许可证3.0",
    "MulanPSL-2.0": "木兰宽松许可证第2版",
    "MulanPubL-2.0": "木兰公共许可证第2版",
}

RepositoryUrl = Annotated[HttpUrl, UrlConstraints(max_length=300, allowed_schemes=["https", "http"])]


class OpenSourceForm(FormModel):
    model_config = ConfigDict(title="开源创新榜推荐表")

    list_code: Literal["open_source"] = Field(default="open_source", title="榜单", description="榜单代码")
    project_name: str = Field(min_length=1, max_length=100, title="开源项目名称", description="不超过100字")
    organisation: str = Field(min_length=1, max_length=100, title="主导单位",
                              description="项目主导单位或开源基金会，不超过100字")
    credit_code: CreditCode | None = Field(default=None, title="主导单位统一社会信用代码",
                                           description="选填，18位统一社会信用代码")
    repository_url: RepositoryUrl = Field(title="代码仓库地址", description="http(s)地址，不超过300字符")
    licence: choice(LICENCES) = choice_field(LICENCES, "开源许可证", "SPDX许可证标识符，限于允许的许可证")
    contributors_count: Count = Field(title="贡献者人数", description="累计代码贡献者人数")
    first_released_on: FormDate | None = Field(default=None, title="首次发布日期", description="选填")
    summary: str = Field(min_length=1, max_length=2000, title="项目简介",
                         description="项目功能、技术特点与社区情况，不超过2000字")
    achievements: list[ListItem] = achievements_field("应用与影响")
    recommending_opinion: Opinion | None = opinion_field()
    region: Region | None = region_field()
    publish_fields: publish_consent("open_source") = publish_consent_field("open_source")
