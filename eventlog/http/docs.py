"""What every service's HTTP API shares beyond errors: JSON answers, pagination, and the OpenAPI
entries of the problem answers a route gives (each service passes examples in its own words)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from fastapi import Query
from fastapi.responses import Response

from eventlog.http.problem_details import PROBLEM_JSON, ProblemDetails


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, default=_plain), status_code=status, media_type="application/json")


def _plain(value: Any) -> str:
    if isinstance(value, Decimal):  # scores and aggregates: exact, as the events carry them ("87.50")
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


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


COMMON_EXAMPLES: dict[int, tuple[str, str]] = {
    400: ("malformed_json", "请求体不是合法的 JSON。"),
    401: ("token_expired", "登录凭证已过期，请重新登录。"),
    403: ("role_not_allowed", "该操作仅限秘书处。"),
    404: ("not_found", "请求的地址不存在。"),
    409: ("conflict", "当前状态下不能进行此操作。"),
    413: ("payload_too_large", "请求体超过上限。"),
    422: ("invalid_request", "请求内容校验未通过，请按字段提示修改。"),
    503: ("outcome_unknown", "已受理，但尚未确认写入事件日志（稍后将自动补发）。"),
}


# A command that finds its effect already there (a retry, a second click) records nothing and answers 200.
ALREADY_SO: dict[int | str, dict[str, Any]] = {200: {"description": "已是如此：本次请求未作改动（event_id 为 null）"}}


def problem_docs(examples: Mapping[int, tuple[str, str]], *statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem answers a route gives (400, 401 and 403 always)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in (400, 401, 403, *statuses):
        code, detail = {**COMMON_EXAMPLES, **examples}[status]
        example = {"type": f"urn:kczg:problem:{code}", "title": "", "status": status, "code": code, "detail": detail}
        out[status] = {"model": ProblemDetails, "description": detail,
                       "content": {PROBLEM_JSON: {"example": example}}}
    return out
