"""HTTP errors as RFC 9457 problem+json for every service: a stable English code, a Chinese message,
and per-field details. Shared here so services never import each other."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contracts.errors import DomainError
from eventlog.failures import DEPENDENCY_FAILURES

from eventlog.http.answers import document_answers
from eventlog.write.idempotency import Reply
from eventlog.http.problem_details import PROBLEM_JSON, domain_problem_body, problem_body

log = logging.getLogger("eventlog.http")

FIELD_MESSAGES = {
    "missing": "缺少必填字段", "extra_forbidden": "不允许的字段", "string_too_long": "内容过长",
    "string_too_short": "内容过短或为空", "string_type": "应为文本", "int_type": "应为整数", "int_parsing": "应为整数",
    "dict_type": "应为对象", "uuid_parsing": "应为 UUID", "string_pattern_mismatch": "格式不正确",
    "literal_error": "取值不在允许范围内", "model_attributes_type": "应为 JSON 对象", "list_type": "应为列表",
    "too_long": "项数过多", "greater_than_equal": "数值过小", "less_than_equal": "数值过大",
    "nul_character": "含有空字符", "decimal_parsing": "应为数字", "decimal_type": "应为数字",
    "decimal_max_places": "最多两位小数", "decimal_max_digits": "位数过多", "finite_number": "应为有限数值",
}


def field_message(err: dict[str, Any]) -> str:
    """A pydantic error in the words every service answers with (pages show them beside the field)."""
    # The message may quote the input; a U+0000 in it is never echoed (the answers are documented without it).
    return f"{FIELD_MESSAGES.get(err.get('type', 'invalid'), '取值无效')}（{err.get('msg', '')}）".replace("\x00", "")


def problem(status: int, code: str, detail: str, errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    return reply_response(Reply(status, problem_body(status, code, detail, errors)), headers)


RETRY_AFTER = {"Retry-After": "5"}  # a 503 is a dependency away for a moment: say when to try again


def reply_response(reply: Reply, headers: dict[str, str] | None = None) -> Response:
    """A command's answer as HTTP: JSON, or problem+json for a refusal; a replay says so in a header."""
    if reply.replayed:
        headers = {**(headers or {}), "Idempotent-Replayed": "true"}
    if reply.status == 503:
        headers = {**RETRY_AFTER, **(headers or {})}
    return Response(orjson.dumps(reply.body), status_code=reply.status, headers=headers,
                    media_type=PROBLEM_JSON if reply.status >= 400 else "application/json")


def error_response(exc: DomainError) -> Response:
    """A refusal as problem+json: the one rendering, for the exception handler and any fast path."""
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    return reply_response(Reply(exc.http_status, domain_problem_body(exc)), headers)




def dependency_response(exc: BaseException) -> Response:
    """The answer to a dependency failure (one of DEPENDENCY_FAILURES), for the handlers and any fast path."""
    if isinstance(exc, TimeoutError):
        return problem(503, "dependency_timeout", "依赖的服务响应超时，请稍后重试。")
    return problem(503, "database_unavailable", "数据库暂不可用，请稍后重试。")


async def _dependency_away(request: Request, exc: Exception) -> Response:
    return dependency_response(exc)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        out.append({"field": ".".join(loc).replace("\x00", "") or "body", "code": err.get("type", "invalid"), "message": field_message(err)})
    return out


def internal_error() -> Response:
    return problem(500, "internal_error", "服务器内部错误，本次请求未能完成，请稍后重试。")


class ErrorsStayAnswers:
    """The outermost layer of an app's stack: an unexpected exception ends as a 500 problem+json and goes no
    further. Starlette's ServerErrorMiddleware answers it and then raises it again for the server to log;
    uvicorn then closes the kept-alive connection without `Connection: close`, and the client's next
    request on it fails with "connection reset". Logged here instead; the connection stays usable. Only a
    response cut off half-way is left to the server: closing the connection is the one way to end it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = complete = False

        async def sending(message: Message) -> None:
            nonlocal started, complete
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                complete = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            if started and not complete:
                raise
            log.exception("unhandled error answering %s %s", scope["method"], scope["path"])
            if not started:
                await internal_error()(scope, receive, send)


def install(app: FastAPI) -> None:
    document_answers(app)
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: ErrorsStayAnswers(build())  # type: ignore[method-assign]

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        return internal_error()  # ServerErrorMiddleware's answer: problem+json like every other error

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return problem(400, "malformed_json", "请求体不是合法的 JSON。")
        return problem(422, "invalid_request", "请求内容校验未通过，请按字段提示修改。", _field_errors(exc))

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return error_response(exc)

    for kind in DEPENDENCY_FAILURES:
        app.add_exception_handler(kind, _dependency_away)

    @app.exception_handler(asyncpg.CharacterNotInRepertoireError)
    @app.exception_handler(asyncpg.UntranslatableCharacterError)
    async def _unstorable(request: Request, exc: asyncpg.DataError) -> Response:
        # Text PostgreSQL cannot hold (U+0000) that came in by a path or query parameter (bodies are
        # refused before: eventlog/http/bodies.py); the transaction it broke changed nothing.
        return problem(422, "invalid_character", "请求中含有无法保存的字符（如空字符 U+0000），请删除后重试。")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # FastAPI raises a bare 400 only when it cannot parse a body (e.g. JSON nested too deep to decode)
        codes = {400: ("malformed_json", "请求体无法解析：不是合法的 JSON，或嵌套过深。"),
                 404: ("not_found", "请求的地址不存在。"), 405: ("method_not_allowed", "该地址不支持此请求方法。"),
                 415: ("unsupported_media_type", "不支持的请求内容类型。")}
        code, detail = codes.get(exc.status_code, ("http_error", f"请求无法处理（{exc.detail}）。"))
        headers = {"Allow": allowed_methods(request)} if exc.status_code == 405 else None
        return problem(exc.status_code, code, detail, headers=headers)


def allowed_methods(request: Request) -> str:
    """The `Allow` of a 405: every method of every route at the request's path (Starlette names only the
    first route's, and a path often has two: GET and POST /v1/nominations)."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):  # through included routers
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


def answer_pages_in_html(app: FastAPI) -> None:
    """Every refusal the app's handlers answer, on a workbench page, as a page in the same words: a person
    reading it gets the layout, never problem+json or a trace (the APIs' answers are untouched)."""
    from eventlog.http.page_session import PAGES
    from eventlog.pages.render import problem_page

    def as_page(handler):
        async def answer(request: Request, exc: Exception) -> Response:
            response = await handler(request, exc)
            if not request.url.path.startswith(PAGES + "/") or response.media_type != PROBLEM_JSON:
                return response
            kept = {k: v for k, v in response.headers.items() if k.lower() in ("retry-after", "allow")}
            return problem_page(response.status_code, orjson.loads(response.body)["detail"], kept)
        return answer

    for kind, handler in list(app.exception_handlers.items()):
        app.exception_handlers[kind] = as_page(handler)
