"""Upcasters: small functions that lift an old event version to the current one before decoding.

Register one per (type, from_version) when a version bump changes a field's meaning or shape;
adding an optional field needs no upcaster.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
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


# --- the registered steps: pure dict -> dict, each from one version to the next ----------------------

_CENT = Decimal("0.01")


def _points(value: Any) -> Any:
    """A v1 float score as the exact two-place decimal string v2 carries (half-even, as a person rounds)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value  # not a number: left for validation to refuse
    return str(Decimal(repr(value)).quantize(_CENT, rounding=ROUND_HALF_EVEN))


def _percent(weights: list[float]) -> list[int]:
    """Fractions of 1 as whole percents summing to the rounded total: largest remainder, ties to the first."""
    exact = [Decimal(repr(w)) * 100 for w in weights]
    out = [int(e) for e in exact]
    short = int(sum(exact).to_integral_value(rounding=ROUND_HALF_EVEN)) - sum(out)
    for i in sorted(range(len(exact)), key=lambda i: (-(exact[i] - out[i]), i))[:max(short, 0)]:
        out[i] += 1
    return out


@upcaster("ReviewPlanFiled", 1)
def review_plan_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    criteria = list(data.get("criteria") or ())
    weights = _percent([c.get("weight", 0) for c in criteria])
    tie_break = data.get("tie_break", "raw_sum")
    return {**data, "criteria": [{**c, "weight": w} for c, w in zip(criteria, weights)],
            "tie_break": [tie_break] if isinstance(tie_break, str) else tie_break}


@upcaster("ConflictDeclared", 1)
def conflict_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    v2 = {k: v for k, v in data.items() if k != "automatic"}
    return {**v2, "reason_code": "automatic" if data.get("automatic") else "other"}


@upcaster("ExpertScoreRecorded", 1)
def expert_score_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    scores = data.get("scores")
    if isinstance(scores, dict):
        data = {**data, "scores": {k: _points(v) for k, v in scores.items()}}
    return {**data, "total": _points(data.get("total"))}


@upcaster("PrelimScored", 1)
def prelim_scored_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "aggregate": _points(data.get("aggregate")), "raw_sum": _points(data.get("raw_sum"))}


@upcaster("PublicNoticeOpened", 1)
def notice_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "notice_id": data.get("event_id")}  # a v1 notice is identified by its event


@upcaster("ObjectionFiled", 1)
def objection_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    v2 = {k: v for k, v in data.items() if k != "filed_by"}
    return {**v2, "name": data.get("filed_by")}


@upcaster("ObjectionFiled", 2)
def objection_v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    # The clear text of a v2 objection cannot be sealed after the fact (the log is immutable): it is carried as
    # `clear` under the objector's id, so an erasure still stops every reader from showing it.
    pid = f"objector:{data.get('objection_id')}"
    contact = data.get("contact")
    return {**data, "name": {"pid": pid, "clear": data.get("name")},
            "contact": {"pid": pid, "clear": contact} if contact else None}


@upcaster("ReviewPlanFiled", 2)
def review_plan_v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    # As for objections: a v2 roster's clear name and address under the expert's id (contracts/personal.py).
    def sealed(expert: Any) -> Any:
        if not isinstance(expert, dict):
            return expert  # left for validation to refuse
        pid = f"expert:{data.get('campaign')}:{expert.get('expert_id')}"
        address = expert.get("contact_email")
        return {**expert, "name": {"pid": pid, "clear": expert.get("name")},
                "contact_email": {"pid": pid, "clear": address} if address else None}
    roster = data.get("roster")
    return {**data, "roster": [sealed(e) for e in roster]} if isinstance(roster, list) else data
