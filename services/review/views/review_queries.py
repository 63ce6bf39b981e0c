"""Reading the review views: a target's state, its nominations, an expert's queue, progress, screening.

Each function returns plain dicts and lists; lists that grow with the campaign come in pages
({"page", "page_size", "total", "items"}). Decimals come back as `Decimal`, exactly as scored.
No function shows one expert's scores to another: `expert_queue` reads the caller's own panel row only.
"""

from __future__ import annotations

from decimal import Decimal

import asyncpg
import orjson

from contracts.deadline_text import BEIJING

from .plan_queries import filed_plans, plan_of, receipt_of
from .review_folds import REVIEW_VIEWS
from .review_progress import body_progress, campaign_progress
from .review_tables import TARGETS, seated

S = REVIEW_VIEWS.schema
_SEATED = seated("p")
# Held a quota slot at some time: a release only ever follows a reservation.
_HELD_SLOT = "n.quota_outcome IN ('reserved', 'released')"
SCREENING_STATES = ("pending", "passed", "failed", "returned")
_ALWAYS_COUNTED = SCREENING_STATES[:3]  # "returned" is counted from a campaign's first return on
__all__ = ["body_progress", "campaign_progress", "dossier", "expert_queue", "expert_seat", "filed_plans",
           "screening_queue", "target", "target_nominations"]
_LISTED = ", ".join(f"n.{c}" for c in (
    "unit_id", "title", "submitted_at", "withdrawn_at", "quota_outcome", "screening_state", "screening_reasons",
    "in_review", "prelim_at", "prelim_aggregate", "prelim_raw_sum", "prelim_rank", "prelim_expert_count",
    "prelim_method", "prelim_divergent", "short_at", "short_eligible", "short_max_load", "short_experts_needed",
    "short_max_load_needed", "short_left_by", "re_review_at", "re_review_open", "re_review_spread",
    "re_review_threshold", "re_review_cleared", "re_review_reason"))
_TARGET_COLUMNS = ", ".join(f"{c.name}::text AS {c.name}" if c.sql_type == "jsonb" else c.name for c in TARGETS.columns)
# The same columns read beside another table's, each as t_<name> (expert_seat's target).
_JOINED_TARGET = ", ".join(f"t.{c.name}{'::text' if c.sql_type == 'jsonb' else ''} AS t_{c.name}"
                           for c in TARGETS.columns)


def _page(page: int, page_size: int, total: int, items: list[dict], **extra) -> dict:
    return {"page": page, "page_size": page_size, "total": total, "items": items, **extra}


def _slice(page: int, page_size: int) -> str:
    return f"LIMIT {int(page_size)} OFFSET {int((max(page, 1) - 1) * page_size)}"


def _scores(text: str | None) -> dict[str, Decimal] | None:
    return None if text is None else {code: Decimal(v) for code, v in orjson.loads(text).items()}


async def target(conn: asyncpg.Connection, key: str) -> dict | None:
    """One review target: the plan in force, whether it is confirmed, whether results are in and late."""
    r = await conn.fetchrow(f"SELECT {_TARGET_COLUMNS} FROM {S}.targets WHERE target_key = $1", key)
    return None if r is None else _target(key, r)


def _target(key: str, r) -> dict:
    plan = plan_of(r)
    results = None if r["results_submitted_at"] is None else {
        "submitted_at": r["results_submitted_at"], "submitted_by": r["results_submitted_by"],
        "late": r["results_late"], "ranked_count": r["ranked_count"], "gaps": orjson.loads(r["gaps"])}
    return {"target_key": key, "campaign": r["campaign"], "list_code": r["list_code"], "domain": r["domain"],
            "plan": plan, "plan_confirmed": plan is not None and r["confirmed_plan_event_id"] == (
                r["plan_extends"] or r["plan_event_id"]),
            "confirmed_by": r["confirmed_by"], "confirmed_plan_event_id": r["confirmed_plan_event_id"],
            "plan_receipt": receipt_of(r),
            "results": results, "results_submitted": results is not None,
            "late": bool(results and results["late"])}


async def target_nominations(conn: asyncpg.Connection, key: str, page: int, page_size: int) -> dict:
    """A target's nominations that ever held a quota slot, by preliminary rank, else by submission."""
    where = f"FROM {S}.nominations n WHERE n.target_key = $1 AND {_HELD_SLOT}"
    total = await conn.fetchval(f"SELECT count(*) {where}", key)
    rows = await conn.fetch(f"SELECT n.nomination_id::text AS nomination_id, {_LISTED} {where} "
                            f"ORDER BY n.prelim_rank NULLS LAST, n.submitted_at, n.nomination_id "
                            f"{_slice(page, page_size)}", key)
    panel = await conn.fetch(f"SELECT p.nomination_id::text AS nomination_id, p.expert_id, {_SEATED} AS seated, "
                             f"p.scored_at IS NOT NULL AS scored, p.total FROM {S}.panel p "
                             "WHERE p.nomination_id = ANY($1::uuid[]) "
                             "AND (p.active OR p.conflict_reason_code IS NOT NULL) ORDER BY p.expert_id",
                             [r["nomination_id"] for r in rows])
    items = {r["nomination_id"]: {
        "nomination_id": r["nomination_id"], "unit_id": r["unit_id"], "title": r["title"],
        "submitted_at": r["submitted_at"], "withdrawn_at": r["withdrawn_at"], "quota_outcome": r["quota_outcome"],
        "screening": {"state": r["screening_state"], "reasons": r["screening_reasons"] or []},
        "in_review": r["in_review"], "experts": [], "conflicted_experts": 0, "scores_received": 0,
        "scores_expected": 0, "totals": {},
        "prelim": None if r["prelim_at"] is None else {
            "aggregate": r["prelim_aggregate"], "raw_sum": r["prelim_raw_sum"], "rank": r["prelim_rank"],
            "expert_count": r["prelim_expert_count"], "method": r["prelim_method"],
            "divergent": r["prelim_divergent"]}} for r in rows}
    for p in panel:
        item = items[p["nomination_id"]]
        if not p["seated"]:
            item["conflicted_experts"] += 1
            continue
        item["experts"].append(p["expert_id"])
        item["scores_expected"] += 1
        if p["scored"]:
            item["scores_received"] += 1
            item["totals"][p["expert_id"]] = p["total"]
    per_item = await conn.fetchval(f"SELECT experts_per_item FROM {S}.targets WHERE target_key = $1", key)
    for r in rows:
        items[r["nomination_id"]]["shortfall"] = _shortfall(r, per_item, len(items[r["nomination_id"]]["experts"]))
        items[r["nomination_id"]]["re_review"] = None if r["re_review_at"] is None else {
            "open": r["re_review_open"], "spread": r["re_review_spread"], "threshold": r["re_review_threshold"],
            "cleared": r["re_review_cleared"], "reason": r["re_review_reason"], "at": r["re_review_at"]}
    return _page(page, page_size, total, list(items.values()))


def _shortfall(r, per_item: int | None, seated: int) -> dict | None:
    """The nomination's shortfall on record while it is still short of its plan's experts, with the remedy."""
    if r["short_at"] is None or per_item is None or seated >= per_item or not r["in_review"]:
        return None
    needed, raise_to = per_item - seated, r["short_max_load_needed"]
    remedy = (f"该推荐对象还缺 {needed} 位评审专家，名单中无可接替的无回避专家：请增补专家名单"
              f"（至少 {r['short_experts_needed']} 位无回避关系的专家）"
              + (f"，或将每位专家的评审上限提高到 {raise_to} 项。" if raise_to is not None else "。"))
    return {"seats_needed": needed, "eligible": r["short_eligible"], "max_load": r["short_max_load"],
            "experts_needed": r["short_experts_needed"], "max_load_needed": raise_to, "left_by": r["short_left_by"],
            "recorded_at": r["short_at"], "remedy": remedy}


_SEAT_COLUMNS = ("n.nomination_id::text AS nomination_id, n.campaign, n.target_key, n.list_code, n.domain, n.title, "
                 "n.form::text AS form, n.attachments::text AS attachments, n.in_review, p.body_code, p.assigned_at, "
                 "p.scored_at, p.scores::text AS scores, p.total")


def _seat(r: asyncpg.Record) -> dict:
    return {**{k: r[k] for k in ("nomination_id", "campaign", "target_key", "list_code", "domain", "title",
                                 "in_review", "body_code", "assigned_at")},
            "form": orjson.loads(r["form"]) if r["form"] else {},
            "attachments": orjson.loads(r["attachments"]) if r["attachments"] else [],
            "scored": r["scored_at"] is not None,
            "score": None if r["scored_at"] is None else {
                "scores": _scores(r["scores"]), "total": r["total"], "scored_at": r["scored_at"]}}


async def expert_queue(conn: asyncpg.Connection, expert_id: str, page: int, page_size: int) -> dict:
    """What one expert is to score (assigned, not in conflict), with their own score only; `scored` counts."""
    where = (f"FROM {S}.panel p JOIN {S}.nominations n ON n.nomination_id = p.nomination_id "
             f"WHERE p.expert_id = $1 AND {_SEATED} AND n.revision IS NOT NULL")
    counts = await conn.fetchrow(f"SELECT count(*) AS total, count(p.scored_at) AS scored {where}", expert_id)
    rows = await conn.fetch(f"SELECT {_SEAT_COLUMNS} {where} "
                            f"ORDER BY n.target_key, n.submitted_at, n.nomination_id {_slice(page, page_size)}",
                            expert_id)
    return _page(page, page_size, counts["total"], [_seat(r) for r in rows], scored=counts["scored"])


async def expert_seat(conn: asyncpg.Connection, expert_id: str, nomination_id: str) -> dict | None:
    """One item of the expert's queue (None: not theirs to score), its neighbours in the queue's order
    (`previous`, `next`: nomination ids, or None at either end) and its target as `target` reads it (`target`,
    None while the view has none)."""
    # One round trip; the queue's order is worked out on narrow rows, the dossier read for the one seat only.
    r = await conn.fetchrow(
        f"SELECT {_SEAT_COLUMNS}, q.previous, q.next, {_JOINED_TARGET} FROM ("
        "SELECT p.nomination_id, lag(p.nomination_id::text) OVER w AS previous, "
        f"lead(p.nomination_id::text) OVER w AS next FROM {S}.panel p "
        f"JOIN {S}.nominations n ON n.nomination_id = p.nomination_id "
        f"WHERE p.expert_id = $1 AND {_SEATED} AND n.revision IS NOT NULL "
        "WINDOW w AS (ORDER BY n.target_key, n.submitted_at, n.nomination_id)) q "
        f"JOIN {S}.panel p ON p.nomination_id = q.nomination_id AND p.expert_id = $1 "
        f"JOIN {S}.nominations n ON n.nomination_id = q.nomination_id "
        f"LEFT JOIN {S}.targets t ON t.target_key = n.target_key WHERE q.nomination_id = $2::uuid",
        expert_id, nomination_id)
    if r is None:
        return None
    target = None if r["t_target_key"] is None else _target(
        r["t_target_key"], {c.name: r[f"t_{c.name}"] for c in TARGETS.columns})
    return {**_seat(r), "previous": r["previous"], "next": r["next"], "target": target}


async def dossier(conn: asyncpg.Connection, nomination_id: str) -> dict | None:
    """Who a nomination belongs to and who is seated to score it (assigned now, not in conflict), with its
    attachments: what deciding who may read the dossier needs."""
    r = await conn.fetchrow(f"SELECT n.campaign, n.list_code, n.domain, n.unit_id, n.title, n.form::text AS form, "
                            f"n.attachments::text AS attachments, array(SELECT p.expert_id FROM {S}.panel p "
                            f"WHERE p.nomination_id = n.nomination_id AND {_SEATED}) AS seated "
                            f"FROM {S}.nominations n WHERE n.nomination_id = $1 AND n.revision IS NOT NULL",
                            nomination_id)
    if r is None:
        return None
    return {**{k: r[k] for k in ("campaign", "list_code", "domain", "unit_id", "title")},
            "form": orjson.loads(r["form"]) if r["form"] else {},
            "attachments": orjson.loads(r["attachments"]) if r["attachments"] else [], "seated": list(r["seated"])}


def _queued(r: asyncpg.Record) -> dict:
    item = {k: r[k] for k in r.keys() if k not in ("correction_due_at", "withdrawal_requested_at", "withdrawal_reason")}
    item["screening_reasons"] = r["screening_reasons"] or []
    # the unit asked to withdraw it (the secretariat answers at POST /v1/review/nominations/{id}/withdrawal)
    item["withdrawal_request"] = None if r["withdrawal_requested_at"] is None else {
        "requested_at": r["withdrawal_requested_at"], "reason": r["withdrawal_reason"]}
    if r["screening_state"] == "returned":
        item["correction_due_at"] = r["correction_due_at"].astimezone(BEIJING)  # as the deadline was given
    return item


async def screening_queue(conn: asyncpg.Connection, campaign: str, page: int, page_size: int,
                          status: str | None = None, list_code: str | None = None,
                          domain: str | None = None) -> dict:
    """Nominations holding a quota slot and not withdrawn, with their screening state; `status` filters
    (pending/passed/failed/returned, None for all), `list_code` and `domain` narrow to a list and domain, and
    `by_state` counts each state within them. A nomination returned for correction shows its deadline while
    it awaits the unit's resubmission; one its unit asked to withdraw, the request (`withdrawal_request`)."""
    if status is not None and status not in SCREENING_STATES:
        raise ValueError(f"unknown screening status {status!r}")
    where = (f"FROM {S}.nominations n WHERE n.campaign = $1 AND n.quota_outcome = 'reserved' "
             "AND n.withdrawn_at IS NULL AND n.revision IS NOT NULL")
    args: list = [campaign]
    for column, value in (("list_code", list_code), ("domain", domain)):
        if value is not None:
            args.append(value)
            where += f" AND n.{column} = ${len(args)}"
    by_state = {state: 0 for state in _ALWAYS_COUNTED} | {r["screening_state"]: r["n"] for r in await conn.fetch(
        f"SELECT n.screening_state, count(*) AS n {where} GROUP BY 1", *args)}
    if status is not None:
        args.append(status)
    rows = await conn.fetch(f"SELECT n.nomination_id::text AS nomination_id, n.unit_id, n.target_key, n.list_code, "
                            "n.domain, n.title, n.revision, n.submitted_at, n.screening_state, n.screening_reasons, "
                            f"n.screened_at, n.correction_due_at, n.withdrawal_requested_at, n.withdrawal_reason {where}"
                            f"{f' AND n.screening_state = ${len(args)}' if status else ''} "
                            f"ORDER BY n.submitted_at, n.nomination_id {_slice(page, page_size)}", *args)
    items = [_queued(r) for r in rows]
    total = sum(by_state.values()) if status is None else by_state.get(status, 0)
    return _page(page, page_size, total, items, by_state=by_state)
