"""The nomination forms' Chinese field labels, for services that show a submitted form but do not own its model
(the review's dossier). Written from the intake's form models by `python -m services.intake.forms.labels`
into form_labels.json beside this file; tests/unit/test_form_labels.py keeps the two equal."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

FILE = Path(__file__).resolve().parent / "form_labels.json"


@cache
def form_labels() -> dict[str, dict[str, str]]:
    """list code -> dotted field path -> label (nested fields' labels joined with "·")."""
    return json.loads(FILE.read_text(encoding="utf-8"))


def field_label(list_code: str | None, path: str) -> str:
    """The field's own label (the last part of a nested one), else its code."""
    label = form_labels().get(list_code or "", {}).get(path)
    return label.rsplit("·", 1)[-1] if label else path
