"""Reading the release facts (views/release_facts.py) into the values the domain decides on, and waiting
until they have read the log as far as it reached when a command arrived."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import asyncpg
import orjson

from contracts.errors import DomainError
from eventlog.projection.status import LogEnds
from eventlog.write.read_your_writes import view_reaches

from .domain.model import EntryFacts
from .views.release_facts import RELEASE_FACTS

S = RELEASE_FACTS.schema
_ENTRY = f"""
SELECT e.nomination_id, coalesce(e.decision_list, e.list_code) AS list_code,
       CASE WHEN e.decision_event IS NOT NULL THEN e.decision_domain ELSE e.domain END AS domain,
       e.title, e.unit_id, u.name AS unit_name, e.holder_org, e.region, e.shown, e.selected, e.withdrawn_at IS NOT NULL AS withdrawn,
       e.content_event, e.quota_event, e.screening_event, e.prelim_event, e.decision_event
FROM {S}.entries e LEFT JOIN {S}.units u ON u.campaign = e.campaign AND u.unit_id = e.unit_id
"""
FACTS_BEHIND = DomainError("发布服务仍在读取最新的事件日志，请稍后重试。", code="facts_catching_up", http_status=503)


def _facts(r: asyncpg.Record) -> EntryFacts:
    ids = {"nomination": r["content_event"], "quota": r["quota_event"], "screening": r["screening_event"],
           "prelim": r["prelim_event"], "decision": r["decision_event"]}
    return EntryFacts(r["nomination_id"], r["list_code"], r["domain"], r["title"] or "", r["unit_id"] or "",
                      r["unit_name"], r["holder_org"], r["selected"], r["withdrawn"],
                      {k: UUID(v) if v else None for k, v in ids.items()},
                      r["region"], tuple(tuple(f) for f in orjson.loads(r["shown"] or "[]")))


async def decided(conn: asyncpg.Connection, campaign: str, list_code: str) -> tuple[EntryFacts, ...]:
    """Every nomination with a final decision on the list (its content seen), by nomination id."""
    rows = await conn.fetch(f"{_ENTRY} WHERE e.decision_campaign = $1 AND e.decision_list = $2 "
                            "AND e.content_event IS NOT NULL ORDER BY e.nomination_id", campaign, list_code)
    return tuple(_facts(r) for r in rows)


async def entries(conn: asyncpg.Connection, nomination_ids: Iterable[UUID]) -> dict[UUID, EntryFacts]:
    rows = await conn.fetch(f"{_ENTRY} WHERE e.nomination_id = ANY($1::uuid[]) AND e.content_event IS NOT NULL",
                            list(nomination_ids))
    return {r["nomination_id"]: _facts(r) for r in rows}


async def caught_up(pool: asyncpg.Pool, log_ends: LogEnds, timeout_s: float = 10.0) -> None:
    """Return once the release facts have applied every record on their topics as they end now; a command
    then decides on every decision recorded before it. Raises FACTS_BEHIND after `timeout_s`."""
    if not await view_reaches(pool, RELEASE_FACTS.name, await log_ends.ends(RELEASE_FACTS.topic_names()), timeout_s):
        raise FACTS_BEHIND
