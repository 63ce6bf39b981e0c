"""The nomination forms' Chinese labels — each field's, and each choice's — for services that show a submitted
form but do not own its model (the review's dossier). Written from the intake's form models by
`python -m services.intake.forms.labels` into form_labels.json beside this file; tests/unit/test_form_labels.py
keeps the two equal."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

FILE = Path(__file__).resolve().parent / "form_labels.json"


@cache
def form_labels() -> dict[str, dict[str, Any]]:
    """list code -> {"fields": dotted path -> label (nested ones joined with "·"), "choices": path -> code -> label}."""
    return json.loads(FILE.read_text(encoding="utf-8"))


def field_label(list_code: str | None, path: str) -> str:
    """The field's own label (the last part of a nested one), else its code."""
    label = form_labels().get(list_code or "", {}).get("fields", {}).get(path)
    return label.rsplit("·", 1)[-1] if label else path


def choice_label(list_code: str | None, path: str, value: Any) -> Any:
    """A choice field's value as its label; any other value as it is."""
    choices = form_labels().get(list_code or "", {}).get("choices", {}).get(path)
    return choices.get(value, value) if choices and isinstance(value, str) else value
