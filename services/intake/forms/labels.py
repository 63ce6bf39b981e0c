"""Writes contracts/form_labels.json: every form's field labels, for services that show forms they do not own."""

from __future__ import annotations

import json

from contracts.form_labels import FILE
from services.intake.forms.registry import FORM_MODELS, form_field_labels


def labels() -> dict[str, dict[str, str]]:
    return {code: form_field_labels(code) for code in sorted(FORM_MODELS)}


def text() -> str:
    return json.dumps(labels(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    FILE.write_text(text(), encoding="utf-8")
