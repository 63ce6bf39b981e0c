"""Reading the plans filed and the secretariat's receipts (回执) of them from the review views' targets table:
a receipt is of the plan in force when it names that plan or the plan it extends; else the plan awaits one."""

from __future__ import annotations

import asyncpg
import orjson

from .review_folds import REVIEW_VIEWS
from .review_tables import TARGETS

S = REVIEW_VIEWS.schema
_COLUMNS = ", ".join(f"{c.name}::text AS {c.name}" if c.sql_type == "jsonb" else c.name for c in TARGETS.columns)
RECEIPT_LABELS = {"pending": "待回执", "acknowledged": "已确认", "returned": "已退回"}


def plan_of(r) -> dict | None:
    """The plan in force as a targets row has it (None: none filed)."""
    return None if r["plan_event_id"] is None else {
        "event_id": r["plan_event_id"], "filed_by": r["filed_by"], "filed_at": r["plan_filed_at"],
        "experts_per_item": r["experts_per_item"], "criteria": orjson.loads(r["criteria"]),
        "score_min": r["score_min"], "score_max": r["score_max"], "aggregation": r["aggregation"],
        "trim_min_scores": r["trim_min_scores"], "divergence_threshold": r["divergence_threshold"],
        "tie_break": orjson.loads(r["tie_break"]), "max_load": r["max_load"], "roster_size": r["roster_size"],
        "document": orjson.loads(r["plan_document"]) if r["plan_document"] else None}


def receipt_of(r) -> dict | None:
    """The secretariat's receipt of the plan in force: pending until one names it (None: no plan filed)."""
    if r["plan_event_id"] is None:
        return None
    received = r["receipt_plan_event_id"] is not None and r["receipt_plan_event_id"] in (
        r["plan_event_id"], r["plan_extends"])
    if not received:
        return {"state": "pending", "label": RECEIPT_LABELS["pending"], "at": None, "reasons": [], "note": ""}
    state = "returned" if r["receipt_returned"] else "acknowledged"
    return {"state": state, "label": RECEIPT_LABELS[state], "at": r["receipt_at"], "event_id": r["receipt_event"],
            "reasons": list(r["receipt_reasons"] or []), "note": r["receipt_note"] or ""}


async def filed_plans(conn: asyncpg.Connection, campaign: str) -> list[dict]:
    """Each target of the campaign with a plan filed: the plan's terms, its joint confirmation and its receipt."""
    rows = await conn.fetch(f"SELECT target_key, {_COLUMNS} FROM {S}.targets WHERE campaign = $1 "
                            "AND plan_event_id IS NOT NULL ORDER BY list_code, domain NULLS FIRST", campaign)
    return [{"target_key": r["target_key"], "list_code": r["list_code"], "domain": r["domain"], "plan": plan_of(r),
             "confirmed_by": r["confirmed_by"], "receipt": receipt_of(r)} for r in rows]
