"""What every route shares: the service, the request's instant, idempotency, answers, pagination, docs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from eventlog.clock import request_clock
from eventlog.http_problems import PROBLEM_JSON, reply_response as answer
from services.intake.service import IntakeService

__all__ = ["Paging", "answer", "json_response", "now_for", "paging", "problems", "service"]


def service(request: Request) -> IntakeService:
    return request.app.state.intake


def now_for(request: Request) -> datetime:
    """The service's clock now, or the instant named in X-Kczg-Clock where demos enable that."""
    return request_clock(service(request).clock, request.headers).now()


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


class Paging:
    def __init__(self, page: int, page_size: int) -> None:
        self.page, self.page_size = page, page_size

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def wrap(self, items: list, total: int) -> dict[str, Any]:
        return {"items": items, "page": self.page, "page_size": self.page_size, "total": total}


async def paging(page: int = Query(1, ge=1, le=100_000, description="页码，从1开始"),
                 page_size: int = Query(20, ge=1, le=100, description="每页条数，至多100")) -> Paging:
    """Pagination parameters (an async dependency: no thread hop)."""
    return Paging(page, page_size)


class ProblemDetails(BaseModel):
    """RFC 9457 problem: `code` is stable and machine-readable, `detail` is for people (Chinese)."""
    type: str
    title: str
    status: int
    code: str
    detail: str
    errors: list[dict[str, Any]] | None = None


_EXAMPLES = {
    400: ("malformed_json", "请求体不是合法的 JSON。"),
    401: ("token_expired", "登录凭证已过期，请重新登录。"),
    403: ("role_not_allowed", "该操作仅限推荐单位。"),
    404: ("nomination_not_found", "未找到该推荐。"),
    409: ("wrong_status", "该申报当前状态为“已推荐”，不能进行此操作。"),
    413: ("payload_too_large", "请求体超过上限 256 KiB。"),
    415: ("media_type_mismatch", "文件扩展名“.pdf”与文件内容（PNG 图片）不符。"),
    422: ("submission_closed", "网上申报已于2022年10月31日24:00（北京时间）截止，不再受理提交、修改或撤回。"),
    503: ("event_log_unavailable", "事件日志暂不可用，本次提交未生效，请稍后重试。"),
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem answers a route gives."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in (400, 401, 403, *statuses):
        code, detail = _EXAMPLES[status]
        example = {"type": f"urn:kczg:problem:{code}", "title": "", "status": status, "code": code, "detail": detail}
        out[status] = {"model": ProblemDetails, "description": detail,
                       "content": {PROBLEM_JSON: {"example": example}}}
    return out
