"""A list's form as a page's inputs, read from the same pydantic models the API validates with
(services/intake/forms): each field's label, hint, kind and whether it is required; what a posted form
says, back into the API's form body; a saved form as the inputs' values; the API's errors by input."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Mapping, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from services.intake.forms import form_model

# set by the page itself (the chosen list and domain) or by the unit, never by the applicant's inputs
NOT_TYPED = frozenset({"list_code", "domain", "recommending_opinion"})
LONG_TEXT = 200  # longer than this: a text area
EMPTY_ROWS = 1   # blank rows offered after the filled ones of a table (key people, patents)


@dataclass(frozen=True)
class Input:
    name: str            # the dotted path the API's errors name (e.g. "key_people.0.name")
    label: str
    hint: str
    kind: str            # text | textarea | lines | select | integer | number | date | url | rows
    required: bool
    options: tuple[tuple[str, str], ...] = ()
    columns: tuple["Input", ...] = ()  # kind "rows": the inputs of one row
    max_rows: int = 0
    max_length: int | None = None
    rows: int = 0        # kind "rows": how many rows to show
    children: list[list["Input"]] = field(default_factory=list)  # kind "rows": the inputs, row by row


def _base(annotation: Any) -> Any:
    """The type under Optional and Annotated."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation


def _max_length(info: FieldInfo, annotation: Any) -> int | None:
    found = [getattr(m, "max_length", None) for m in info.metadata]
    for arg in typing.get_args(annotation):
        for m in getattr(arg, "metadata", ()) or ():
            found.append(getattr(m, "max_length", None))
        found.append(getattr(arg, "max_length", None))
    numbers = [n for n in found if isinstance(n, int)]
    return min(numbers) if numbers else None


def _inner_max(annotation: Any) -> int | None:
    """The length limit of a list's items (a list of bounded texts)."""
    args = typing.get_args(annotation)
    item = args[0] if args else None
    while typing.get_origin(item) is typing.Annotated:
        for m in typing.get_args(item)[1:]:
            if isinstance(getattr(m, "max_length", None), int):
                return m.max_length
        item = typing.get_args(item)[0]
    return None


def _input(name: str, info: FieldInfo) -> Input:
    base = _base(info.annotation)
    label, hint, required = info.title or name, info.description or "", info.is_required()
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if typing.get_origin(base) is Literal:
        labels = extra.get("choice_labels") or {}
        return Input(name, label, hint, "select", required,
                     tuple((code, labels.get(code, code)) for code in typing.get_args(base)))
    if typing.get_origin(base) is list:
        item = _base(typing.get_args(base)[0])
        max_items = next((m.max_length for m in info.metadata if isinstance(getattr(m, "max_length", None), int)), 20)
        if isinstance(item, type) and issubclass(item, BaseModel):
            columns = tuple(_input(sub, sub_info) for sub, sub_info in item.model_fields.items())
            return Input(name, label, hint, "rows", required, columns=columns, max_rows=max_items)
        return Input(name, label, hint + "（每行一条）", "lines", required, max_rows=max_items,
                     max_length=None if _inner_max(base) is None else (_inner_max(base) + 1) * max_items)
    if base is int:
        return Input(name, label, hint, "integer", required)
    if base is Decimal:
        return Input(name, label, hint, "number", required)
    if base is date:
        return Input(name, label, hint + "（格式：年-月-日）", "date", required)
    if isinstance(base, type) and base.__name__ == "HttpUrl":
        return Input(name, label, hint, "url", required)
    longest = _max_length(info, info.annotation)
    return Input(name, label, hint, "textarea" if longest and longest > LONG_TEXT else "text", required,
                 max_length=longest)


def form_inputs(list_code: str) -> list[Input]:
    """The inputs of the list's form, in the model's order (the list, domain and unit's opinion excepted)."""
    model = form_model(list_code)
    return [_input(name, info) for name, info in model.model_fields.items() if name not in NOT_TYPED]


def laid_out(inputs: list[Input], values: Mapping[str, str]) -> list[Input]:
    """The inputs with as many rows of each table as the values fill, and one blank row more."""
    out = []
    for item in inputs:
        if item.kind != "rows":
            out.append(item)
            continue
        filled = {int(k.split(".")[1]) for k in values if k.startswith(item.name + ".") and values[k].strip()
                  and k.split(".")[1].isdigit()}
        rows = min(max(filled, default=-1) + 1 + EMPTY_ROWS, item.max_rows)
        children = [[Input(f"{item.name}.{i}.{c.name}", c.label, c.hint, c.kind, c.required, c.options,
                           max_length=c.max_length) for c in item.columns] for i in range(rows)]
        out.append(Input(item.name, item.label, item.hint, "rows", item.required, columns=item.columns,
                         max_rows=item.max_rows, rows=rows, children=children))
    return out


def _typed(kind: str, text: str) -> Any:
    """A typed text as the API's JSON would carry it: a count as a number (the form's integers are strict)."""
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            return text  # the model says what is wrong with it, in its words
    return text


def form_body(list_code: str, posted: Mapping[str, str]) -> dict[str, Any]:
    """What the page's inputs say, as the API's `form` body: empty inputs left out (a required one is then
    reported missing, as the API reports it), lines split into items, a table's blank rows dropped."""
    body: dict[str, Any] = {}
    for item in form_inputs(list_code):
        if item.kind == "lines":
            lines = [line.strip() for line in posted.get(item.name, "").splitlines() if line.strip()]
            if lines:
                body[item.name] = lines
        elif item.kind == "rows":
            rows = []
            for i in range(item.max_rows):
                row = {c.name: _typed(c.kind, posted.get(f"{item.name}.{i}.{c.name}", "").strip()) for c in item.columns}
                row = {k: v for k, v in row.items() if v != ""}
                if row:
                    rows.append(row)
            if rows:
                body[item.name] = rows
        else:
            text = posted.get(item.name, "").strip()
            if text:
                body[item.name] = _typed(item.kind, text)
    return body


def form_values(list_code: str, form: Mapping[str, Any] | None) -> dict[str, str]:
    """A saved form as the inputs' texts."""
    values: dict[str, str] = {}
    for item in form_inputs(list_code):
        value = (form or {}).get(item.name)
        if value is None:
            continue
        if item.kind == "lines":
            values[item.name] = "\n".join(str(v) for v in value)
        elif item.kind == "rows":
            for i, row in enumerate(value):
                for k, v in row.items():
                    if v is not None:
                        values[f"{item.name}.{i}.{k}"] = str(v)
        else:
            values[item.name] = str(value)
    return values


def errors_by_input(errors: list[dict[str, Any]], names: set[str], prefix: str = "form.") -> dict[str, str]:
    """The API's errors (field "form.key_people.0.name", message) by the input that shows each: the longest
    input name the field starts with; anything else under "" (shown at the top of the form)."""
    out: dict[str, str] = {}
    for err in errors:
        path = str(err.get("field") or "")
        path = path[len(prefix):] if path.startswith(prefix) else path
        parts = path.split(".") if path else []
        target = ""
        for n in range(len(parts), 0, -1):
            if ".".join(parts[:n]) in names:
                target = ".".join(parts[:n])
                break
        if target not in out:
            out[target] = err.get("message") or ""
        elif target == "":
            out[""] += "；" + (err.get("message") or "")
    return out


def input_names(inputs: list[Input]) -> set[str]:
    names = set()
    for item in inputs:
        names.add(item.name)
        for row in item.children:
            names |= {c.name for c in row}
    return names
