"""Reads, from the intake's own projections only: nominations with live status and later states, quota use,
applications."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from contracts.campaign import Campaign
from contracts.quota_use import unit_quota_use

from .domain.corrections import screening_notice
from .domain.progress import later_states
from .store import screening_from_row


def live_status(row: asyncpg.Record) -> str:
    """withdrawn beats the quota decision; before a decision a nomination is just submitted."""
    if row["withdrawn"]:
        return "withdrawn"
    return row["decision"] or "submitted"


def nomination_out(row: asyncpg.Record, detail: bool = True) -> dict[str, Any]:
    screening = screening_notice(screening_from_row(row), row["resubmitted_round"] or 0)
    message = row["message"]
    if message is None and row["reason"] == "screened_out" and screening is not None:
        message = screening["message"]  # released by the screening: say why, as the screening does
    out = {
        "nomination_id": str(row["nomination_id"]), "campaign": row["campaign"], "unit_id": row["unit_id"],
        "list_code": row["list_code"], "domain": row["domain"], "title": row["title"], "status": live_status(row),
        "revision": row["revision"], "reason": row["reason"], "message": message, "slot": row["slot"],
        "quota_limit": row["quota_limit"], "used": row["used"],
        "application_id": str(row["application_id"]) if row["application_id"] else None,
        "submitted_at": row["submitted_at"].isoformat() if row["submitted_at"] else None,
        "screening": screening,
        "withdrawal": withdrawal_notice(row),
    }
    if detail:
        out.update(form=row["form"], opinion=row["opinion"], attachments=row["attachments"] or [],
                   withdraw_reason=row["withdraw_reason"] or None)
    return out


def withdrawal_notice(row: asyncpg.Record) -> dict[str, Any] | None:
    """A withdrawal asked for during the review, as the unit reads it (None: none asked for)."""
    state = "granted" if row["withdrawal"] and row["withdrawn"] else row["withdrawal"]
    if state is None:
        return None
    message = {"requested": "已申请撤回，待秘书处决定。",
               "granted": f"秘书处已同意撤回：{row['withdraw_reason']}" if row["withdraw_reason"] else "秘书处已同意撤回。",
               "refused": f"秘书处不同意撤回：{row['withdrawal_answer']}"}[state]
    return {"state": state, "reason": row["withdrawal_reason"], "answer": row["withdrawal_answer"] or None,
            "message": message}


def application_out(row: asyncpg.Record, detail: bool = True) -> dict[str, Any]:
    out = {
        "application_id": str(row["application_id"]), "campaign": row["campaign"],
        "applicant_id": row["applicant_id"], "unit_id": row["unit_id"], "list_code": row["list_code"],
        "domain": row["domain"], "title": row["title"], "revision": row["revision"], "status": row["status"],
        "comments": row["comments"] or None,
        "nomination_id": str(row["nomination_id"]) if row["nomination_id"] else None,
        "updated_at": row["updated_at"].isoformat() if row["updated_at"] else None,
    }
    if detail:
        out.update(form=row["form"], attachments=row["attachments"])
    return out


async def nomination(conn: asyncpg.Connection, nomination_id: UUID) -> asyncpg.Record | None:
    # A decision seen before its submission is not yet a nomination anyone can read.
    return await conn.fetchrow("SELECT * FROM intake.nomination_status WHERE nomination_id = $1 "
                               "AND submitted_at IS NOT NULL", nomination_id)


async def nominations_of(conn: asyncpg.Connection, unit_id: str, *, campaign: str | None, list_code: str | None,
                         status: str | None, offset: int, limit: int) -> tuple[list[asyncpg.Record], int]:
    where = ("unit_id = $1 AND submitted_at IS NOT NULL AND ($2::text IS NULL OR campaign = $2) "
             "AND ($3::text IS NULL OR list_code = $3) AND ($4::text IS NULL OR "
             "CASE WHEN withdrawn THEN 'withdrawn' ELSE coalesce(decision, 'submitted') END = $4)")
    args = (unit_id, campaign, list_code, status)
    total = await conn.fetchval(f"SELECT count(*) FROM intake.nomination_status WHERE {where}", *args)
    rows = await conn.fetch(f"SELECT * FROM intake.nomination_status WHERE {where} "
                            "ORDER BY submitted_at, nomination_id OFFSET $5 LIMIT $6", *args, offset, limit)
    return rows, total


async def quota_use(conn: asyncpg.Connection, campaign: Campaign, unit_id: str) -> dict[str, Any]:
    """Per list (and domain): the unit's stacked limit from its channels, the slots its nominations hold,
    and how many still await the quota's decision."""
    channels = await conn.fetchval("SELECT channels FROM intake.units WHERE campaign = $1 AND unit_id = $2",
                                   campaign.code, unit_id) or []
    rows = await conn.fetch(
        "SELECT list_code, coalesce(domain, '') AS domain, count(*) FILTER (WHERE decision = 'reserved') AS used, "
        "count(*) FILTER (WHERE decision IS NULL AND NOT withdrawn) AS pending "
        "FROM intake.nomination_status WHERE campaign = $1 AND unit_id = $2 AND submitted_at IS NOT NULL "
        "GROUP BY 1, 2", campaign.code, unit_id)
    used = {(r["list_code"], r["domain"]): r["used"] for r in rows}
    pending = {(r["list_code"], r["domain"]): r["pending"] for r in rows}
    return unit_quota_use(campaign, unit_id, channels, used, lambda pool: {"pending": pending.get(pool, 0)})


async def application(conn: asyncpg.Connection, application_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM intake.applications WHERE application_id = $1", application_id)


async def applications_where(conn: asyncpg.Connection, who: str, org: str, *, status: str | None,
                             offset: int, limit: int) -> tuple[list[asyncpg.Record], int]:
    """An applicant's own applications (who="applicant") or a unit's queue (who="unit": those sent to it)."""
    cond = "applicant_id = $1" if who == "applicant" else "unit_id = $1 AND ever_sent"
    where = f"{cond} AND ($2::text IS NULL OR status = $2)"
    total = await conn.fetchval(f"SELECT count(*) FROM intake.applications WHERE {where}", org, status)
    rows = await conn.fetch(f"SELECT * FROM intake.applications WHERE {where} "
                            "ORDER BY updated_at, application_id OFFSET $3 LIMIT $4", org, status, offset, limit)
    return rows, total


async def progress(conn: asyncpg.Connection, rows: list[asyncpg.Record], now: datetime) -> dict[UUID, dict[str, str]]:
    """Each nomination's later states (review stage, decision, release) as its unit may read them at `now`
    (domain/progress.py decides): from the review's and the releases' events and the notices opened."""
    if not rows:
        return {}
    ids = [r["nomination_id"] for r in rows]
    review = {r["nomination_id"]: r for r in await conn.fetch(
        "SELECT * FROM intake.review_states WHERE nomination_id = ANY($1::uuid[])", ids)}
    notices: dict[tuple[str, str], list[asyncpg.Record]] = {}
    for n in await conn.fetch("SELECT campaign, list_code, opens_at, closes_at, nominations, omitted "
                              "FROM intake.notices WHERE campaign = ANY($1::text[]) AND opens_at <= $2 "
                              "ORDER BY opens_at, notice_id", list({r["campaign"] for r in rows}), now):
        notices.setdefault((n["campaign"], n["list_code"]), []).append(n)
    out = {}
    for r in rows:
        screening = screening_notice(screening_from_row(r), r["resubmitted_round"] or 0)
        out[r["nomination_id"]] = later_states(
            live_status(r), (screening or {}).get("state"), r["nomination_id"], r["domain"],
            review.get(r["nomination_id"]), notices.get((r["campaign"], r["list_code"]), []), now)
    return out
