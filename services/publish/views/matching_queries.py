"""Reads of the matching view (views/matching.py), scoped as domain/matching.py's may_see says: a requester its
own requests, a holder those on its entries the secretariat accepted, the secretariat all. Never a contact."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from contracts.identity import Identity

from ..domain.matching import DECLINE_REASONS, HIDDEN_FROM_HOLDER, KINDS, OUTCOMES, STATUSES
from .matching import MATCHING

S = MATCHING.schema
_FIELDS = """match_id::text, campaign, nomination_id::text, list_code, domain, title, holder_unit, holder_org,
             requester, organisation, kind, need, region, package_id::text, requested_at, status, decline_reason,
             triage_note, outcome, outcome_at, introduced_at"""


def _scope(who: Identity, first: int) -> tuple[str, list]:
    if who.role == "secretariat":
        return "TRUE", []
    if who.role == "requester":
        return f"requester = ${first}", [who.org]
    return f"holder_unit = ${first} AND status <> ALL(${first + 1}::text[])", [who.org, list(HIDDEN_FROM_HOLDER)]


def _document(row: asyncpg.Record) -> dict[str, Any]:
    r = dict(row)
    r["kind_name"] = KINDS.get(r["kind"])
    r["status_name"] = STATUSES.get(r["status"])
    r["decline_reason_name"] = DECLINE_REASONS.get(r["decline_reason"] or "")
    r["outcome_name"] = OUTCOMES.get(r["outcome"] or "")
    for t in ("requested_at", "outcome_at", "introduced_at"):
        r[t] = r[t].isoformat() if r[t] else None
    return r


async def requests(conn: asyncpg.Connection, campaign: str, who: Identity, status: str | None = None,
                   nomination_id: UUID | None = None) -> list[dict[str, Any]]:
    where, args = _scope(who, 4)
    rows = await conn.fetch(f"""SELECT {_FIELDS} FROM {S}.requests
                                WHERE campaign = $1 AND ($2::text IS NULL OR status = $2)
                                  AND ($3::uuid IS NULL OR nomination_id = $3) AND {where}
                                ORDER BY requested_at, match_id""", campaign, status, nomination_id, *args)
    return [_document(r) for r in rows]


async def request(conn: asyncpg.Connection, campaign: str, match_id: UUID, who: Identity) -> dict[str, Any] | None:
    where, args = _scope(who, 3)
    row = await conn.fetchrow(f"SELECT {_FIELDS} FROM {S}.requests WHERE campaign = $1 AND match_id = $2 AND {where}",
                              campaign, match_id, *args)
    return _document(row) if row else None


async def statistics(conn: asyncpg.Connection, campaign: str) -> dict[str, Any]:
    """Counts of the campaign's requests: by kind, by status, by kind and outcome, and per package sent."""
    rows = await conn.fetch(f"""SELECT kind, status, outcome, count(*) AS n FROM {S}.requests
                                WHERE campaign = $1 GROUP BY kind, status, outcome""", campaign)
    by_kind = {k: 0 for k in KINDS}
    by_status = {s: 0 for s in STATUSES}
    by_outcome = {o: 0 for o in OUTCOMES}
    by_kind_outcome = {k: {o: 0 for o in OUTCOMES} for k in KINDS}
    for r in rows:
        by_kind[r["kind"]] = by_kind.get(r["kind"], 0) + r["n"]
        by_status[r["status"]] = by_status.get(r["status"], 0) + r["n"]
        if r["outcome"]:
            by_outcome[r["outcome"]] += r["n"]
            by_kind_outcome[r["kind"]][r["outcome"]] += r["n"]
    return {"campaign": campaign, "requests": sum(by_kind.values()), "by_kind": by_kind, "by_status": by_status,
            "introduced": sum(n for s, n in by_status.items() if s == "introduced" or s.startswith("outcome_")),
            "by_outcome": by_outcome, "by_kind_outcome": by_kind_outcome,
            "packages": await packages(conn, campaign),
            "names": {"kind": KINDS, "status": STATUSES, "outcome": OUTCOMES}}


async def packages(conn: asyncpg.Connection, campaign: str) -> list[dict[str, Any]]:
    """Each package sent, with the requests filed from it: how many, introduced, reaching 落地."""
    rows = await conn.fetch(f"""SELECT p.package_id::text, p.audience, p.sent_at, p.list_code, p.domain, p.region,
                                       p.keyword, cardinality(p.entries) AS entries,
                                       count(r.match_id) AS requests,
                                       count(r.introduced_at) AS introduced,
                                       count(*) FILTER (WHERE r.outcome = 'landed') AS landed
                                FROM {S}.packages p LEFT JOIN {S}.requests r ON r.package_id = p.package_id
                                WHERE p.campaign = $1 GROUP BY p.package_id ORDER BY p.sent_at, p.package_id""",
                            campaign)
    return [{**dict(r), "sent_at": r["sent_at"].isoformat()} for r in rows]


async def package(conn: asyncpg.Connection, campaign: str, package_id: UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(f"""SELECT package_id::text, audience, sent_at, entries FROM {S}.packages
                                  WHERE campaign = $1 AND package_id = $2""", campaign, package_id)
    return dict(row) if row else None
