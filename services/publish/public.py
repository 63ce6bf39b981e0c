"""What the public may read, from the release-facts view: published list versions, notices (the routes
show only the open ones to the public) with their entries' names, and the review methods filed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
import orjson

from .release.assemble import PublishedVersion, corrections_of
from .release.model import Correction
from .views.release_facts import RELEASE_FACTS

S = RELEASE_FACTS.schema


@dataclass(frozen=True)
class NoticeRow:
    notice_id: UUID
    campaign: str
    list_code: str
    opens_at: datetime
    closes_at: datetime
    nominations: tuple[UUID, ...]

    def open_at(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


@dataclass(frozen=True)
class NoticeItem:
    """One nomination under notice, with the names the notice shows (never an objector's details)."""

    nomination_id: str
    title: str
    domain: str | None
    holder_org: str
    unit_id: str
    unit_name: str


@dataclass(frozen=True)
class PlanRow:
    body_code: str
    list_code: str
    domain: str | None
    criteria: tuple[tuple[str, int], ...]   # (name, weight in percent)
    aggregation: str
    tie_break: tuple[str, ...]


async def stamp(conn: asyncpg.Connection) -> int:
    """Moves whenever the view applies a record: what a cached page or file set is valid for."""
    return await conn.fetchval("SELECT coalesce(sum(next_offset), 0) FROM eventlog.consumer_offsets "
                               "WHERE consumer = $1", RELEASE_FACTS.name)


async def versions(conn: asyncpg.Connection, campaign: str) -> list[PublishedVersion]:
    """Every published version, embargoed ones included (the routes show those to the secretariat only)."""
    rows = await conn.fetch(f"""SELECT campaign, list_code, version, version_event, published_at, released_on,
                                       reason, entries, public_at, corrections FROM {S}.versions WHERE campaign = $1
                                ORDER BY list_code, version""", campaign)
    return [PublishedVersion(r["campaign"], r["list_code"], r["version"], r["version_event"], r["published_at"],
                             r["released_on"], r["reason"] or "", tuple(orjson.loads(r["entries"])), r["public_at"],
                             tuple(orjson.loads(r["corrections"] or "[]")))
            for r in rows]


async def next_public_at(conn: asyncpg.Connection, campaign: str, now: datetime) -> datetime | None:
    """The next instant an embargoed version of the campaign becomes public; None: nothing is embargoed now."""
    return await conn.fetchval(f"SELECT min(public_at) FROM {S}.versions WHERE campaign = $1 AND public_at > $2",
                               campaign, now)


async def notices(conn: asyncpg.Connection, campaign: str) -> list[NoticeRow]:
    rows = await conn.fetch(f"""SELECT notice_id, campaign, list_code, opens_at, closes_at, nominations
                                FROM {S}.notices WHERE campaign = $1 ORDER BY opens_at, notice_id""", campaign)
    return [NoticeRow(r["notice_id"], r["campaign"], r["list_code"], r["opens_at"], r["closes_at"],
                      tuple(r["nominations"])) for r in rows]


async def notice(conn: asyncpg.Connection, notice_id: UUID) -> NoticeRow | None:
    r = await conn.fetchrow(f"""SELECT notice_id, campaign, list_code, opens_at, closes_at, nominations
                                FROM {S}.notices WHERE notice_id = $1""", notice_id)
    return NoticeRow(r["notice_id"], r["campaign"], r["list_code"], r["opens_at"], r["closes_at"],
                     tuple(r["nominations"])) if r else None


async def notice_items(conn: asyncpg.Connection, notice: NoticeRow,
                       bodies: Mapping[str, str] | None = None) -> list[NoticeItem]:
    """The notice's nominations in the notice's own (declared) order. `bodies`: the names of the separately
    organised lists' bodies (domain/nominators.py), for an entry whose 推荐单位 the view has not named."""
    rows = await conn.fetch(f"""SELECT e.nomination_id, e.title, coalesce(e.decision_domain, e.domain) AS domain,
                                       e.holder_org, e.unit_id, u.name AS unit_name
                                FROM {S}.entries e LEFT JOIN {S}.units u
                                  ON u.campaign = e.campaign AND u.unit_id = e.unit_id
                                WHERE e.nomination_id = ANY($1::uuid[])""", list(notice.nominations))
    found = {r["nomination_id"]: r for r in rows}
    return [NoticeItem(str(n), r["title"] or "", r["domain"], r["holder_org"] or "", r["unit_id"] or "",
                       r["unit_name"] or (bodies or {}).get(r["unit_id"]) or r["unit_id"] or "")
            for n in notice.nominations if (r := found.get(n)) is not None]


async def corrections_during(conn: asyncpg.Connection, notice: NoticeRow) -> list[Correction]:
    """The corrections of the notice's list made before it closed (EntriesCorrected: before the release; those of
    an earlier notice stand in a later one, as the release applies every one), in order."""
    rows = await conn.fetch(f"""SELECT corrections FROM {S}.corrections WHERE campaign = $1 AND list_code = $2
                                AND corrected_at < $3 ORDER BY corrected_at, correction_event""",
                            notice.campaign, notice.list_code, notice.closes_at)
    return [c for r in rows for c in corrections_of(orjson.loads(r["corrections"]))]


async def plans(conn: asyncpg.Connection, campaign: str) -> list[PlanRow]:
    rows = await conn.fetch(f"""SELECT body_code, list_code, domain, criteria, aggregation, tie_break
                                FROM {S}.plans WHERE campaign = $1 ORDER BY list_code, domain, body_code""",
                            campaign)
    return [PlanRow(r["body_code"], r["list_code"], r["domain"] or None,
                    tuple((c["name"], c["weight"]) for c in orjson.loads(r["criteria"])), r["aggregation"],
                    tuple(r["tie_break"] or ())) for r in rows]
