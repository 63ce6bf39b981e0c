"""The intake's own read model: each nomination's status, projected from the log."""

from __future__ import annotations

from uuid import UUID

import asyncpg
from pydantic import ValidationError

from contracts.events import NominationSubmitted, QuotaRejected, QuotaReserved, decode_event
from contracts.topics import NOMINATIONS, QUOTA
from eventlog.consumer import ConsumerSpec, Records
from eventlog.deadletter import DeadLetter

VIEW_NAME = "intake:nomination_status"

_UPSERT_SUBMITTED = """
INSERT INTO intake.nomination_status (nomination_id, campaign, unit_id, list_code, domain, title, submitted_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (nomination_id) DO UPDATE SET campaign = EXCLUDED.campaign, unit_id = EXCLUDED.unit_id,
    list_code = EXCLUDED.list_code, domain = EXCLUDED.domain, title = EXCLUDED.title,
    submitted_at = EXCLUDED.submitted_at
"""
_UPSERT_DECISION = """
INSERT INTO intake.nomination_status (nomination_id, decision, reason, message, slot, quota_limit, used, decided_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (nomination_id) DO UPDATE SET decision = EXCLUDED.decision, reason = EXCLUDED.reason,
    message = EXCLUDED.message, slot = EXCLUDED.slot, quota_limit = EXCLUDED.quota_limit,
    used = EXCLUDED.used, decided_at = EXCLUDED.decided_at
"""


async def apply(conn: asyncpg.Connection, records: Records) -> list[DeadLetter]:
    submitted, decided, letters = [], [], []
    for recs in records.values():
        for record in recs:
            try:
                event = decode_event(record.value)
            except (ValidationError, ValueError) as exc:
                letters.append(DeadLetter(record, f"undecodable: {exc}"))
                continue
            if isinstance(event, NominationSubmitted):
                submitted.append((event.nomination_id, event.campaign, event.unit_id, event.list_code,
                                  event.domain, event.title, event.occurred_at))
            elif isinstance(event, QuotaReserved):
                decided.append((event.nomination_id, "reserved", None, None, event.slot, event.limit,
                                event.used, event.occurred_at))
            elif isinstance(event, QuotaRejected):
                decided.append((event.nomination_id, "rejected", event.reason, event.message, None, event.limit,
                                event.used, event.occurred_at))
    if submitted:
        await conn.executemany(_UPSERT_SUBMITTED, submitted)
    if decided:
        await conn.executemany(_UPSERT_DECISION, decided)
    return letters


def spec() -> ConsumerSpec:
    return ConsumerSpec(name=VIEW_NAME, topics=[NOMINATIONS.name, QUOTA.name], apply=apply)


async def nomination_status(conn: asyncpg.Connection, nomination_id: UUID) -> asyncpg.Record | None:
    # A decision seen before its submission is not yet a nomination the caller can read.
    return await conn.fetchrow(
        "SELECT * FROM intake.nomination_status WHERE nomination_id = $1 AND submitted_at IS NOT NULL",
        nomination_id,
    )
