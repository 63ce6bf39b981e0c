"""Every answer a route can give, in the app's OpenAPI document, derived once for every route of every
service (http_problems.install) so no route lists them by hand:

- a caller's credentials (an OpenAPI security requirement): 401 and 403;
- a parameter or a body: 404 (it names something that may not exist: a campaign, a nomination) and 422;
- a body: 400 (not JSON) and 413 (over the service's limit);
- a write (POST, PUT, PATCH, DELETE): 400 (a malformed Idempotency-Key), 409 and 503;
- any parameter or dependency: 503 (the database, the event log or a view away for a moment);
- a dependency marked with `answers(...)`: the statuses it names (e.g. a token read when one is sent).

A route's own `responses=` (examples in its service's words, eventlog/http_docs.problem_docs) stand;
the derived ones are added beside them. Every refusal is documented as problem+json, and no text the
services refuse to store (U+0000) is documented as valid."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from eventlog.http.docs import COMMON_EXAMPLES
from eventlog.http.problem_details import PROBLEM_JSON, TITLES, ProblemDetails, problem_body

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "problem_statuses"
WRITES = frozenset({"post", "put", "patch", "delete"})
# What a status means when the route gives no example of its own (COMMON_EXAMPLES has the rest).
_GENERIC = {405: ("method_not_allowed", "该地址不支持此请求方法。"),
            415: ("unsupported_media_type", "不支持的请求内容类型。"),
            429: ("too_many_requests", "请求过于频繁，请稍后再试。"),
            503: ("database_unavailable", "数据库暂不可用，请稍后重试。")}
_VALIDATION = ("invalid_request", "请求内容校验未通过，请按字段提示修改。")
_PROBLEM_REF = {"$ref": "#/components/schemas/ProblemDetails"}
NO_NUL = "^[^\\x00]*$"  # PostgreSQL stores no U+0000 in text: refused everywhere (eventlog/http/bodies.py)


def answers(*statuses: int) -> Callable[[F], F]:
    """Mark a route dependency with the problem statuses it can answer (documented on every route using it)."""
    def mark(dependency: F) -> F:
        setattr(dependency, _MARK, statuses)
        return dependency

    return mark


def document_answers(app: FastAPI) -> None:
    """Wrap `app.openapi` so the document it builds (once) carries every route's answers."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            routes = {(route.path_format, method.lower()): route for route in iter_route_contexts(app.routes)
                      if isinstance(route.original_route, APIRoute) for method in route.methods}
            answered(document, routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def answered(document: dict[str, Any], routes: dict[tuple[str, str], RouteContext]) -> None:
    """`document` with every operation's problem answers (derived and declared) as problem+json."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            route = routes.get((path, method))
            responses = operation.setdefault("responses", {})
            for status in sorted(derived_statuses(method, operation, route)):
                responses.setdefault(str(status), {})
            for status, answer in responses.items():
                if status.isdigit() and int(status) >= 400:
                    _as_problem(int(status), answer)
            for parameter in operation.get("parameters", []):
                _without_nul(parameter.get("schema", {}))
    for schema in schemas.values():
        _without_nul(schema)
    schemas.setdefault("JsonValue", JSON_VALUE)
    schemas.setdefault("ProblemDetails", ProblemDetails.model_json_schema())
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def derived_statuses(method: str, operation: dict[str, Any], route: RouteContext | None) -> set[int]:
    statuses: set[int] = set()
    marked = [getattr(call, _MARK, ()) for call in _calls(route.dependant)] if route is not None else []
    for given in marked:
        statuses.update(given)
    if operation.get("security"):
        statuses |= {401, 403}
    has_parameters, has_body = bool(operation.get("parameters")), "requestBody" in operation
    if has_parameters or has_body:
        statuses |= {404, 422}
    if has_body:
        statuses |= {400, 413}
    if method in WRITES:
        statuses |= {400, 409, 503}
    if has_parameters or has_body or any(route.dependant.dependencies if route else ()):
        statuses.add(503)
    return statuses


def _calls(dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def _as_problem(status: int, answer: dict[str, Any]) -> None:
    """The answer as problem+json: FastAPI's own 422 (HTTPValidationError, never sent here) replaced by ours,
    an example kept or given."""
    content = answer.get("content") or {}
    if content.get("application/json", {}).get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
        answer["description"] = "请求内容校验未通过（各字段的问题见 errors）"
        content = {PROBLEM_JSON: {"example": problem_body(422, *_VALIDATION)}}
    content.pop("application/json", None)
    entry = content.setdefault(PROBLEM_JSON, {})
    entry["schema"] = _PROBLEM_REF
    if "example" not in entry and "examples" not in entry:
        entry["example"] = problem_body(status, *{**_GENERIC, **COMMON_EXAMPLES}.get(status, ("error", TITLES.get(status, "错误"))))
    answer["content"] = content
    answer.setdefault("description", TITLES.get(status, "错误"))


# Any JSON at all (a form's free fields, a relation's details), as the services take it: no U+0000 at any depth.
JSON_VALUE = {"anyOf": [{"type": "string", "pattern": NO_NUL}, {"type": ["number", "boolean", "null"]},
                        {"type": "array", "items": {"$ref": "#/components/schemas/JsonValue"}},
                        {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/JsonValue"},
                         "propertyNames": {"pattern": NO_NUL}}],
              "description": "任意 JSON 值（任何层级的文本都不得含空字符 U+0000）"}
_ANY_JSON = {"$ref": "#/components/schemas/JsonValue"}
# The text pydantic reads as a Decimal: an exponent of up to 9 digits (Python's decimals stop at 18).
DECIMAL = "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,9})?$"
_SHAPES = {"type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const", "not"}


def _without_nul(schema: Any) -> None:
    """Every free text of `schema` (at any depth) documented as holding no U+0000, as the services answer;
    a decimal's text documented as a number's."""
    if isinstance(schema, list):
        for item in schema:
            _without_nul(item)
        return
    if not isinstance(schema, dict):
        return
    if not _SHAPES & schema.keys():  # any JSON (a field typed Any)
        schema.update(_ANY_JSON)
        return
    if schema.get("type") == "string" and not {"pattern", "format", "enum", "const"} & schema.keys():
        schema["pattern"] = NO_NUL
    if schema.get("type") == "object" and schema.get("additionalProperties") not in (None, False):
        schema.setdefault("propertyNames", {"pattern": NO_NUL})
        if schema["additionalProperties"] is True:
            schema["additionalProperties"] = dict(_ANY_JSON)
    arms = schema.get("anyOf") or []
    texts = [arm for arm in arms if arm.get("type") == "string" and not arm.keys() & {"pattern", "format", "enum"}]
    if any(arm.get("type") == "number" for arm in arms) and len(texts) == 1:
        texts[0]["pattern"] = DECIMAL  # pydantic's Decimal (or Decimal | None): a number, or its text
    for key, value in schema.items():
        if key in ("properties", "$defs", "definitions"):
            for item in value.values():
                _without_nul(item)
        elif key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "prefixItems"):
            _without_nul(value)
