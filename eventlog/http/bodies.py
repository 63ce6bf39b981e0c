"""What every JSON request body of the services shares: no text in it — a value or a key, at any
depth — may hold U+0000. PostgreSQL stores no NUL in text or jsonb, so such a body would fail in the
middle of a command (a 500), or worse, be published first and then stop every view that reads the
event; it is refused with a 422 naming the field before anything is decided."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, model_validator
from pydantic_core import PydanticCustomError


def nul_at(value: Any, path: str = "") -> str | None:
    """The path of the first text holding U+0000 ("" for the value itself), else None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and "\x00" in key:
                return where
            if (found := nul_at(item, where)) is not None:
                return found
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if (found := nul_at(item, f"{path}[{i}]")) is not None:
                return found
    return None


NOT_BLANK = "^[^\\x00]*[^\\x00\\s][^\\x00]*$"


class RequestBody(BaseModel):
    """Base of the services' request bodies."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler) -> dict[str, Any]:
        """A body that strips its text documents a required text as having more than blanks (and no U+0000):
        "  " is empty once stripped, and refused as such."""
        schema = handler(core_schema)
        if cls.model_config.get("str_strip_whitespace"):
            for field in handler.resolve_ref_schema(schema).get("properties", {}).values():
                if field.get("type") == "string" and field.get("minLength", 0) >= 1 and "pattern" not in field:
                    field["pattern"] = NOT_BLANK
        return schema

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if (where := nul_at(data)) is not None:
            raise PydanticCustomError("nul_character", "“{field}”含有空字符（U+0000）", {"field": where or "body"})
        return data
