"""The dossier as the review knows it: the nomination's form fields, each under the form's own Chinese label and
each choice under its label (the intake's form models, shared through contracts/form_labels.json), every value
made readable text."""

from __future__ import annotations

from typing import Any

from contracts.form_labels import choice_label, field_label


def dossier_rows(form: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(field label, lines of its value), in the form's order; nested entries one line each."""
    list_code = form.get("list_code")
    return [(field_label(list_code, key), _lines(value, list_code, key)) for key, value in form.items()
            if key != "list_code"]


def _lines(value: Any, list_code: str | None, path: str) -> list[str]:
    if value is None or value == "" or value == []:
        return ["—"]
    if isinstance(value, list):
        return [line for item in value for line in _lines(item, list_code, path)]
    if isinstance(value, dict):
        return ["；".join(f"{field_label(list_code, f'{path}.{k}')}：{_text(choice_label(list_code, f'{path}.{k}', v))}"
                         for k, v in value.items())]
    return [_text(choice_label(list_code, path, value))]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, dict)):
        return "；".join(_lines(value, None, ""))
    return str(value)
