"""Writes contracts/form_labels.json: every form's field labels and its choices' labels, for services that show
forms they do not own (the review's dossier)."""

from __future__ import annotations

import json

from pydantic import BaseModel

from contracts.form_labels import FILE
from services.intake.forms.registry import FORM_MODELS, form_field_labels, form_model, nested_model


def _choices(model: type[BaseModel], path: str = "") -> dict[str, dict[str, str]]:
    """dotted field path -> {code: label} for every choice field (choice_field's labels)."""
    out: dict[str, dict[str, str]] = {}
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if extra.get("choice_labels"):
            out[f"{path}{name}"] = dict(extra["choice_labels"])
        if (inner := nested_model(info)) is not None:
            out |= _choices(inner, f"{path}{name}.")
    return out


def labels() -> dict[str, dict]:
    return {code: {"fields": form_field_labels(code), "choices": _choices(form_model(code))} for code in sorted(FORM_MODELS)}


def text() -> str:
    return json.dumps(labels(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    FILE.write_text(text(), encoding="utf-8")
