"""The listed entries as the public reads them, from the release facts' `listed` rows (every version's entries) and
`versions`: an entry is listed while the current public version of its list holds it (the versions that
manifest.json names as `generated_from`); one that an earlier public version held and the current one does not was
revoked (撤销). Search is a plain ILIKE on each row's text (README, publish: why not pg_trgm)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import asyncpg
import orjson

from .views.release_facts import RELEASE_FACTS

S = RELEASE_FACTS.schema
MAX_RESULTS = 200

# The current public version of each list at $1 (the highest version, ties to the higher event id).
CURRENT = f"""
current AS (SELECT DISTINCT ON (campaign, list_code) campaign, list_code, version, version_event, released_on,
                   published_at
            FROM {S}.versions WHERE public_at IS NULL OR public_at <= $1
            ORDER BY campaign, list_code, version DESC, version_event DESC)"""
_COLUMNS = """l.campaign, l.list_code, l.version, c.version_event, coalesce(c.released_on, c.published_at::date)
              AS released_on, l.nomination_id, l.title, l.domain, l.holder_org, l.unit_id, l.unit_name, l.region,
              l.shown"""


@dataclass(frozen=True)
class ListedEntry:
    campaign: str
    list_code: str
    version: int
    version_event: str
    released_on: date
    nomination_id: UUID
    title: str
    domain: str | None
    holder_org: str
    unit_id: str
    unit_name: str
    region: str | None
    shown: tuple[tuple[str, str, str], ...]   # (field, label, value) the unit agreed to publish

    @property
    def check_code(self) -> str:
        """What the certificate prints beside its verification address: bound to the version and the facts."""
        return certificate_code(self.version_event, self.nomination_id, self.title, self.holder_org)


def certificate_code(version_event: str, nomination_id: UUID, title: str, holder_org: str) -> str:
    text = "\x1f".join((str(version_event), str(nomination_id), title, holder_org))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _entry(r: asyncpg.Record) -> ListedEntry:
    return ListedEntry(r["campaign"], r["list_code"], r["version"], r["version_event"], r["released_on"],
                       r["nomination_id"], r["title"] or "", r["domain"], r["holder_org"] or "", r["unit_id"] or "",
                       r["unit_name"] or r["unit_id"] or "", r["region"],
                       tuple(tuple(f) for f in orjson.loads(r["shown"] or "[]")))


async def listed_entry(conn: asyncpg.Connection, campaign: str, nomination_id: UUID,
                       now: datetime) -> ListedEntry | None:
    r = await conn.fetchrow(f"""WITH {CURRENT}
        SELECT {_COLUMNS} FROM {S}.listed l JOIN current c USING (campaign, list_code, version)
        WHERE l.campaign = $2 AND l.nomination_id = $3""", now, campaign, nomination_id)
    return _entry(r) if r else None


async def was_listed(conn: asyncpg.Connection, campaign: str, nomination_id: UUID, now: datetime) -> bool:
    """Whether a public version ever held the entry (then, not listed now: revoked)."""
    return bool(await conn.fetchval(f"""SELECT EXISTS (SELECT 1 FROM {S}.listed l JOIN {S}.versions v
        USING (campaign, list_code, version) WHERE l.campaign = $1 AND l.nomination_id = $2
        AND (v.public_at IS NULL OR v.public_at <= $3))""", campaign, nomination_id, now))


async def issued_in(conn: asyncpg.Connection, campaign: str, nomination_id: UUID, version_event: str,
                    now: datetime) -> ListedEntry | None:
    """The entry as the public version `version_event` listed it (what a certificate was issued from)."""
    r = await conn.fetchrow(f"""SELECT {_COLUMNS} FROM {S}.listed l JOIN {S}.versions c
        USING (campaign, list_code, version)
        WHERE l.campaign = $1 AND l.nomination_id = $2 AND c.version_event = $3
        AND (c.public_at IS NULL OR c.public_at <= $4)""", campaign, nomination_id, version_event, now)
    return _entry(r) if r else None


def declared_order(campaign) -> tuple[list[str], list[str]]:
    """The campaign's lists and domains in its declared order (the release's grouping)."""
    return [lst.code for lst in campaign.lists], [d.code for lst in campaign.lists for d in lst.domains]


def _like(keyword: str) -> str:
    return "%" + keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def search(conn: asyncpg.Connection, now: datetime, *, campaigns: list[str], keyword: str = "",
                 list_code: str = "", domain: str = "", region: str = "",
                 order: tuple[list[str], list[str]] = ([], [])) -> list[ListedEntry]:
    """Listed entries of `campaigns` matching every filter given (an empty one matches all), in the campaign's list
    and domain order (`order`: the codes), then by unit name and title (the release's order); at most MAX_RESULTS."""
    rows = await conn.fetch(f"""WITH {CURRENT}
        SELECT {_COLUMNS} FROM {S}.listed l JOIN current c USING (campaign, list_code, version)
        WHERE l.campaign = ANY($2::text[]) AND ($3 = '' OR l.search ILIKE $4)
          AND ($5 = '' OR l.list_code = $5) AND ($6 = '' OR l.domain = $6) AND ($7 = '' OR l.region = $7)
        ORDER BY l.campaign DESC, array_position($8::text[], l.list_code), array_position($9::text[], l.domain),
                 l.unit_name COLLATE "C", l.title COLLATE "C"
        LIMIT {MAX_RESULTS}""", now, campaigns, keyword, _like(keyword), list_code, domain, region, *order)
    return [_entry(r) for r in rows]


@dataclass(frozen=True)
class Count:
    list_code: str
    domain: str | None
    region: str | None
    candidates: int
    listed: int


async def counts(conn: asyncpg.Connection, campaign: str, now: datetime) -> list[Count]:
    """Per list, domain and region of the campaign's published lists: the candidates (nominations submitted within
    quota — on a list without quotas: submitted — and not withdrawn, on the list they were decided on) and the
    entries listed now. Lists not yet public: none."""
    rows = await conn.fetch(f"""WITH {CURRENT},
        cand AS (SELECT coalesce(e.decision_list, e.list_code) AS list_code,
                        coalesce(CASE WHEN e.decision_event IS NOT NULL THEN e.decision_domain ELSE e.domain END, '')
                          AS domain, coalesce(e.region, '') AS region, count(*) AS n
                 FROM {S}.entries e WHERE e.campaign = $2 AND e.content_event IS NOT NULL AND e.withdrawn_at IS NULL
                   AND (e.quota_outcome IS NULL OR e.quota_outcome = 'reserved')
                 GROUP BY 1, 2, 3),
        lst AS (SELECT l.list_code, coalesce(l.domain, '') AS domain, coalesce(l.region, '') AS region, count(*) AS n
                FROM {S}.listed l JOIN current c USING (campaign, list_code, version) WHERE l.campaign = $2
                GROUP BY 1, 2, 3)
        SELECT list_code, domain, region, coalesce(cand.n, 0) AS candidates, coalesce(lst.n, 0) AS listed
        FROM cand FULL JOIN lst USING (list_code, domain, region)
        WHERE list_code IN (SELECT list_code FROM current WHERE campaign = $2)""", now, campaign)
    return [Count(r["list_code"], r["domain"] or None, r["region"] or None, r["candidates"], r["listed"]) for r in rows]


@dataclass(frozen=True)
class NewsItem:
    news_id: UUID
    campaign: str
    title: str
    body: str
    publish_at: datetime


async def news(conn: asyncpg.Connection, campaigns: list[str]) -> list[NewsItem]:
    """Every news item of `campaigns`, newest first (domain/news.py decides which are shown now)."""
    rows = await conn.fetch(f"""SELECT news_id, campaign, title, body, publish_at FROM {S}.news
                                WHERE campaign = ANY($1::text[]) ORDER BY publish_at DESC, news_id""", campaigns)
    return [NewsItem(r["news_id"], r["campaign"], r["title"], r["body"], r["publish_at"]) for r in rows]
