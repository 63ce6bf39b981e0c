"""The words of every refusal (RFC 9457 problem+json): its media type, its shape and its titles. Shared by
the answers (http/problems.py) and their OpenAPI entries (http/docs.py, http/answers.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from contracts.errors import DomainError

PROBLEM_JSON = "application/problem+json"

TITLES = {
    400: "请求格式错误", 401: "未认证", 403: "无权操作", 404: "未找到", 405: "方法不允许", 409: "冲突",
    413: "请求体过大", 415: "不支持的媒体类型", 422: "内容校验未通过", 429: "请求过于频繁", 500: "服务器内部错误",
    503: "服务暂不可用",
}


class ProblemDetails(BaseModel):
    """RFC 9457 problem: `code` is stable and machine-readable, `detail` is for people (Chinese)."""
    type: str
    title: str
    status: int
    code: str
    detail: str
    errors: list[dict[str, Any]] | None = None


def problem_body(status: int, code: str, detail: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": f"urn:kczg:problem:{code}", "title": TITLES.get(status, "错误"),
                            "status": status, "code": code, "detail": detail}
    if errors:
        body["errors"] = errors
    return body


def domain_problem_body(exc: DomainError) -> dict[str, Any]:
    errors = getattr(exc, "errors", None) or (
        [{"field": exc.field, "code": exc.code, "message": exc.message}] if exc.field else None)
    return problem_body(exc.http_status, exc.code, exc.message, errors)
