"""What every review route shares: the campaign, the write request of a role (an
expert's Idempotency-Keys are theirs, not their body's: eventlog.http.front_door.by_person), and the OpenAPI
entries of the problems the routes answer."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from contracts.campaign import Campaign
from eventlog.http.front_door import by_person, service_of, writer
from eventlog.http.docs import problem_docs

VIEWS_BUILDING = ("views_building", "评审视图正在首次构建，请稍后再试。")

_EXAMPLES = {
    403: ("role_not_allowed", "该操作仅限评审机构。"),
    404: ("target_not_found", "未找到该评审对象（榜单/领域）。"),
    409: ("plan_locked", "评分已开始，评审方案已锁定，不能再修改。"),
    413: ("attachment_too_large", "方案文件超过大小上限 10 MiB。"),
    415: ("unsupported_media_type", "评审方案文件须为 PDF 文档（按文件内容识别）。"),
    422: ("score_out_of_range", "分数须在 0–100 之间：“创新性”（innovation）为 120。"),
    503: ("outcome_unknown", "已受理，但尚未确认写入事件日志（稍后将自动补发）。"),
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return problem_docs(_EXAMPLES, *statuses)


def review_writer(*roles: str):
    """The write request of a caller holding one of `roles`, keyed per person."""
    return writer(*roles, key_space=by_person)


async def campaign_of(request: Request, code: str) -> Campaign:
    return await service_of(request).campaigns.knowing(code)
