"""Field-level difference between two versions of a form, for NominationAmended."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python


def form_diff(old: BaseModel, new: BaseModel) -> dict[str, tuple[Any, Any]]:
    """{dotted path: (old, new)} for every changed leaf; values are JSON-ready (Decimal as text, dates ISO).

    Values are compared as Python values, so 1.50 and 1.5 万元 are equal. Lists compare by position
    ("patents.1.number"); an item present on one side only shows as None on the other.
    """
    changes: dict[str, tuple[Any, Any]] = {}

    def walk(path: str, before: Any, after: Any) -> None:
        if isinstance(before, dict) and isinstance(after, dict):
            for key in [*before, *(k for k in after if k not in before)]:
                walk(f"{path}{key}.", before.get(key), after.get(key))
        elif isinstance(before, list) and isinstance(after, list):
            for index in range(max(len(before), len(after))):
                walk(f"{path}{index}.",
                     before[index] if index < len(before) else None,
                     after[index] if index < len(after) else None)
        elif before != after:
            changes[path.rstrip(".")] = (to_jsonable_python(before), to_jsonable_python(after))

    walk("", old.model_dump(), new.model_dump())
    return changes
