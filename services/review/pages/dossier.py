"""The dossier as the review knows it: the nomination's form fields, each value made readable text.

The field labels are the intake's (its form models); the review holds the submitted form only, so the
rows are named by field code until the forms' labels are shared through contracts/."""

from __future__ import annotations

from typing import Any


def dossier_rows(form: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(field code, lines of its value), in the form's order; nested entries one line each."""
    return [(key, _lines(value)) for key, value in form.items() if key != "list_code"]


def _lines(value: Any) -> list[str]:
    if value is None or value == "" or value == []:
        return ["—"]
    if isinstance(value, list):
        return [line for item in value for line in _lines(item)]
    if isinstance(value, dict):
        return ["；".join(f"{k}：{_text(v)}" for k, v in value.items())]
    return [_text(value)]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, dict)):
        return "；".join(_lines(value))
    return str(value)
