"""Upcasters: small functions that lift an old event version to the current one before decoding.

Register one per (type, from_version) when a version bump changes a field's meaning or shape;
adding an optional field needs no upcaster.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    def register(fn: Upcaster) -> Upcaster:
        UPCASTERS[(event_type, from_version)] = fn
        return fn
    return register


def upcast(data: dict[str, Any]) -> dict[str, Any]:
    version = data.get("schema_version", 1)
    while (step := UPCASTERS.get((data.get("type"), version))) is not None:
        data = {**step(data), "schema_version": version + 1}
        version += 1
    return data


def needs_upcast(data: dict[str, Any]) -> bool:
    return (data.get("type"), data.get("schema_version", 1)) in UPCASTERS
