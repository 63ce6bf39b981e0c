"""HTTP requests of the review API: the target a URL names, and the bodies with the examples the
OpenAPI document shows (read by the routes and the fast lane alike)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from contracts.events import EmailAddress
from contracts.review_terms import Aggregation, DivergenceMeasure, TieBreak
from eventlog.http.bodies import RequestBody

from .domain.targets import Target

TARGET = "/v1/review/campaigns/{campaign}/targets/{list_code}/{domain}"
NOMINATION = TARGET + "/nominations/{nomination_id}"
NO_DOMAIN = "-"  # the URL's domain segment for a list without domains


def target_of(campaign: str, list_code: str, domain: str) -> Target:
    return Target(campaign, list_code, None if domain == NO_DOMAIN else domain)


class _Body(RequestBody):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ScreeningRequest(_Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"passed": False, "reasons": ["推荐表缺少推荐单位盖章页。"]}, {"passed": True}]})
    passed: bool
    reasons: list[str] = Field(default_factory=list, max_length=20, description="不通过时须说明理由")


class ReturnRequest(_Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"reasons": ["推荐表缺少推荐单位盖章页。"], "correction_due": "2022-11-10"}]})
    reasons: list[str] = Field(default_factory=list, max_length=20, description="退回补正的理由（至少一条）")
    correction_due: date = Field(description="补正截止日期：推荐单位可在该日24:00（北京时间）前修改并重新提交")


class WithdrawalAnswerRequest(_Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"decision": "grant", "reason": "经核实，同意推荐单位撤回。"},
        {"decision": "refuse", "reason": "该推荐已完成初评，撤回理由不充分。"}]})
    decision: Literal["grant", "refuse"] = Field(description="grant：同意撤回（该推荐退出评审）；refuse：不同意")
    reason: str = Field(max_length=2000, description="决定的理由（必填）")


class RosterEntry(_Body):
    expert_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    name: str = Field(min_length=1, max_length=100)
    affiliation: str = Field(min_length=1, max_length=200)
    affiliation_credit_code: str | None = Field(None, max_length=18)
    declared_relations: list[dict[str, Any]] = Field(default_factory=list, max_length=50,
                                                     description="专家声明有关联的单位：name、credit_code")
    contact_email: EmailAddress | None = Field(None, description="通知邮件的收件地址（可选）")


class PlanRequest(_Body):
    """A review plan (评审工作方案、专家构成方案、评价标准); omitted terms take the campaign's defaults."""
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "plan": "初评采用专家个人独立评分，每项由7位专家评审。", "expert_composition": "高校、企业、投资机构专家各占三分之一。",
        "roster": [{"expert_id": "e-001", "name": "专家甲", "affiliation": "清华大学"}]}]})
    plan: str = Field(min_length=1, max_length=4000)
    expert_composition: str = Field(min_length=1, max_length=4000)
    roster: list[RosterEntry] = Field(min_length=1, max_length=2000)
    criteria: list[dict[str, Any]] | None = Field(None, max_length=20, description="code、name、weight（百分比，合计100）、description（说明，可选）")
    score_min: Decimal | None = None
    score_max: Decimal | None = None
    experts_per_item: int | None = Field(None, ge=1, le=99)
    aggregation: Aggregation | None = None
    trim_min_scores: int | None = Field(None, ge=3, le=99)
    divergence_threshold: Decimal | None = None
    divergence_measure: DivergenceMeasure | None = Field(
        None, description="分歧度量：range 最高分与最低分之差；trimmed_range 去掉一个最高分和一个最低分后的分差；"
                          "range_without_outlier 去掉一个离群分后的分差")
    tie_break: list[TieBreak] | None = Field(None, max_length=2)
    max_load: int | None = Field(None, ge=1)
    contact_email: EmailAddress | None = Field(None, description="评审机构接收通知邮件的地址（可选），如初评结果报送提醒")
    document: str | None = Field(None, pattern=r"^[0-9a-f]{64}$",
                                 description="方案文件（PDF）的 SHA-256：POST /v1/review/plan-documents 的返回值（可选）")


class ConfirmRequest(_Body):
    plan_event_id: UUID
    note: str = Field("", max_length=1000)


class PlanReceiptRequest(_Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"plan_event_id": "0b7c6a52-3c1e-4f7e-9a51-2d1f4c8e9b10", "acknowledged": True, "note": "方案已收悉。"},
        {"plan_event_id": "0b7c6a52-3c1e-4f7e-9a51-2d1f4c8e9b10", "acknowledged": False,
         "reasons": ["专家名单中同一单位专家超过三分之一。"]}]})
    plan_event_id: UUID = Field(description="回执的评审方案（当前备案的方案）")
    acknowledged: bool = Field(description="true：确认；false：退回（须说明理由，评审机构须重新备案）")
    reasons: list[Annotated[str, Field(max_length=2000)]] = Field(default_factory=list, max_length=20,
                                                                  description="退回时须说明理由（至少一条）")
    note: str = Field("", max_length=1000, description="确认时的附言（可选）")


class AutoAssignRequest(_Body):
    max_load: int | None = Field(None, ge=1, description="本次分配每位专家的评审上限；省略取评审方案的设置")


class AssignRequest(_Body):
    nomination_id: UUID
    expert_id: str = Field(min_length=1, max_length=64)


class UnassignRequest(_Body):
    reason: str = Field(min_length=1, max_length=1000)


class ConflictRequest(_Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason_code": "collaboration",
                                                               "reason": "近三年与完成单位有合作项目。"}]})
    reason_code: Literal["same_organisation", "collaboration", "relative", "interest", "other"]
    reason: str = Field("", max_length=1000)


class ScoreRequest(_Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"scores": {
        "innovation": "86", "advancement": "80.5", "industrial_value": "90", "social_benefit": "75"}}]})
    scores: dict[str, Decimal] = Field(min_length=1, max_length=20, description="评价指标代码 → 分数")
    reason: str = Field("", max_length=1000, description="修改评分的理由（复评期间修改须填写）")


class ResultsRequest(_Body):
    reason: str = Field("", max_length=2000, description="有推荐对象未完成评分时须说明原因")
    re_review_reasons: dict[UUID, Annotated[str, Field(max_length=1000)]] = Field(default_factory=dict, max_length=2000,
                                               description="仍在复评且分歧未消除的推荐对象 → 现在报送的理由")


ExpertId = Annotated[str, Field(min_length=1, max_length=64)]


class ReReviewRequest(_Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"revisit": ["e-003"], "add": ["e-011"],
                                                               "reason": "专家评分分歧较大，请复核并增派一位专家。"}]})
    revisit: list[ExpertId] = Field(default_factory=list, max_length=99, description="请复核评分的在席专家")
    add: list[ExpertId] = Field(default_factory=list, max_length=99, description="增派的专家（须在专家名单中、无回避关系）")
    reason: str = Field("", max_length=1000)


class CloseReReviewRequest(_Body):
    reason: str = Field("", max_length=1000, description="分歧仍超过阈值时结束复评须说明理由")
