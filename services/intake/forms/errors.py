"""Pydantic validation errors as stable English codes and Chinese messages that name the field and the limit."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from contracts.codes import LISTS
from services.intake.forms.registry import FORM_MODELS, describe_loc

# pydantic error type -> our stable code; our own custom errors already carry a stable code as their type
_CODES = {
    "missing": "missing",
    "union_tag_not_found": "missing",
    "extra_forbidden": "not_allowed",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "url_too_long": "too_long",
    "string_too_short": "too_short",
    "too_short": "too_short",
    "literal_error": "invalid_choice",
    "enum": "invalid_choice",
    "union_tag_invalid": "invalid_choice",
    "greater_than_equal": "out_of_range",
    "greater_than": "out_of_range",
    "less_than_equal": "out_of_range",
    "less_than": "out_of_range",
    "decimal_max_digits": "out_of_range",
    "decimal_max_places": "out_of_range",
    "decimal_whole_digits": "out_of_range",
    "string_pattern_mismatch": "invalid_format",
    "url_parsing": "invalid_format",
    "url_scheme": "invalid_format",
    "url_syntax_violation": "invalid_format",
    "invalid_format": "invalid_format",
    "invalid_credit_code": "invalid_credit_code",
    "out_of_range": "out_of_range",
}

# what a wrong-typed value should have been, by the first word of pydantic's error type
_EXPECTED = {
    "int": "整数", "decimal": "数字", "float": "数字", "finite": "有限数字", "date": "日期（YYYY-MM-DD）",
    "string": "文本", "list": "列表", "dict": "对象", "model": "对象", "bool": "是或否", "url": "网址",
}

_MODELS_BY_TITLE = {title: model for model in FORM_MODELS.values()
                    for title in (model.__name__, model.model_config.get("title"))}
_CUSTOM = {"invalid_credit_code", "invalid_format", "out_of_range"}


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _limit(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _echo(value: Any) -> str:
    """The offending value, cut short: a message must not carry an oversized payload back."""
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _is_date(value: Any) -> bool:
    return isinstance(value, date) or bool(_ISO_DATE.fullmatch(str(value)))


def _options(info: FieldInfo | None, ctx: dict[str, Any]) -> str:
    extra = info.json_schema_extra if info is not None and isinstance(info.json_schema_extra, dict) else {}
    labels = extra.get("choice_labels")
    if isinstance(labels, dict):
        return "、".join(f"{code}（{label}）" for code, label in labels.items())
    return str(ctx.get("expected", ""))


def _message(etype: str, label: str, err: dict[str, Any], info: FieldInfo | None) -> str:
    ctx = err.get("ctx") or {}
    is_date = _is_date(next(iter(ctx.values()), None))
    if etype in _CUSTOM:
        return f"{label}{err['msg']}"
    match etype:
        case "missing":
            return f"{label}为必填项"
        case "extra_forbidden":
            return f"表单不允许填写未定义的字段“{label}”"
        case "string_too_long" | "url_too_long":
            return f"{label}不能超过{ctx['max_length']}个字符（当前{len(str(err['input']))}个）"
        case "too_long":
            return f"{label}最多填写{ctx['max_length']}项（当前{ctx.get('actual_length', '更多')}项）"
        case "string_too_short":
            return f"{label}不能为空" if ctx["min_length"] == 1 else f"{label}至少{ctx['min_length']}个字符"
        case "too_short":
            return f"{label}至少填写{ctx['min_length']}项"
        case "literal_error" | "enum":
            return f"{label}的取值“{_echo(err['input'])}”无效，可选：{_options(info, ctx)}"
        case "greater_than_equal":
            return f"{label}不能{'早于' if is_date else '小于'}{_limit(ctx['ge'])}"
        case "greater_than":
            return f"{label}必须{'晚于' if is_date else '大于'}{_limit(ctx['gt'])}"
        case "less_than_equal":
            return f"{label}不能{'晚于' if is_date else '大于'}{_limit(ctx['le'])}"
        case "less_than":
            return f"{label}必须{'早于' if is_date else '小于'}{_limit(ctx['lt'])}"
        case "decimal_max_places":
            return f"{label}最多保留{ctx['decimal_places']}位小数"
        case "decimal_max_digits":
            return f"{label}最多{ctx['max_digits']}位数字"
        case "decimal_whole_digits":
            return f"{label}整数部分最多{ctx['whole_digits']}位"
        case "string_pattern_mismatch":
            hint = f"（{info.description}）" if info is not None and info.description else ""
            return f"{label}格式不正确{hint}"
        case "url_parsing" | "url_scheme" | "url_syntax_violation":
            return f"{label}不是有效的http(s)网址"
    expected = _EXPECTED.get(etype.split("_")[0])
    if expected is not None:
        return f"{label}应为{expected}"
    return f"{label}填写有误"


def _resolve(exc: ValidationError, loc: tuple[int | str, ...]) -> tuple[type[BaseModel] | None, tuple]:
    """The form model the error belongs to, and the location inside it."""
    if exc.title in _MODELS_BY_TITLE:
        return _MODELS_BY_TITLE[exc.title], loc
    if loc and loc[0] in FORM_MODELS:  # a tagged union puts the list code first
        return FORM_MODELS[str(loc[0])], loc[1:]
    return None, loc


def form_errors_zh(exc: ValidationError) -> list[dict[str, str]]:
    """Each error as {field: dotted path, code: stable English code, message: Chinese, naming the field}."""
    result = []
    for err in exc.errors(include_url=False):
        etype = err["type"]
        model, loc = _resolve(exc, tuple(err["loc"]))
        if etype in ("union_tag_invalid", "union_tag_not_found"):
            options = "、".join(f"{code}（{name}）" for code, name in LISTS.items())
            message = (f"榜单代码“{_echo(err['ctx']['tag'])}”无效，可选：{options}" if etype == "union_tag_invalid"
                       else f"榜单代码（list_code）为必填项，可选：{options}")
            result.append({"field": "list_code", "code": _CODES[etype], "message": message})
            continue
        label, info = describe_loc(model, loc)
        if not loc:
            label = model.model_config.get("title", "申报表") if model is not None else "申报表"
        code = _CODES.get(etype) or ("wrong_type" if etype.split("_")[0] in _EXPECTED else "invalid")
        result.append({
            "field": ".".join(str(step) for step in loc),
            "code": code,
            "message": _message(etype, label, err, info),
        })
    return result
