"""HTTP request and response bodies, with the examples the OpenAPI document shows."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from eventlog.http.bodies import RequestBody

from .examples import example_form

T = TypeVar("T")
CampaignCode = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$",
                     description="评选活动代码")
OrgCode = dict(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
Sha256List = Field(default_factory=list, max_length=20,
                   description="已上传附件的 SHA-256（POST /v1/attachments 的返回值），至多20个")
_LT_FORM = example_form("leading_tech")


class _Body(RequestBody):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NominationRequest(_Body):
    """A unit's (or a separately organised list's review body's) direct nomination."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "campaign": "kczg-2022", "list_code": "leading_tech", "domain": "advanced_materials", "form": _LT_FORM,
        "opinion": "该技术国内领先，同意推荐。"}]})
    campaign: str = CampaignCode
    unit_id: str | None = Field(None, description="可省略；如填写须与登录凭证的所属单位一致", **OrgCode)
    list_code: str = Field(min_length=1, max_length=64, description="榜单代码")
    domain: str | None = Field(None, max_length=64, description="领域代码（仅先导技术榜）")
    title: str | None = Field(None, min_length=1, max_length=200, description="省略时取表单中的名称")
    form: dict[str, Any] = Field(default_factory=dict, description="该榜单的推荐表")
    opinion: str | None = Field(None, max_length=1000, description="推荐单位意见；有推荐名额的榜单必填")
    attachments: list[str] = Sha256List


class AmendRequest(_Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"form": {**_LT_FORM, "maturity_stage": "pilot"}}]})
    list_code: str | None = Field(None, min_length=1, max_length=64, description="改投的榜单；省略则不变")
    domain: str | None = Field(None, max_length=64)
    title: str | None = Field(None, min_length=1, max_length=200)
    form: dict[str, Any] = Field(description="修改后的完整推荐表")


class ReasonRequest(_Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "经复核，材料不齐全，撤回推荐。"}]})
    reason: str = Field(min_length=1, max_length=1000)


class CommentsRequest(_Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"comments": "请补充近三年应用数据。"}]})
    comments: str = Field(min_length=1, max_length=2000)


class RecommendRequest(_Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"opinion": "经本单位专家评审，同意推荐。"}]})
    opinion: str | None = Field(None, max_length=1000, description="推荐单位意见；有推荐名额的榜单必填")


class ApplicationRequest(_Body):
    """An applicant's draft: a whole form for one list, addressed to its recommending unit."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "campaign": "kczg-2022", "unit_id": "unit-001", "list_code": "leading_tech",
        "domain": "advanced_materials", "form": {k: v for k, v in _LT_FORM.items() if k != "recommending_opinion"}}]})
    campaign: str = CampaignCode
    unit_id: str = Field(description="推荐单位编码", **OrgCode)
    list_code: str = Field(min_length=1, max_length=64)
    domain: str | None = Field(None, max_length=64)
    title: str | None = Field(None, min_length=1, max_length=200)
    form: dict[str, Any] = Field(default_factory=dict)
    attachments: list[str] = Sha256List
    contact_email: str | None = Field(None, min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                      description="申报联系人邮箱（可选）：推荐单位退回、不予推荐或推荐时通知；按个人信息加密保存")


class Accepted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "nomination_id": "0b6f7c1e-2b8f-4a57-9d6c-0f1a2b3c4d5e", "status": "submitted", "revision": 1,
        "status_url": "/v1/nominations/0b6f7c1e-2b8f-4a57-9d6c-0f1a2b3c4d5e"}]})
    nomination_id: str
    status: str
    revision: int = 1
    status_url: str


class ApplicationAccepted(BaseModel):
    application_id: str
    status: str
    revision: int
    url: str
    nomination_id: str | None = None


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    page_size: int
    total: int
