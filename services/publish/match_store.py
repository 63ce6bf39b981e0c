"""asyncpg adapter of the matching write side (domain/matching.py): a request loaded under its lock and saved
as its command's events leave it; the entries listed now, from the service's own releases; the packages sent;
and the contacts revealed with their people's keys. No rules here."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
import orjson

from contracts.personal import Sealed
from eventlog import privacy

from .domain.matching import ListedEntry, Match


def _sealed(text: str | None) -> Sealed | None:
    return Sealed.model_validate_json(text) if text else None


async def load_match(conn: asyncpg.Connection, campaign: str, match_id: UUID) -> Match | None:
    row = await conn.fetchrow("SELECT * FROM publish.matches WHERE match_id = $1 AND campaign = $2", match_id, campaign)
    if row is None:
        return None
    return Match(row["match_id"], row["campaign"], row["nomination_id"], row["holder_unit"], row["requester"],
                 row["status"], row["outcome"], row["outcomes"], _sealed(row["requester_contact"]), _sealed(row["holder_contact"]))


async def save_match(conn: asyncpg.Connection, before: Match | None, after: Match | None) -> None:
    if after is None or after == before:
        return
    await conn.execute("""INSERT INTO publish.matches (match_id, campaign, nomination_id, holder_unit, requester, status,
                          outcome, outcomes, requester_contact, holder_contact) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                          ON CONFLICT (match_id) DO UPDATE SET status = EXCLUDED.status, outcome = EXCLUDED.outcome,
                          outcomes = EXCLUDED.outcomes,
                          holder_contact = EXCLUDED.holder_contact""",
                       after.match_id, after.campaign, after.nomination_id, after.holder_unit, after.requester,
                       after.status, after.outcome, after.outcomes, after.requester_contact.model_dump_json(),
                       after.holder_contact.model_dump_json() if after.holder_contact else None)


async def listed_entry(conn: asyncpg.Connection, campaign: str, nomination_id: UUID, now: datetime) -> ListedEntry | None:
    """The entry as the latest version of its list public at `now` lists it; None when no such version lists it
    (never listed, revoked by a correction, or still under embargo)."""
    row = await conn.fetchrow("""WITH latest AS (SELECT DISTINCT ON (list_code) list_code, nominations, entries
                                                 FROM publish.releases
                                                 WHERE campaign = $1 AND (public_at IS NULL OR public_at <= $2)
                                                 ORDER BY list_code, version DESC)
                                 SELECT list_code, entries FROM latest WHERE $3 = ANY(nominations)""",
                              campaign, now, nomination_id)
    if row is None:
        return None
    entry = next(e for e in orjson.loads(row["entries"] or "[]") if e["nomination_id"] == str(nomination_id))
    return ListedEntry(campaign, nomination_id, row["list_code"], entry.get("domain"), entry["title"], entry["unit_id"],
                       entry.get("holder_org"), entry.get("unit_name"), entry.get("region"))


async def listed_entries(conn: asyncpg.Connection, campaign: str, now: datetime) -> list[ListedEntry]:
    """Every entry listed now, by list then as listed."""
    rows = await conn.fetch("""SELECT DISTINCT ON (list_code) list_code, entries FROM publish.releases
                               WHERE campaign = $1 AND (public_at IS NULL OR public_at <= $2)
                               ORDER BY list_code, version DESC""", campaign, now)
    return [ListedEntry(campaign, UUID(e["nomination_id"]), r["list_code"], e.get("domain"), e["title"], e["unit_id"],
                        e.get("holder_org"), e.get("unit_name"), e.get("region"))
            for r in rows for e in orjson.loads(r["entries"] or "[]")]


async def package_sent(conn: asyncpg.Connection, campaign: str, package_id: UUID) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM publish.packages WHERE package_id = $1 AND campaign = $2",
                                    package_id, campaign))


async def save_package(conn: asyncpg.Connection, e) -> None:
    await conn.execute("""INSERT INTO publish.packages (package_id, campaign, audience, entries, sent_at)
                          VALUES ($1, $2, $3, $4, $5) ON CONFLICT (package_id) DO NOTHING""",
                       e.package_id, e.campaign, e.audience, list(e.entries), e.occurred_at)


async def contacts(conn: asyncpg.Connection, match: Match) -> dict[str, str | None]:
    """Both contacts in clear (已删除 once their person was erased); None: not given (the holder before consent)."""
    sealed = {"requester": match.requester_contact, "holder": match.holder_contact}
    keys = await privacy.keys_of(conn, [s.pid for s in sealed.values() if s is not None])
    return {side: privacy.reveal(s, keys) if s is not None else None for side, s in sealed.items()}
